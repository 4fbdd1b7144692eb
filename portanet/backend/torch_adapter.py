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

from .generic import Adapter

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

    def is_array(self, array: Any) -> bool:
        return array_api_compat.is_torch_array(array)

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
