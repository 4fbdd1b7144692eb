"""``pn.cuda``: PyTorch's ``torch.cuda`` questions, answered for portanet's GPU backend.

"cuda" is CuPy, or torch on CUDA while the torch backend is current (see
:mod:`portanet.devices`).

Example:
    >>> device = pn.device("cuda" if pn.cuda.is_available() else "cpu")
"""
from __future__ import annotations

from .backend.devices import gpu_backend_available, gpu_count

__all__ = ["is_available", "device_count", "current_device", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """Whether ``pn.device("cuda")`` resolves to a usable GPU under the current backend."""
    return gpu_backend_available()


def device_count() -> int:
    """How many GPUs ``"cuda:i"`` can name (0 without one)."""
    return gpu_count()


def current_device() -> int:
    """The index of the current GPU (always 0: portanet uses one GPU per process)."""
    if not is_available():
        from .backend.devices import no_gpu_error
        raise no_gpu_error("pn.cuda.current_device()")
    return 0


def manual_seed(seed: int) -> None:
    """Seed the random stream; portanet has one stream for every device (its draws are
    the same on CPU and GPU), so this is :func:`portanet.manual_seed`."""
    from .random import manual_seed as _seed
    _seed(seed)


manual_seed_all = manual_seed
