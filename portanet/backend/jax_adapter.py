"""The JAX backend (``jax.numpy``; CPU in CI, GPU where jaxlib has CUDA).

JAX arrays are immutable: portanet's in-place helpers (:mod:`portanet.backend.inplace`)
return new arrays there, and ``Tensor._set_inplace`` writes them back, so optimizers,
``.data`` and ``load_state_dict`` behave as on the other libraries.  One limitation:
two tensors cannot share storage, so a ``.data`` alias taken *before* an update (an
optimizer step, say) keeps the values it had; take it after, or read the tensor itself.

64-bit mode: loading this backend turns on ``jax_enable_x64`` for the process.  JAX
otherwise makes every float64 and int64 array 32-bit (with a warning), and portanet
promises float64 on request, int64 indices (PyTorch's default integer dtype, e.g.
``pn.tensor([1, 2])``, ``pn.randint``), and the same random numbers on every backend:
its Philox stream works in int64 and Box-Muller in float64 before the cast.  Arrays are
still created float32 unless float64 is asked for; JAX code of your own in the same
process will see 64-bit defaults (``jnp.arange(3)`` is int64).

Speed: eager JAX compiles every operation with XLA the first time it meets a new shape
(50-100 ms each on a 2-core CPU), so the first steps of a model are slow and later ones
fast; random draws of a new size compile the Philox rounds' operations anew.

Example:
    >>> pn.set_backend("jax")
    Backend('jax')
    >>> pn.set_backend(jax.numpy)      # the same backend
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import array_api_compat
import numpy as np

from .generic import Adapter, BackendError

__all__ = ["JaxAdapter"]


class JaxAdapter(Adapter):
    name = "jax"
    namespaces = ("jax.numpy", "jax")
    modules = ("jax",)
    distributions = ("jax",)
    install_hint = "JAX: pip install 'portanet[jax]' (CPU: pip install 'jax[cpu]')"
    compiles_ops = True  # eager JAX compiles each new op and shape with XLA on first use

    def load(self) -> ModuleType:
        jax = self._import("jax")
        jax.config.update("jax_enable_x64", True)  # see the module docstring
        return self._import("jax.numpy")

    def parse_device(self, xp: ModuleType, device: Any) -> Any:
        if isinstance(device, str):  # "cpu", "cpu:0", "gpu:1", "cuda:0"
            import jax
            kind, _, index = device.partition(":")
            kind = "gpu" if kind == "cuda" else kind
            return jax.devices(kind)[int(index or 0)]
        return device

    # JAX holds CPU and GPU arrays itself: while it is current, "cuda" is a JAX GPU
    def torch_device(self, bk) -> tuple:
        d = bk.device
        if d is None or getattr(d, "platform", "cpu") == "cpu":
            return ("cpu", None)
        return ("cuda", int(getattr(d, "id", 0)))

    def cpu_place(self, bk) -> tuple | None:
        return None if self.torch_device(bk)[0] == "cpu" else ("jax", None)

    def gpu_place(self, bk, index: int) -> tuple:
        if index >= self.gpu_count(bk):
            raise BackendError("JAX sees no GPU (pip install 'jax[cuda12]' on a CUDA machine)")
        return ("jax", f"cuda:{index}")

    def gpu_count(self, bk) -> int:
        import jax
        try:
            return len(jax.devices("gpu"))
        except RuntimeError:
            return 0

    def is_array(self, array: Any) -> bool:
        return array_api_compat.is_jax_array(array)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.array(array)  # a writeable host copy (np.asarray would be read-only)

    def fast_paths(self, xp: ModuleType) -> dict[str, Callable]:
        def index_add(n, idx, values):
            # JAX's scatter-add sums repeated indices (the generic path is a one-hot matmul)
            out = xp.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype,
                           device=values.device)
            return out.at[idx].add(values)

        return {"index_add": index_add}
