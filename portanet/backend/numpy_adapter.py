"""The NumPy backend (the default, and the reference the others are compared with).

Example:
    >>> pn.set_backend("numpy")
    Backend('numpy')
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np

from .generic import Adapter

__all__ = ["NumpyAdapter"]


class NumpyAdapter(Adapter):
    """NumPy >= 2 implements the standard in its main namespace; using it directly (not
    the compat wrapper) keeps the per-op overhead at NumPy's own."""

    name = "numpy"
    namespaces = ("numpy", "array_api_compat.numpy")
    modules = ("numpy",)
    distributions = ("numpy",)
    install_hint = "NumPy: pip install numpy"
    quiet_repr = True
    reference = True

    def load(self) -> ModuleType:
        return np

    def is_array(self, array: Any) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def owns(self, array: Any, xp: ModuleType) -> bool:
        return isinstance(array, (np.ndarray, np.generic))

    def adopt(self, xp: ModuleType, array: Any) -> Any:
        return np.asarray(array)  # a NumPy scalar becomes a 0-d array

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def fast_paths(self, xp: ModuleType) -> dict[str, Callable]:
        def index_add(n, idx, values):
            out = np.zeros((n,) + values.shape[1:], dtype=values.dtype)
            np.add.at(out, idx, values)
            return out

        return {"index_add": index_add}
