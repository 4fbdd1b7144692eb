"""Reductions: sum, mean, max, min, and var/std composed from them.

Functions accept NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim``.

Example:
    >>> x = pn.tensor([[1.0, 5.0], [3.0, 5.0]], requires_grad=True)
    >>> x.max(dim=1).sum().backward()     # ties share the gradient
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .elementwise import sqrt
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


# ------------------------------------------------------------------ functions
def _axis(axis, dim):
    return dim if dim is not None else axis


def sum(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (``dim``/``keepdim`` accepted as PyTorch spells them).

    A bool tensor sums to an int64 count, as in PyTorch (``(pred == y).sum()``); the
    Array API refuses bool in ``sum``.
    """
    xp = a._bk.xp
    if a.array.dtype == xp.bool:
        a = Tensor.from_array(xp.astype(a.array, xp.int64), a._bk)
    return Sum.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return Mean.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def max(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum values along ``axis`` (values only; use ``argmax`` on the data for indices)."""
    return Max.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def min(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    return Min.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def var(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Variance; ``correction=1`` (Bessel) by default, as PyTorch's ``var``."""
    axis = _axis(axis, dim)
    keepdims = keepdims if keepdim is None else keepdim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    m = mean(a, axis=axis, keepdims=True)
    d = a - m
    n = 1
    for i in norm_axis(axis, a.ndim):
        n *= a.shape[i]
    return sum(d * d, axis=axis, keepdims=keepdims) * (1.0 / (n - correction))


def std(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None) -> Tensor:
    return sqrt(var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim))


register_methods(sum, mean, max, min, var, std)
