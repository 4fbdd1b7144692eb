"""Tensor constructors on the current backend: zeros, ones, full, arange."""
from __future__ import annotations

from typing import Any

from .autograd.tensor import Tensor, _wrap
from .backend import get_backend, resolve_dtype

__all__ = ["zeros", "ones", "full", "arange", "zeros_like", "ones_like"]


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def full(shape, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of ``shape`` filled with ``fill_value`` (float32 unless ``dtype``)."""
    bk = get_backend()
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    t = _wrap(bk.xp.full(tuple(shape), fill_value, dtype=dt, device=bk.device), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.zeros(2, 3)``."""
    return full(_shape(shape), 0.0, dtype, requires_grad)


def ones(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.ones(2, 3, dtype="float64")``."""
    return full(_shape(shape), 1.0, dtype, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None) -> Tensor:
    return _wrap(t._bk.xp.zeros_like(t.data, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


def ones_like(t: Tensor, dtype: Any = None) -> Tensor:
    return _wrap(t._bk.xp.ones_like(t.data, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


def arange(start, stop=None, step=1, dtype: Any = None) -> Tensor:
    """Like ``torch.arange``; integers give int64."""
    bk = get_backend()
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, stop, step))
        dt = bk.xp.int64 if is_int else bk.float_dtype
    else:
        dt = resolve_dtype(dtype, bk.xp)
    return _wrap(bk.xp.arange(start, stop, step, dtype=dt, device=bk.device), bk, False)
