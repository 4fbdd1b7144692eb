"""More reductions, as PyTorch spells them: all, any, prod, logsumexp, norm, dist,
count_nonzero, trace, aminmax (nansum/nanmean/var_mean/std_mean: ops/stats.py).

Gradients are PyTorch's: ``prod`` is exact with zeros in the input (one zero: the product
of the others; two or more: zero), ``norm`` has a zero gradient at the zero vector, the
inf-norm shares the gradient among tied maxima, ``logsumexp`` is stable for any input.

Example:
    >>> x = pn.tensor([[1.0, 0.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    >>> (pn.prod(x, 1) + pn.logsumexp(x, dim=1) + x.norm(dim=1)).sum().backward()
"""
from __future__ import annotations

import math
import numbers
from collections import namedtuple

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import resolve_dtype
from . import promote as P
from .mathargs import dname, floating, tensor_arg
from .reduce import SqrtOfVar, sum as _sum
from .sorting import amax, amin, return_types
from .util import expand_reduced, register_methods

__all__ = ["all", "any", "prod", "logsumexp", "norm", "dist", "count_nonzero", "trace",
           "aminmax"]

_aminmax = namedtuple("aminmax", ["min", "max"])
return_types.aminmax = type("aminmax", (_aminmax,), {
    "__slots__": (), "__module__": "portanet.return_types", "__qualname__": "aminmax",
    "__repr__": lambda self: f"portanet.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"})


def _dims(who, dim, a: Tensor):
    """``dim`` (None, an int or a tuple) checked against ``a``: a tuple of axes, or None
    for every axis (also for a 0-d tensor, whose one value every dim names)."""
    if dim is None:
        return None
    axes = argcheck.dims(who, dim, a.ndim)
    return None if a.ndim == 0 or len(axes) == a.ndim else axes


def _out_shape(shape, axes, keepdim):
    axes = range(len(shape)) if axes is None else axes
    if keepdim:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _with_dtype(who, a: Tensor, dtype) -> Tensor:
    if dtype is not None:
        return a.astype(resolve_dtype(dtype, a._bk.xp))
    if P.kind(a.array.dtype) < 2 and dname(a) != "int64":   # PyTorch sums/products to int64
        return a.astype("int64")
    return a


class Prod(Function):
    """Product over ``axes``; d/da_i is the product of the other elements, computed without
    dividing by zero (PyTorch's rule: one zero gets the product of the rest, others 0)."""

    def forward(self, xp, a, axes, keepdim):
        self.a, self.axes, self.keepdim = a, axes, keepdim
        self.y = y = xp.prod(a, axis=axes, keepdims=True)
        return y if keepdim else xp.reshape(y, _out_shape(a.shape, axes, False))

    def backward(self, xp, g):
        a, y, axes = self.a, self.y, self.axes
        full = tuple(range(a.ndim)) if axes is None else axes
        g = expand_reduced(xp, g, a.shape, full, self.keepdim)
        zero = a == 0
        zeros = xp.sum(xp.astype(zero, a.dtype), axis=axes, keepdims=True)
        safe = xp.where(zero, xp.ones_like(a), a)
        rest = xp.prod(safe, axis=axes, keepdims=True)        # product of the nonzero ones
        lone = xp.logical_and(zero, zeros == 1)
        d = xp.where(zeros == 0, y / safe, xp.where(lone, rest, xp.zeros_like(a)))
        return (g * d,)


class LogSumExp(Function):
    """``log(sum(exp(a)))`` with the max subtracted (a row of -inf gives -inf, +inf gives
    +inf); d/da = softmax."""

    def forward(self, xp, a, axes, keepdim):
        m = xp.max(a, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
        y = xp.log(xp.sum(xp.exp(a - m), axis=axes, keepdims=True)) + m
        self.a, self.y, self.axes, self.keepdim = a, y, axes, keepdim
        return y if keepdim else xp.reshape(y, _out_shape(a.shape, axes, False))

    def backward(self, xp, g):
        full = tuple(range(self.a.ndim)) if self.axes is None else self.axes
        g = expand_reduced(xp, g, self.a.shape, full, self.keepdim)
        return (g * xp.exp(self.a - self.y),)


# ------------------------------------------------------------------ functions
def _truth_reduce(who, input, dim, keepdim, f):
    tensor_arg(who, input)
    xp, a = input._bk.xp, input.array
    axes = _dims(who, dim, input)
    t = a if P.kind(a.dtype) == 0 else a != 0
    out = f(xp)(t, axis=axes, keepdims=bool(keepdim))
    if dname(input) == "uint8":          # PyTorch keeps uint8 for uint8 input
        out = xp.astype(out, xp.uint8)
    return Tensor.from_array(out, input._bk)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where every element along ``dim`` (all by default) is nonzero; a bool tensor.

    Example:
        >>> pn.all(pn.tensor([[1, 0], [2, 3]]), dim=1)       # tensor([False,  True])
    """
    return _truth_reduce("all", input, dim, keepdim, lambda xp: xp.all)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """True where some element along ``dim`` (all by default) is nonzero; a bool tensor.

    Example:
        >>> (pn.tensor([0.0, float("nan")]).isnan()).any()   # tensor(True)
    """
    return _truth_reduce("any", input, dim, keepdim, lambda xp: xp.any)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Product of the elements (along ``dim``); integers and bools give int64, as PyTorch.

    Example:
        >>> pn.prod(pn.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)  # tensor([ 2., 12.])
    """
    tensor_arg("prod", input)
    if dim is not None and not argcheck.is_int(dim):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    a = _with_dtype("prod", input, dtype)
    return Prod.apply(a, axes=_dims("prod", dim, a), keepdim=bool(keepdim))


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input), dim))`` without overflow; integers are computed in floats.

    Example:
        >>> pn.logsumexp(pn.tensor([1000.0, 1000.0]), dim=0)  # tensor(1000.6931)
    """
    a = floating(tensor_arg("logsumexp", input))
    return LogSumExp.apply(a, axes=_dims("logsumexp", dim, a), keepdim=bool(keepdim))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default).

    ``p``: ``'fro'`` or 2 (Euclidean), 1, ``inf``, ``-inf``, 0 (count of nonzeros) or any
    other number (``sum(|x|^p)^(1/p)``).  The gradient at the zero vector is 0 (PyTorch's);
    the inf-norm's is shared among tied maxima.  ``'nuc'`` (nuclear norm) is refused.

    Example:
        >>> pn.tensor([[3.0, 4.0], [1.0, 0.0]]).norm(dim=1)   # tensor([5., 1.])
    """
    tensor_arg("norm", input)
    if dtype is not None:
        input = input.astype(resolve_dtype(dtype, input._bk.xp))
    if P.kind(input.array.dtype) < 2:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {dname(input)} instead.")
    if p == "fro":
        if dim is not None and not argcheck.is_int(dim) and len(dim) > 2:
            raise RuntimeError(f"norm(): the Frobenius norm takes at most 2 dims, got {tuple(dim)}")
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm(): p='nuc' (the nuclear norm needs an SVD) is not "
                                  "supported by portanet")
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"norm(): p must be a number, 'fro' or 'nuc', got {p!r}")
    axes = _dims("norm", dim, input)
    keepdim = bool(keepdim)
    from .elementwise import abs as _abs
    if p == 2:
        return SqrtOfVar.apply(_sum(input * input, axis=axes, keepdims=keepdim))
    if p == 1:
        return _sum(_abs(input), axis=axes, keepdims=keepdim)
    if p == math.inf:
        return amax(_abs(input), dim=() if axes is None else axes, keepdim=keepdim)
    if p == -math.inf:
        return amin(_abs(input), dim=() if axes is None else axes, keepdim=keepdim)
    if p == 0:
        xp = input._bk.xp
        nz = Tensor.from_array(xp.astype(input.array != 0, input.array.dtype), input._bk)
        return _sum(nz, axis=axes, keepdims=keepdim)
    return _sum(_abs(input) ** float(p), axis=axes, keepdims=keepdim) ** (1.0 / float(p))


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:  # noqa: A002
    """``norm(input - other, p)`` over all elements.

    Example:
        >>> pn.dist(pn.tensor([0.0, 0.0]), pn.tensor([3.0, 4.0]))   # tensor(5.)
    """
    tensor_arg("dist", input)
    tensor_arg("dist", other, "other")
    return norm(input - other, p=p)


def count_nonzero(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """The number of nonzero elements (along ``dim``), int64.

    Example:
        >>> pn.count_nonzero(pn.tensor([[0, 1], [2, 3]]), dim=0)   # tensor([1, 2])
    """
    tensor_arg("count_nonzero", input)
    xp = input._bk.xp
    axes = _dims("count_nonzero", dim, input)
    return Tensor.from_array(xp.sum(xp.astype(input.array != 0, xp.int64), axis=axes), input._bk)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """Sum of the main diagonal of a matrix (integers sum to int64).

    Example:
        >>> pn.trace(pn.tensor([[1.0, 2.0], [3.0, 4.0]]))            # tensor(5.)
    """
    tensor_arg("trace", input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    n, m = input.shape
    return _sum(input.reshape(-1)[::m + 1][:min(n, m)])


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):  # noqa: A002
    """``(min, max)`` as the named tuple ``return_types.aminmax``; ties share the gradient.

    Example:
        >>> lo, hi = pn.aminmax(pn.tensor([3.0, -1.0, 2.0]))       # tensor(-1.), tensor(3.)
    """
    tensor_arg("aminmax", input)
    if dim is not None and not argcheck.is_int(dim):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    if input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    d = () if dim is None else dim
    return return_types.aminmax(amin(input, dim=d, keepdim=bool(keepdim)),
                                amax(input, dim=d, keepdim=bool(keepdim)))


register_methods(all, any, prod, logsumexp, norm, dist, count_nonzero, trace, aminmax)
