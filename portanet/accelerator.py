"""``pn.accelerator``: PyTorch's device-agnostic accelerator questions (``torch.accelerator``).

portanet's one accelerator type is ``"cuda"`` (CuPy, or torch on CUDA under the torch
backend; see :mod:`portanet.devices`).

Example:
    >>> device = pn.accelerator.current_accelerator().type if pn.accelerator.is_available() else "cpu"
"""
from __future__ import annotations

from .backend.devices import device, gpu_backend_available, gpu_count

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    """Whether a GPU backend answers under the current backend."""
    return gpu_backend_available()


def current_accelerator(check_available: bool = False):
    """``device(type='cuda')`` when a GPU answers, else ``None`` (as PyTorch on a CPU-only
    machine)."""
    return device("cuda") if gpu_backend_available() else None


def device_count() -> int:
    """How many accelerators ``"cuda:i"`` can name (0 without one)."""
    return gpu_count()
