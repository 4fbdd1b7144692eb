"""Optional backend-specific fast paths, registered per namespace.

Core ops call :func:`lookup` and fall back to their generic Array API code when it
returns ``None`` (or when the path declines, returning ``None``/``False``).  Each fast
path is proven equal to the generic one by a test (``tests/test_fast_paths.py``,
``tests/test_kernels_*.py``).  This module and ``portanet/kernels`` are the only ones
below ``io``/``data`` that name array libraries directly.

torch's: ``index_add`` and PyTorch's fused CPU optimizer kernels (``optim.adam``,
``optim.sgd``, ``optim.adagrad``: :mod:`portanet.kernels.torch_optim`).

CuPy's: ``index_add`` (cupy.add.at) and the fused CUDA kernels of
:mod:`portanet.kernels.cupy_kernels` (``optim.adam``, ``optim.sgd``, ``lstm_cell_forward``,
``lstm_cell_backward``).

NumPy's paths: ``index_add`` (np.add.at), ``relu_backward``, ``conv2d`` (stride-1
convolution as shifted-row GEMMs), ``optim.sgd`` (in-place NumPy); with numba installed
also ``max_pool2d``, ``avg_pool2d``, ``philox_uint32`` (the random stream) and ``optim.<rule>`` for every optimizer (one fused
loop per parameter).  ``PORTANET_NUMBA=0`` leaves numba out, ``PORTANET_CUPY_KERNELS=0``
CuPy's kernels.

Example:
    >>> lookup(numpy, "index_add")  # np.add.at-based scatter-add
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any, Callable

from .kernels import NUMBA_MIN_SIZE

_REGISTRY: dict[int, dict[str, Callable]] = {}
_DISABLED = [False]


def lookup(xp: Any, name: str) -> Callable | None:
    """The fast path ``name`` for namespace ``xp``, or ``None``."""
    if _DISABLED[0]:
        return None
    table = _REGISTRY.get(id(xp))
    return None if table is None else table.get(name)


def disabled():
    """Context manager that turns every fast path off (to test the generic code)."""
    import contextlib

    @contextlib.contextmanager
    def _cm():
        prev = _DISABLED[0]
        _DISABLED[0] = True
        try:
            yield
        finally:
            _DISABLED[0] = prev
    return _cm()


def register(bk) -> None:
    """Attach the fast paths known for ``bk``'s library."""
    table = _REGISTRY.setdefault(id(bk.xp), {})
    maker = _MAKERS.get(bk.name)
    if maker is not None:
        table.update(maker())


def _numpy_paths() -> dict[str, Callable]:
    import numpy as np

    def index_add(n, idx, values):
        out = np.zeros((n,) + values.shape[1:], dtype=values.dtype)
        np.add.at(out, idx, values)
        return out

    def relu_backward(y, g):
        # the mask multiplies as booleans (True -> 1.0): the same products as the generic
        # ``g * astype(y > 0)``, without its full-size float copy of the mask (np.where
        # would drop that too, but measured 10x slower than the product here)
        return np.multiply(g, y > 0)

    from .kernels.numpy_conv import conv2d
    from .kernels.numpy_optim import make_sgd

    paths = {"index_add": index_add, "relu_backward": relu_backward, "conv2d": conv2d,
             **_numba_rules()}
    # SGD has a NumPy path of its own (small arrays, or no numba), numba's loop inside it
    paths["optim.sgd"] = make_sgd(paths.get("optim.sgd"))
    return paths


def _importable(name: str) -> bool:
    """Whether ``name`` could be imported, without importing it (numba takes 0.3 s)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[name] is None (blocked)
        return False


def _numba_rules() -> dict[str, Callable]:
    """numba kernels, when numba is installed: fused optimizer updates and 2-D pooling.

    numba (0.3-1 s to import, plus its compiled-kernel cache) is imported only once an
    array of ``NUMBA_MIN_SIZE`` elements or more reaches one of these paths, or once
    something else has imported it: a small model (and most of the test suite) keeps
    the generic code and starts fast, a large one pays the import once and then takes
    the fused paths for every array.  If the import fails (a broken numba), every
    path declines and the generic code runs.  ``PORTANET_NUMBA=0`` turns them off.
    """
    if os.environ.get("PORTANET_NUMBA", "1") == "0" or not _importable("numba"):
        return {}
    from .kernels import OPTIM_RULES
    rules = {name: _lazy("portanet.kernels.numba_optim", attr) for name, attr in OPTIM_RULES.items()}
    rules["philox_uint32"] = _lazy("portanet.kernels.numba_philox", "uint32_stream", size_arg=2)
    rules["max_pool2d"] = _lazy("portanet.kernels.numba_pool", "max_pool2d")
    rules["avg_pool2d"] = _lazy("portanet.kernels.numba_pool", "avg_pool2d")
    return rules


def _lazy(module: str, attr: str, size_arg: int | None = None) -> Callable:
    """A stand-in for ``module.attr`` that imports it at its first worthwhile call.

    The first argument of every call is the array the kernel works on (or argument
    ``size_arg`` is its element count); until the module is imported, calls with a small
    one decline (return ``None``).
    """
    box: list = []

    def call(*args):
        if not box:
            size = args[size_arg] if size_arg is not None else getattr(args[0], "size", 0)
            if "numba" not in sys.modules and size < NUMBA_MIN_SIZE:
                return None
            try:
                box.append(getattr(importlib.import_module(module), attr))
            except ImportError:
                box.append(_declined)
        return box[0](*args)
    call.__name__ = attr
    return call


def _declined(*args) -> None:
    return None  # falsy: "not handled", for optimizer rules and kernels alike


def _torch_paths() -> dict[str, Callable]:
    import torch

    def index_add(n, idx, values):
        out = torch.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device)
        return out.index_add_(0, idx, values)

    from .kernels.torch_optim import paths
    return {"index_add": index_add, **paths()}


def _cupy_paths() -> dict[str, Callable]:
    import cupy

    from .kernels.cupy_kernels import paths

    def index_add(n, idx, values):
        out = cupy.zeros((n,) + values.shape[1:], dtype=values.dtype)
        cupy.add.at(out, idx, values)   # (cupyx.scatter_add is deprecated for it)
        return out

    # PORTANET_CUPY_KERNELS=0 leaves the fused kernels out (the generic code runs)
    kernels = paths() if os.environ.get("PORTANET_CUPY_KERNELS", "1") != "0" else {}
    return {"index_add": index_add, **kernels}


_MAKERS = {"numpy": _numpy_paths, "torch": _torch_paths, "cupy": _cupy_paths}
