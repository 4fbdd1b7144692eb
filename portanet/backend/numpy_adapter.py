"""The NumPy backend (the default, and the reference the others are compared with).

Example:
    >>> pn.set_backend("numpy")
    Backend('numpy')
"""
from __future__ import annotations

import os
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .fast import importable, lazy_kernel
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
        """``index_add`` (np.add.at), ``relu_backward``, ``conv2d`` (stride-1 convolution as
        shifted-row GEMMs), ``optim.sgd`` (in-place NumPy); with numba installed also
        ``max_pool2d``, ``avg_pool2d``, ``philox_uint32`` (the random stream) and
        ``optim.<rule>`` for every optimizer (one fused
        loop per parameter, see :mod:`portanet.kernels`).  ``PORTANET_NUMBA=0`` leaves numba out.
        """
        def index_add(n, idx, values):
            out = np.zeros((n,) + values.shape[1:], dtype=values.dtype)
            np.add.at(out, idx, values)
            return out

        def relu_backward(y, g):
            # the mask multiplies as booleans (True -> 1.0): the same products as the generic
            # ``g * astype(y > 0)``, without its full-size float copy of the mask (np.where
            # would drop that too, but measured 10x slower than the product here)
            return np.multiply(g, y > 0)

        from ..kernels.numpy_conv import conv2d
        from ..kernels.numpy_optim import make_sgd

        paths = {"index_add": index_add, "relu_backward": relu_backward, "conv2d": conv2d,
                 **_numba_rules()}
        # SGD has a NumPy path of its own (small arrays, or no numba), numba's loop inside it
        paths["optim.sgd"] = make_sgd(paths.get("optim.sgd"))
        return paths


def _numba_rules() -> dict[str, Callable]:
    """numba kernels, when numba is installed: fused optimizer updates and 2-D pooling.

    numba (0.3-1 s to import, plus its compiled-kernel cache) is imported only once an
    array of ``NUMBA_MIN_SIZE`` elements or more reaches one of these paths, or once
    something else has imported it (see :func:`lazy_kernel`): a small model (and most of
    the test suite) keeps the generic code and starts fast.
    """
    if os.environ.get("PORTANET_NUMBA", "1") == "0" or not importable("numba"):
        return {}
    from ..kernels import OPTIM_RULES
    rules = {name: lazy_kernel("portanet.kernels.numba_optim", attr) for name, attr in OPTIM_RULES.items()}
    rules["philox_uint32"] = lazy_kernel("portanet.kernels.numba_philox", "uint32_stream", size_arg=2)
    rules["max_pool2d"] = lazy_kernel("portanet.kernels.numba_pool", "max_pool2d")
    rules["avg_pool2d"] = lazy_kernel("portanet.kernels.numba_pool", "avg_pool2d")
    return rules
