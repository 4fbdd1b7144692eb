"""Tensor constructors on the current backend: zeros, ones, full, arange."""
from __future__ import annotations

from typing import Any

from .autograd.tensor import Tensor, wrap
from . import random as _random
from .backend import get_backend, resolve_dtype

__all__ = ["zeros", "ones", "full", "arange", "zeros_like", "ones_like", "rand", "randn", "randint"]


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def full(shape, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of ``shape`` filled with ``fill_value`` (float32 unless ``dtype``)."""
    bk = get_backend()
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    t = wrap(bk.xp.full(tuple(shape), fill_value, dtype=dt, device=bk.device), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.zeros(2, 3)``."""
    return full(_shape(shape), 0.0, dtype, requires_grad)


def ones(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.ones(2, 3, dtype="float64")``."""
    return full(_shape(shape), 1.0, dtype, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None) -> Tensor:
    return wrap(t._bk.xp.zeros_like(t.array, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


def ones_like(t: Tensor, dtype: Any = None) -> Tensor:
    return wrap(t._bk.xp.ones_like(t.array, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


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
    return wrap(bk.xp.arange(start, stop, step, dtype=dt, device=bk.device), bk, False)


def rand(*shape, dtype: Any = None, requires_grad: bool = False, generator=None) -> Tensor:
    """Tensor of U[0, 1) values, identical on every backend for the same seed.

    Example: ``pn.manual_seed(0); pn.rand(2, 3)``.
    """
    bk = get_backend()
    t = wrap(_random.uniform(_shape(shape), dtype=dtype, generator=generator, backend=bk), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape, dtype: Any = None, requires_grad: bool = False, generator=None) -> Tensor:
    """Tensor of standard normal values, identical on every backend for the same seed.

    Example: ``pn.randn(32, 64, dtype="float64")``.
    """
    bk = get_backend()
    t = wrap(_random.normal(_shape(shape), dtype=dtype, generator=generator, backend=bk), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def randint(low: int, high: int, size, generator=None) -> Tensor:
    """int64 Tensor of integers in ``[low, high)`` (PyTorch's argument order).

    Example: ``pn.randint(0, 10, (32,))``.
    """
    bk = get_backend()
    return wrap(_random.randint(low, high, tuple(size), generator=generator, backend=bk), bk, False)
