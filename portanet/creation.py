"""Tensor constructors on the current backend: zeros, ones, full, arange."""
from __future__ import annotations

import numbers
from typing import Any

from . import argcheck
from .autograd.tensor import Tensor, wrap
from . import random as _random
from .backend import get_backend, resolve_dtype

__all__ = ["zeros", "ones", "full", "arange", "zeros_like", "ones_like", "rand", "randn", "randint"]


def _shape(shape, who: str = "zeros") -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of non-negative ints (PyTorch's rules: 0 is
    an empty axis; a negative or non-integer size is refused here, by name)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for n in shape:
        if not argcheck.is_int(n):
            raise TypeError(f"{who}: size must be a tuple of ints, got {type(n).__name__} {n!r} "
                            f"in {tuple(shape)!r}")
        if n < 0:
            raise ValueError(f"{who}: size must be non-negative, got {tuple(shape)!r}")
    return tuple(int(n) for n in shape)


def full(shape, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Tensor of ``shape`` filled with ``fill_value`` (float32 unless ``dtype``)."""
    shape = _shape((shape,) if isinstance(shape, (tuple, list)) else (shape,), "full")
    if not isinstance(fill_value, numbers.Number):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__} "
                        f"{fill_value!r}")
    bk = get_backend()
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    t = wrap(bk.xp.full(shape, fill_value, dtype=dt, device=bk.device), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.zeros(2, 3)``."""
    return full(_shape(shape, "zeros"), 0.0, dtype, requires_grad)


def ones(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Example: ``pn.ones(2, 3, dtype="float64")``."""
    return full(_shape(shape, "ones"), 1.0, dtype, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None) -> Tensor:
    return wrap(t._bk.xp.zeros_like(t.array, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


def ones_like(t: Tensor, dtype: Any = None) -> Tensor:
    return wrap(t._bk.xp.ones_like(t.array, dtype=dtype and resolve_dtype(dtype, t._bk.xp)), t._bk, False)


def arange(start, stop=None, step=1, dtype: Any = None) -> Tensor:
    """Like ``torch.arange``; integers give int64."""
    bk = get_backend()
    if stop is None:
        start, stop = 0, start
    for name, v in (("start", start), ("end", stop), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"arange: {name} must be a real number, got {type(v).__name__} {v!r}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (stop - start) * step < 0:
        raise ValueError(f"arange: upper bound and lower bound inconsistent with step sign "
                         f"(start={start}, end={stop}, step={step})")
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
    t = wrap(_random.uniform(_shape(shape, "rand"), dtype=dtype, generator=generator, backend=bk), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def randn(*shape, dtype: Any = None, requires_grad: bool = False, generator=None) -> Tensor:
    """Tensor of standard normal values, identical on every backend for the same seed.

    Example: ``pn.randn(32, 64, dtype="float64")``.
    """
    bk = get_backend()
    t = wrap(_random.normal(_shape(shape, "randn"), dtype=dtype, generator=generator, backend=bk), bk, False)
    return t.requires_grad_(True) if requires_grad else t


def randint(low: int, high: int, size, generator=None) -> Tensor:
    """int64 Tensor of integers in ``[low, high)`` (PyTorch's argument order).

    Example: ``pn.randint(0, 10, (32,))``.
    """
    for name, v in (("low", low), ("high", high)):
        if not argcheck.is_int(v):
            raise TypeError(f"randint: {name} must be an integer, got {type(v).__name__} {v!r}")
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    size = _shape((size,) if isinstance(size, (tuple, list)) else (size,), "randint")
    bk = get_backend()
    return wrap(_random.randint(low, high, size, generator=generator, backend=bk), bk, False)
