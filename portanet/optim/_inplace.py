"""Arithmetic that updates an array in place where the array allows it.

NumPy, CuPy, torch and array_api_strict arrays take ``a *= s`` in place; read-only
NumPy views and immutable libraries (JAX) do not.  Every helper returns the result,
so an update rule always writes ``m = imul(m, beta)`` and stores ``m`` back: the same
line is an in-place update (no new array) on the first kind and a functional one on
the second.

Example:
    >>> m = imul(m, 0.9)
    >>> m = iadd(m, g * 0.1)
"""
from __future__ import annotations

from array_api_compat import is_writeable_array

__all__ = ["iadd", "isub", "imul", "idiv", "iset", "ilerp"]


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
    if is_writeable_array(a):
        a[...] = b
        return a
    return b


def ilerp(a, b, weight: float):
    """``a + weight * (b - a)`` (an exponential moving average), written into ``a``."""
    return iadd(a, imul(b - a, weight))
