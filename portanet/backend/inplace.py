"""In-place updates that fall back to functional ones where arrays are immutable.

NumPy, CuPy, torch and array_api_strict arrays take ``a *= s`` and ``a[i] = v`` in
place; read-only NumPy views and immutable libraries (JAX) do not.  Every helper
returns the result, so a caller always writes ``m = imul(m, beta)`` and stores ``m``
back: the same line is an in-place update (no new array) on the first kind and a
functional one on the second.

* Whole-array arithmetic (the optimizers' rules): :func:`iadd`, :func:`isub`,
  :func:`imul`, :func:`idiv`, :func:`iset`, :func:`ilerp`.
* Indexed writes (ops and layers: padding, col2im, gradients of slices):
  :func:`set_at` and :func:`add_at`, array-api-extra's ``at()`` (``xpx.at(a)[idx].set(v)``),
  which writes in place where the array allows it and uses JAX's ``a.at[idx]``
  otherwise.  Ops never assign into an array with ``a[idx] = v`` themselves.

The input array must not be used after the call (it may or may not have changed):
always continue with the returned array.

Example:
    >>> m = imul(m, 0.9)
    >>> m = iadd(m, g * 0.1)
    >>> out = set_at(xp, xp.zeros((4, 4)), (slice(1, 3), slice(1, 3)), patch)
"""
from __future__ import annotations

from typing import Any

import array_api_extra as xpx
from array_api_compat import is_writeable_array

__all__ = ["iadd", "isub", "imul", "idiv", "iset", "ilerp", "copy_of", "set_at", "add_at"]


def set_at(xp, a, index, value) -> Any:
    """``a[index] = value``, in place where ``a`` is writeable; returns the updated array.

    Example:
        >>> out = set_at(xp, out, (slice(None), 0), col)
    """
    return xpx.at(a)[index].set(value, xp=xp)


def add_at(xp, a, index, value) -> Any:
    """``a[index] += value`` for basic (non-repeating) indices, in place where possible.

    Integer-array indices with repeats are not summed alike on every library: use
    ``portanet.ops`` ``index_add`` for scatter-adds.
    """
    return xpx.at(a)[index].add(value, xp=xp)


# Whole-array arithmetic.  Not routed through ``at(a)[...]``: on mutable arrays that would
# write each result back into itself (a second pass over the array) for the same effect.

def iadd(a, b):
    """``a + b``, written into ``a`` when it is writeable."""
    if is_writeable_array(a):
        a += b
        return a
    return a + b


def isub(a, b):
    """``a - b``, written into ``a`` when it is writeable."""
    if is_writeable_array(a):
        a -= b
        return a
    return a - b


def imul(a, b):
    """``a * b``, written into ``a`` when it is writeable."""
    if is_writeable_array(a):
        a *= b
        return a
    return a * b


def idiv(a, b):
    """``a / b``, written into ``a`` when it is writeable."""
    if is_writeable_array(a):
        a /= b
        return a
    return a / b


def iset(a, b):
    """``b`` (same shape and dtype), copied into ``a`` when it is writeable."""
    return xpx.at(a)[...].set(b)


def ilerp(a, b, weight: float):
    """``a + weight * (b - a)`` (an exponential moving average), written into ``a``."""
    return iadd(a, imul(b - a, weight))


def copy_of(xp, a):
    """A fresh array equal to ``a``, safe to update in place later (``a`` itself where
    arrays are immutable: nothing can write into it)."""
    return xp.asarray(a, copy=True) if is_writeable_array(a) else a
