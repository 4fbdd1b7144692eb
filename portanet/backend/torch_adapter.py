"""The PyTorch backend, through array-api-compat's wrapper (the bare ``torch`` module is
not a standard namespace: it has no ``astype``, ``permute_dims`` ...).

Example:
    >>> pn.set_backend("torch", device="cpu")
    Backend('torch', device=device(type='cpu'))
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import array_api_compat
import numpy as np

from .generic import Adapter, BackendError

__all__ = ["TorchAdapter"]


class TorchAdapter(Adapter):
    name = "torch"
    namespaces = ("torch", "array_api_compat.torch")
    modules = ("torch",)
    distributions = ("torch",)
    install_hint = "PyTorch: pip install 'portanet[torch]'"

    def load(self) -> ModuleType:
        return self._import("array_api_compat.torch")

    def parse_device(self, xp: ModuleType, device: Any) -> Any:
        if isinstance(device, str):
            import torch
            return torch.device(device)
        return device

    # torch holds CPU and CUDA arrays itself: while it is current, "cuda" is torch on CUDA
    def torch_device(self, bk) -> tuple:
        d = bk.device
        if d is None or getattr(d, "type", str(d)) == "cpu":
            return ("cpu", None)
        return ("cuda", d.index if getattr(d, "index", None) is not None else 0)

    def cpu_place(self, bk) -> tuple | None:
        return None if self.torch_device(bk)[0] == "cpu" else ("torch", None)

    def gpu_place(self, bk, index: int) -> tuple:
        import torch
        if not torch.cuda.is_available():
            raise BackendError("torch.cuda.is_available() is False")
        if index >= torch.cuda.device_count():
            raise BackendError(f"invalid device ordinal cuda:{index} ({torch.cuda.device_count()} "
                               "GPUs visible)")
        return ("torch", f"cuda:{index}")

    def gpu_count(self, bk) -> int:
        import torch
        return torch.cuda.device_count() if torch.cuda.is_available() else 0

    def is_array(self, array: Any) -> bool:
        return array_api_compat.is_torch_array(array)

    def reads_countable(self) -> bool:
        return True   # count_host_syncs wraps torch.Tensor's Python-level read methods

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.detach().cpu().numpy()

    def fast_paths(self, xp: ModuleType) -> dict[str, Callable]:
        import torch

        def index_add(n, idx, values):
            out = torch.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device)
            return out.index_add_(0, idx, values)

        # PyTorch's fused CPU optimizer kernels (Adam/AdamW, SGD, Adagrad)
        from ..kernels.torch_optim import paths
        return {"index_add": index_add, **paths()}
