"""Reductions: sum, mean, max, min (var is composed from these in ``ops.functional``)."""
from __future__ import annotations

from ..autograd.function import Function
from ._util import expand_reduced, norm_axis


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
