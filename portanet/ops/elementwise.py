"""Elementwise math: exp, log, sqrt, abs, clip, maximum/minimum, where, casts, comparisons.

Example:
    >>> x = pn.tensor([0.5, 2.0], requires_grad=True)
    >>> pn.clamp(pn.log(x), min=0.0).sum().backward()
"""
from __future__ import annotations

import operator

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name, resolve_dtype
from . import promote as P
from .util import Number, clip_bounds, lift, py_scalar, register_methods, unbroadcast

__all__ = ["exp", "log", "sqrt", "abs", "clip", "clamp", "maximum", "minimum", "where"]


class Exp(Function):
    def forward(self, xp, a):
        self.y = xp.exp(a)
        return self.y

    def backward(self, xp, g):
        return (g * self.y,)


class Log(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.log(a)

    def backward(self, xp, g):
        return (g / self.a,)


class Sqrt(Function):
    def forward(self, xp, a):
        self.y = xp.sqrt(a)
        return self.y

    def backward(self, xp, g):
        return (g / (2 * self.y),)


class Abs(Function):
    """|a|; the subgradient at 0 is 0, as in PyTorch."""

    def forward(self, xp, a):
        self.a = a
        return xp.abs(a)

    def backward(self, xp, g):
        return (g * xp.sign(self.a),)


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where lo <= a <= hi (PyTorch's convention)."""

    def forward(self, xp, a, lo, hi):
        self.a, self.lo, self.hi = a, lo, hi
        return clip_bounds(xp, a, lo, hi)

    def backward(self, xp, g):
        a = self.a
        mask = None
        if self.lo is not None:
            mask = a >= self.lo
        if self.hi is not None:
            m = a <= self.hi
            mask = m if mask is None else xp.logical_and(mask, m)
        if mask is None:
            return (g,)
        return (xp.where(mask, g, xp.zeros_like(g)),)


class Maximum(Function):
    """Elementwise max; ties send half the gradient to each input (PyTorch's rule)."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.maximum(a, b)

    def backward(self, xp, g):
        return _minmax_grads(xp, g, self.a, self.b, self.a > self.b, self.needs)


class Minimum(Function):
    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.minimum(a, b)

    def backward(self, xp, g):
        return _minmax_grads(xp, g, self.a, self.b, self.a < self.b, self.needs)


def _minmax_grads(xp, g, a, b, a_wins, needs):
    tie = a == b
    wa = xp.astype(a_wins, g.dtype) + 0.5 * xp.astype(tie, g.dtype)
    ga = unbroadcast(xp, g * wa, a.shape) if needs[0] else None
    gb = unbroadcast(xp, g * (1 - wa), b.shape) if needs[1] else None
    return ga, gb


class Where(Function):
    """``where(cond, a, b)``; ``cond`` is a raw boolean array (it takes no gradient)."""

    saves_inputs = False

    def forward(self, xp, a, b, cond):
        self.cond, self.sa, self.sb = cond, a.shape, b.shape
        return xp.where(cond, a, b)

    def backward(self, xp, g):
        z = xp.zeros_like(g)
        na, nb = self.needs
        return (unbroadcast(xp, xp.where(self.cond, g, z), self.sa) if na else None,
                unbroadcast(xp, xp.where(self.cond, z, g), self.sb) if nb else None)


class Cast(Function):
    saves_inputs = False

    def forward(self, xp, a, dtype):
        self.src = a.dtype
        return xp.astype(a, dtype)

    def backward(self, xp, g):
        return (xp.astype(g, self.src),)


# ------------------------------------------------------------------ functions
def exp(a: Tensor) -> Tensor:
    return Exp.apply(a)


def log(a: Tensor) -> Tensor:
    return Log.apply(a)


def sqrt(a: Tensor) -> Tensor:
    return Sqrt.apply(a)


def abs(a: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(a)


def clip(a: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Clamp into ``[min, max]`` (either may be ``None``)."""
    return Clip.apply(a, lo=min, hi=max)


clamp = clip


def maximum(a, b) -> Tensor:
    if not isinstance(a, Tensor):
        a = lift(a, b)
    return Maximum.apply(*P.pair(a, lift(b, a)))


def minimum(a, b) -> Tensor:
    if not isinstance(a, Tensor):
        a = lift(a, b)
    return Minimum.apply(*P.pair(a, lift(b, a)))


def where(cond, a, b) -> Tensor:
    """``a`` where ``cond`` else ``b`` (``cond`` gets no gradient)."""
    like = a if isinstance(a, Tensor) else b
    a, b = lift(a, like), lift(b, like)
    c = cond.array if isinstance(cond, Tensor) else cond
    if not hasattr(c, "dtype") or c.dtype != like._bk.xp.bool:
        got = dtype_name(c.dtype) if hasattr(c, "dtype") else type(c).__name__
        raise TypeError(f"where: condition must be a boolean tensor, got {got}")
    return Where.apply(a, b, cond=c)


def astype(a: Tensor, dtype) -> Tensor:
    """``a`` cast to ``dtype`` (a name or any library's dtype); differentiable."""
    return Cast.apply(a, dtype=resolve_dtype(dtype, a._bk.xp))


def _compare(op):
    """A comparison operator with PyTorch's promotion (``int_tensor < 0.5``, ``f32 == i64``);
    bools are ordered as PyTorch orders them (the standard does not order bools)."""
    ordered = op not in (operator.eq, operator.ne)

    def method(self, other):
        if isinstance(other, Tensor):
            a, b = P.pair(self, other)
            a, b = a.array, b.array
        elif isinstance(other, Number):
            b = py_scalar(other)
            a = P.scalar(self, b).array
        else:
            return Tensor.from_array(op(self.array, other), self._bk)
        if ordered and P.kind(a.dtype) == 0:
            xp = self._bk.xp
            a = xp.astype(a, xp.int8)
            b = xp.astype(b, xp.int8) if hasattr(b, "dtype") else int(b)
        return Tensor.from_array(op(a, b), self._bk)
    method.__name__ = f"__{op.__name__}__"
    return method


register_methods(exp, log, sqrt, clip, maximum, minimum, astype, abs, clamp=clip,
                 __abs__=abs, **{f"__{n}__": _compare(getattr(operator, n))
                                 for n in ("lt", "le", "gt", "ge", "eq", "ne")})
