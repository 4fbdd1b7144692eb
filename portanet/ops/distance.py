"""Distances and normalization of vectors: ``cosine_similarity``, ``pairwise_distance``,
``normalize`` (PyTorch's names, arguments and defaults), over one primitive, the p-norm
along an axis (:class:`PNorm`), whose gradient at a zero vector is 0 (PyTorch's
subgradient) instead of the ``0 * inf = NaN`` a composed ``sqrt(sum(x**2))`` gives.

Example:
    >>> import portanet.nn.functional as F
    >>> F.cosine_similarity(pn.tensor([[1.0, 0.0]]), pn.tensor([[1.0, 1.0]])).tolist()
    [0.7071067690849304]
"""
from __future__ import annotations

import math
import numbers

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .elementwise import maximum
from .reduce import sum
from .util import const, expand_reduced, lift

__all__ = ["cosine_similarity", "pairwise_distance", "normalize", "vector_norm_along"]


class PNorm(Function):
    """``(sum |a|^p)^(1/p)`` along ``axis`` (p = inf, -inf: max/min of ``|a|``; p = 0: the
    count of non-zeros, no gradient)."""

    def forward(self, xp, a, *, p, axis, keepdims):
        self.a, self.p, self.axis, self.keepdims = a, p, axis, keepdims
        m = xp.abs(a)
        if p == math.inf:
            n = xp.max(m, axis=axis, keepdims=True)
        elif p == -math.inf:
            n = xp.min(m, axis=axis, keepdims=True)
        elif p == 0:
            n = xp.sum(xp.astype(a != 0, a.dtype), axis=axis, keepdims=True)
        elif p == 1:
            n = xp.sum(m, axis=axis, keepdims=True)
        elif p == 2:
            n = xp.sqrt(xp.sum(a * a, axis=axis, keepdims=True))
        else:
            n = xp.sum(m ** p, axis=axis, keepdims=True) ** (1.0 / p)
        self.n = n
        return n if keepdims else xp.squeeze(n, axis=axis)

    def backward(self, xp, g):
        a, p, n = self.a, self.p, self.n
        g = expand_reduced(xp, g, a.shape, (self.axis,), self.keepdims)
        zero = xp.zeros_like(a)
        sign = xp.sign(a)
        if p == 0:
            return (zero,)
        if p == 1:
            return (g * sign,)
        if p in (math.inf, -math.inf):
            # shared evenly among the entries that attain the extreme, as PyTorch does
            hit = xp.astype(xp.abs(a) == n, a.dtype)
            return (g * sign * hit / xp.sum(hit, axis=self.axis, keepdims=True),)
        nz = n > 0
        safe = xp.where(nz, n, xp.ones_like(n))
        if p == 2:
            return (xp.where(nz, g * a / safe, zero),)
        return (xp.where(nz, g * sign * xp.abs(a) ** (p - 1) / safe ** (p - 1), zero),)


def vector_norm_along(x: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x`` along one axis ``dim`` (checked by the callers)."""
    return PNorm.apply(x, p=p, axis=dim % x.ndim if x.ndim else 0, keepdims=keepdim)


def _p(who: str, p) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p):
        raise TypeError(f"{who}: p must be a real number, got {type(p).__name__} {p!r}")
    return float(p)


def _pair(who: str, x1, x2):
    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {name} must be a pn.Tensor, got {type(t).__name__}")
    s1, s2 = tuple(x1.shape), tuple(x2.shape)
    n = max(len(s1), len(s2))
    a, b = (1,) * (n - len(s1)) + s1, (1,) * (n - len(s2)) + s2
    if any(i != j and i != 1 and j != 1 for i, j in zip(a, b)):
        raise ValueError(f"{who}: the shapes of x1 {s1} and x2 {s2} do not broadcast")
    return n


def _clamped_value(t: Tensor, lo: float) -> Tensor:
    """``max(t, lo)`` in value, ``t`` in gradient (a constant shift on the tape)."""
    xp = t._bk.xp
    a = t.array
    return t + Tensor.from_array(xp.maximum(a, const(xp, a, lo)) - a, t._bk)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps))``, the inputs broadcast.

    Each vector is divided by its clamped norm first, as PyTorch does; the clamp changes
    the value only, the gradient passes through it (PyTorch clamps under ``no_grad``).

    Example:
        >>> F.cosine_similarity(pn.ones(2, 3), pn.ones(2, 3)).tolist()
        [1.0, 1.0]
    """
    n = _pair("cosine_similarity", x1, x2)
    d = argcheck.dim("cosine_similarity", dim, n)
    eps = argcheck.real("cosine_similarity", "eps", eps, lo=0)
    if x1.ndim < n:
        x1 = x1.reshape((1,) * (n - x1.ndim) + tuple(x1.shape))
    if x2.ndim < n:
        x2 = x2.reshape((1,) * (n - x2.ndim) + tuple(x2.shape))
    n1 = _clamped_value(vector_norm_along(x1, 2, d, True), eps)
    n2 = _clamped_value(vector_norm_along(x2, 2, d, True), eps)
    return sum((x1 / n1) * (x2 / n2), axis=d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last axis (PyTorch adds ``eps`` to the difference).

    Example:
        >>> F.pairwise_distance(pn.zeros(1, 2), pn.ones(1, 2), eps=0.0).tolist()
        [1.4142135381698608]
    """
    n = _pair("pairwise_distance", x1, x2)
    p = _p("pairwise_distance", p)
    eps = argcheck.real("pairwise_distance", "eps", eps)
    diff = x1 - x2 + eps
    if n == 0:
        diff = diff.reshape((1,))
    out = vector_norm_along(diff, p, -1, keepdim and n > 0)
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    Example:
        >>> F.normalize(pn.tensor([[3.0, 4.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize: input must be a pn.Tensor, got {type(input).__name__}")
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    p = _p("normalize", p)
    d = argcheck.dim("normalize", dim, input.ndim)
    eps = argcheck.real("normalize", "eps", eps, lo=0)
    if input.ndim == 0:
        return input / maximum(vector_norm_along(input.reshape((1,)), p, 0, False), eps)
    return input / maximum(vector_norm_along(input, p, d, True), lift(eps, input))
