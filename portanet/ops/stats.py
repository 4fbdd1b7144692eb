"""NaN-aware and paired statistics: nansum, nanmean, var_mean, std_mean.

``nansum``/``nanmean`` multiply the gradient by the not-NaN mask, as PyTorch (so the mean of
an all-NaN slice has a NaN gradient, not a silent 0); ``var_mean``/``std_mean`` take
``correction`` (default 1) or PyTorch's older ``unbiased``, also positionally.

Example:
    >>> x = pn.tensor([[1.0, float("nan")], [2.0, 3.0]], requires_grad=True)
    >>> pn.nanmean(x, dim=1).sum().backward()
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import resolve_dtype
from . import promote as P
from .mathargs import dname, tensor_arg
from .reduce import SqrtOfVar, _var, mean, sum as _sum
from .reduce_extra import _dims, _with_dtype
from .util import register_methods

__all__ = ["nansum", "nanmean", "var_mean", "std_mean"]


class NanZeroed(Function):
    """NaN replaced by 0; the gradient is multiplied by the not-NaN mask (PyTorch's form,
    so an infinite upstream gradient, as an all-NaN slice's mean gives, stays NaN)."""

    saves_inputs = False

    def forward(self, xp, a):
        self.nan = nan = xp.isnan(a)
        return xp.where(nan, xp.zeros_like(a), a)

    def backward(self, xp, g):
        return (g * xp.astype(xp.logical_not(self.nan), g.dtype),)


def _nan_zeroed(input: Tensor):
    xp = input._bk.xp
    return NanZeroed.apply(input), Tensor.from_array(xp.isnan(input.array), input._bk)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Sum treating NaN as 0 (no gradient reaches the NaNs).

    Example:
        >>> pn.nansum(pn.tensor([1.0, float("nan"), 2.0]))          # tensor(3.)
    """
    a = _with_dtype("nansum", tensor_arg("nansum", input), dtype)
    axes = _dims("nansum", dim, a)
    if P.kind(a.array.dtype) < 2:
        return _sum(a, axis=axes, keepdims=bool(keepdim))
    return _sum(_nan_zeroed(a)[0], axis=axes, keepdims=bool(keepdim))


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """Mean of the non-NaN elements (NaN where all are NaN); floating inputs only.

    Example:
        >>> pn.nanmean(pn.tensor([1.0, float("nan"), 2.0]))         # tensor(1.5000)
    """
    a = tensor_arg("nanmean", input)
    if dtype is not None:
        a = a.astype(resolve_dtype(dtype, a._bk.xp))
    if P.kind(a.array.dtype) < 2:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {dname(a)}")
    axes = _dims("nanmean", dim, a)
    zeroed, nan = _nan_zeroed(a)
    xp = a._bk.xp
    count = xp.sum(xp.astype(xp.logical_not(nan.array), a.array.dtype), axis=axes,
                   keepdims=bool(keepdim))
    return _sum(zeroed, axis=axes, keepdims=bool(keepdim)) / Tensor.from_array(count, a._bk)


def _stat_args(who, dim, unbiased, correction):
    if isinstance(dim, bool):             # var_mean(x, True): PyTorch's old positional unbiased
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{who}(): give either 'unbiased' or 'correction', not both")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    return dim, correction


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):  # noqa: A002
    """``(var, mean)`` over ``dim`` in one call; ``correction=1`` (Bessel) by default.

    Example:
        >>> v, m = pn.var_mean(pn.tensor([1.0, 2.0, 3.0, 4.0]))     # 1.6667, 2.5
    """
    tensor_arg("var_mean", input)
    dim, correction = _stat_args("var_mean", dim, unbiased, correction)
    v = _var(input, None, False, correction, dim, bool(keepdim), None, "var_mean")
    return v, mean(input, dim=dim, keepdim=bool(keepdim))


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):  # noqa: A002
    """``(std, mean)`` over ``dim``; the std gradient of a constant slice is 0.

    Example:
        >>> s, m = pn.std_mean(pn.tensor([[1.0, 3.0], [2.0, 2.0]]), dim=1)
    """
    tensor_arg("std_mean", input)
    dim, correction = _stat_args("std_mean", dim, unbiased, correction)
    v = _var(input, None, False, correction, dim, bool(keepdim), None, "std_mean")
    return SqrtOfVar.apply(v), mean(input, dim=dim, keepdim=bool(keepdim))


register_methods(nansum, nanmean)
