"""Optional backend-specific fast paths, registered per namespace.

Core ops call :func:`lookup` and fall back to their generic Array API code when it
returns ``None``.  Each fast path here is proven equal to the generic one by a test
(``tests/test_fast_paths.py``).  This is the one module below ``io``/``data`` that
names array libraries directly.

Example:
    >>> lookup(numpy, "index_add")  # np.add.at-based scatter-add
"""
from __future__ import annotations

from typing import Any, Callable

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

    return {"index_add": index_add}


def _torch_paths() -> dict[str, Callable]:
    import torch

    def index_add(n, idx, values):
        out = torch.zeros((n,) + tuple(values.shape[1:]), dtype=values.dtype, device=values.device)
        return out.index_add_(0, idx, values)

    return {"index_add": index_add}


def _cupy_paths() -> dict[str, Callable]:
    import cupy
    import cupyx

    def index_add(n, idx, values):
        out = cupy.zeros((n,) + values.shape[1:], dtype=values.dtype)
        cupyx.scatter_add(out, idx, values)
        return out

    return {"index_add": index_add}


_MAKERS = {"numpy": _numpy_paths, "torch": _torch_paths, "cupy": _cupy_paths}
