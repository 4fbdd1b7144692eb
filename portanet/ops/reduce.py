"""Reductions: sum, mean, max, min, and var/std composed from them.

Functions accept NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim``.

Example:
    >>> x = pn.tensor([[1.0, 5.0], [3.0, 5.0]], requires_grad=True)
    >>> x.max(dim=1).sum().backward()     # ties share the gradient
"""
from __future__ import annotations

import numbers
import warnings

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.dtypes import dtype_name
from .promote import kind
from .util import expand_reduced, norm_axis, register_methods

__all__ = ["sum", "mean", "max", "min", "var", "std"]


class Sum(Function):
    saves_inputs = False

    def forward(self, xp, a, axis, keepdims):
        self.shape = a.shape
        self.axes = norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        return xp.sum(a, axis=axis, keepdims=keepdims)

    def backward(self, xp, g):
        g = expand_reduced(xp, g, self.shape, self.axes, self.keepdims)
        return (g if g.shape == self.shape else xp.broadcast_to(g, self.shape),)


class Mean(Function):
    saves_inputs = False

    def forward(self, xp, a, axis, keepdims):
        self.shape = a.shape
        self.axes = norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        n = 1
        for i in self.axes:
            n *= a.shape[i]
        self.n = n
        # what xp.mean computes (NumPy, CuPy and torch on CPU all sum, then divide), at half
        # the cost of NumPy's Python-level mean on small arrays
        return xp.sum(a, axis=axis, keepdims=keepdims) / n

    def backward(self, xp, g):
        g = expand_reduced(xp, g, self.shape, self.axes, self.keepdims) / self.n
        # broadcast_to is a costly call on small arrays: skip it when shapes already agree
        return (g if g.shape == self.shape else xp.broadcast_to(g, self.shape),)


class _Extreme(Function):
    """max/min: the gradient is shared equally among tied extreme elements."""

    reducer = "max"

    def forward(self, xp, a, axis, keepdims):
        self.a = a
        self.axes = norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        self.y = getattr(xp, self.reducer)(a, axis=axis, keepdims=True)
        if keepdims:
            return self.y
        return xp.reshape(self.y, tuple(s for i, s in enumerate(a.shape) if i not in self.axes))

    def backward(self, xp, g):
        g = expand_reduced(xp, g, self.a.shape, self.axes, self.keepdims)
        mask = xp.astype(self.a == self.y, g.dtype)
        count = xp.sum(mask, axis=self.axes, keepdims=True)
        return (g * mask / count,)


class Max(_Extreme):
    reducer = "max"


class Min(_Extreme):
    reducer = "min"


class SqrtOfVar(Function):
    """``sqrt(v)`` for a variance ``v >= 0``, with PyTorch's ``std`` gradient: where the
    standard deviation is 0 (a constant slice) the gradient is 0, not ``g / 0``.  The
    variance's own gradient, ``2 (x - mean) / (n - c)``, is then 0 as well, as PyTorch gives.
    """

    saves_inputs = False

    def forward(self, xp, v):
        self.y = y = xp.sqrt(v)
        return y

    def backward(self, xp, g):
        y = self.y
        zero = y == 0
        return (xp.where(zero, xp.zeros_like(g), g / (2 * xp.where(zero, xp.ones_like(y), y))),)


# ------------------------------------------------------------------ functions
def _axis(axis, dim, a=None, who: str = ""):
    """``dim`` (PyTorch's name) or ``axis``; checked against ``a``'s rank (IndexError
    naming ``who`` for an axis out of range, as PyTorch's "Dimension out of range")."""
    axis = dim if dim is not None else axis
    if axis is not None and a is not None:
        argcheck.dims(who, axis, a.ndim)
        if a.ndim == 0:  # PyTorch takes dim 0 or -1 of a 0-d tensor: the whole (one) value
            return None
    return axis


def sum(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None,  # noqa: A001
        dtype=None) -> Tensor:
    """Sum over ``axis`` (``dim``/``keepdim`` accepted as PyTorch spells them); ``dtype``
    casts the input first, as PyTorch's.

    A bool tensor sums to an int64 count, as in PyTorch (``(pred == y).sum()``); the
    Array API refuses bool in ``sum``.

    Example:
        >>> pn.tensor([True, False, True]).sum()
        tensor(2)
    """
    if dtype is not None:
        a = a.to(dtype)
    xp = a._bk.xp
    if a.array.dtype == xp.bool:
        a = Tensor.from_array(xp.astype(a.array, xp.int64), a._bk)
    return Sum.apply(a, axis=_axis(axis, dim, a, "sum"), keepdims=keepdims if keepdim is None else keepdim)


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None,
         dtype=None) -> Tensor:
    """Mean along ``axis``/``dim``; an integer tensor needs ``dtype=`` as in PyTorch.

    Example:
        >>> pn.tensor([1, 2]).mean(dtype=pn.float32)
        tensor(1.5)
    """
    if dtype is not None:
        a = a.to(dtype)
    elif kind(a.array.dtype) < 2:
        raise TypeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {dtype_name(a.array.dtype)} (pass dtype=, or "
            ".float() first)")
    return Mean.apply(a, axis=_axis(axis, dim, a, "mean"), keepdims=keepdims if keepdim is None else keepdim)


def max(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum values along ``axis`` (values only; use ``argmax`` on the data for indices)."""
    return Max.apply(a, axis=_axis(axis, dim, a, "max"), keepdims=keepdims if keepdim is None else keepdim)


def min(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    return Min.apply(a, axis=_axis(axis, dim, a, "min"), keepdims=keepdims if keepdim is None else keepdim)


def var(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Variance; ``correction=1`` (Bessel) by default, as PyTorch's ``var``.

    As PyTorch: with ``n - correction <= 0`` (one element and Bessel's correction) the
    result is nan (or inf) with a UserWarning, not an error.
    """
    return _var(a, axis, keepdims, correction, dim, keepdim, unbiased, "var")


def _var(a, axis, keepdims, correction, dim, keepdim, unbiased, who):
    axis = _axis(axis, dim, a, who)
    keepdims = keepdims if keepdim is None else keepdim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
        raise TypeError(f"{who}: correction must be a number, got {type(correction).__name__}")
    n = 1
    for i in argcheck.dims(who, axis, a.ndim):  # (axis is None for a 0-d input)
        n *= a.shape[i]
    if n - correction <= 0:
        warnings.warn(f"{who}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    m = mean(a, axis=axis, keepdims=True)
    d = a - m
    # PyTorch divides by max(0, n - correction): 0/0 -> nan, x/0 -> inf
    scale = 1.0 / (n - correction) if n - correction > 0 else float("inf")
    return sum(d * d, axis=axis, keepdims=keepdims) * scale


def std(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Standard deviation; the gradient of a constant slice is 0 (PyTorch's), not NaN."""
    return SqrtOfVar.apply(_var(a, axis, keepdims, correction, dim, keepdim, unbiased, "std"))


register_methods(sum, mean, max, min, var, std)
