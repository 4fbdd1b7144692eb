"""Order statistics that return an element and its index: ``median`` and ``mode``.

As PyTorch: the median of an even count is the lower of the two middle values; a slice
holding NaN has median NaN (at the first NaN's index); ``mode`` is the most frequent value,
the smallest among equally frequent ones, at the index of its last occurrence.  The
gradient goes to the returned index only.

Example:
    >>> pn.median(pn.tensor([3.0, 1.0, 4.0, 2.0]))                 # tensor(2.)
    >>> values, indices = pn.tensor([[1.0, 3.0, 3.0]]).mode(dim=1)  # [3.], [2]
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from .mathargs import dname, tensor_arg
from .sorting import _argsort, _dim, _return_type, return_types
from .util import device_of, register_methods

__all__ = ["median", "mode", "nanmedian", "kthvalue", "quantile", "nanquantile"]

for _name in ("median", "mode", "nanmedian", "kthvalue"):
    setattr(return_types, _name, _return_type(_name))


class Pick(Function):
    """``take_along_axis(a, idx, axis)`` for an index array ``idx`` that keeps ``axis`` as
    size 1; the gradient goes back to the picked positions (no scatter: a comparison with
    ``arange``, as ``max(dim)``'s)."""

    saves_inputs = False

    def forward(self, xp, a, idx, axis, keepdim):
        self.idx, self.axis, self.shape = idx, axis, a.shape
        v = xp.take_along_axis(a, idx, axis=axis)
        return v if keepdim else xp.squeeze(v, axis=axis)

    def backward(self, xp, g):
        axis, shape = self.axis, self.shape
        g = xp.reshape(g, shape[:axis] + (1,) + shape[axis + 1:])
        along = [1] * len(shape)
        along[axis] = shape[axis]
        ar = xp.reshape(xp.arange(shape[axis], device=device_of(self.idx)), tuple(along))
        return (xp.where(ar == self.idx, g, xp.zeros_like(g)),)


def _picked(name, input, idx, axis, keepdim):
    xp = input._bk.xp
    values = Pick.apply(input, idx=idx, axis=axis, keepdim=keepdim)
    i = idx if keepdim else xp.squeeze(idx, axis=axis)
    return getattr(return_types, name)(values, Tensor.from_array(xp.astype(i, xp.int64), input._bk))


class TakeAlong(Function):
    """``take_along_axis(a, idx, axis)`` for any number of picks along ``axis``; the
    backward adds each pick's gradient to its source through a one-hot along the axis
    (memory: picks times the axis size per slice)."""

    saves_inputs = False

    def forward(self, xp, a, idx, axis):
        self.idx, self.axis, self.n = idx, axis, a.shape[axis]
        return xp.take_along_axis(a, idx, axis=axis)

    def backward(self, xp, g):
        axis, n = self.axis, self.n
        gi = xp.moveaxis(g, axis, -1)[..., :, None]
        ii = xp.moveaxis(self.idx, axis, -1)[..., :, None]
        hit = ii == xp.reshape(xp.arange(n, device=device_of(g)), (1, n))
        out = xp.sum(xp.where(hit, gi, xp.zeros_like(gi)), axis=-2)
        return (xp.moveaxis(out, -1, axis),)


def _median_index(xp, a, axis):
    """Index (kept as a size-1 axis) of the lower median along ``axis``, or of the first NaN."""
    n = a.shape[axis]
    perm = _argsort(xp, a, axis, False)        # stable; NaN sorts last
    k = (n - 1) // 2
    pos = xp.full(a.shape[:axis] + (1,) + a.shape[axis + 1:], k, dtype=perm.dtype,
                  device=perm.device)
    if P.kind(a.dtype) >= 2:
        nans = xp.sum(xp.astype(xp.isnan(a), perm.dtype), axis=axis, keepdims=True)
        pos = xp.where(nans > 0, n - nans, pos)
    return xp.take_along_axis(perm, pos, axis=axis)


def median(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002
    """Without ``dim``: the lower median of all elements (a 0-d tensor).  With ``dim``: the
    named tuple ``(values, indices)`` along it.

    Example:
        >>> pn.median(pn.tensor([[1.0, 5.0, 2.0], [0.0, -1.0, 7.0]]), dim=1).values
        tensor([2., 0.])
    """
    tensor_arg("median", input)
    if input.numel() == 0 and dim is None:
        raise IndexError("median() input tensor cannot be empty")
    xp = input._bk.xp
    if dim is None:
        flat = input.reshape(-1)
        return _picked("median", flat, _median_index(xp, flat.array, 0), 0, False).values
    if input.ndim == 0:
        _dim(dim, 0, "median")
        return _picked("median", input.reshape(1), xp.zeros((1,), dtype=xp.int64,
                                                            device=input._bk.device), 0, False)
    axis = _dim(dim, input.ndim, "median")
    return _picked("median", input, _median_index(xp, input.array, axis), axis, bool(keepdim))


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest among ties) and the index of its
    last occurrence, as the named tuple ``(values, indices)``.

    Counts come from comparing every pair along ``dim``: memory grows as the square of
    that size (fine for the tens to thousands of elements ``mode`` is used on).

    Example:
        >>> pn.mode(pn.tensor([3, 1, 3, 1, 2]))                    # values 1, indices 3
    """
    tensor_arg("mode", input)
    xp = input._bk.xp
    if input.ndim == 0:
        _dim(dim, 0, "mode")
        return _picked("mode", input.reshape(1), xp.zeros((1,), dtype=xp.int64,
                                                          device=input._bk.device), 0, False)
    axis = _dim(dim, input.ndim, "mode")
    a = xp.moveaxis(input.array, axis, -1)
    n = a.shape[-1]
    counts = xp.sum(xp.astype(a[..., :, None] == a[..., None, :], xp.int64), axis=-1)
    best = xp.max(counts, axis=-1, keepdims=True)
    # the smallest of the most frequent values: sort by value, take the first with `best`
    perm = _argsort(xp, a, a.ndim - 1, False)
    sc = xp.take_along_axis(counts, perm, axis=-1)
    first = xp.argmax(xp.astype(sc == best, xp.int8), axis=-1, keepdims=True)
    value = xp.take_along_axis(xp.take_along_axis(a, perm, axis=-1), first, axis=-1)
    # the last index holding that value
    rev = xp.flip(a == value, axis=-1)
    idx = (n - 1) - xp.argmax(xp.astype(rev, xp.int8), axis=-1, keepdims=True)
    idx = xp.moveaxis(xp.astype(idx, xp.int64), -1, axis)
    return _picked("mode", input, idx, axis, bool(keepdim))


def _nan_last_sorted(xp, a, axis):
    """The stable ascending order along ``axis`` (NaN last) and the count of non-NaN values
    (kept as a size-1 axis)."""
    perm = _argsort(xp, a, axis, False)
    n = a.shape[axis]
    if P.kind(a.dtype) >= 2:
        valid = n - xp.sum(xp.astype(xp.isnan(a), perm.dtype), axis=axis, keepdims=True)
    else:
        valid = xp.full(a.shape[:axis] + (1,) + a.shape[axis + 1:], n, dtype=perm.dtype,
                        device=device_of(a))
    return perm, valid


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002
    """``median`` ignoring NaN (NaN only where a slice is all NaN): without ``dim`` a 0-d
    tensor, with ``dim`` the named tuple ``(values, indices)``.

    Example:
        >>> pn.nanmedian(pn.tensor([1.0, float("nan"), 3.0, 2.0]))      # tensor(2.)
    """
    tensor_arg("nanmedian", input)
    if input.numel() == 0 and dim is None:
        raise IndexError("nanmedian() input tensor cannot be empty")
    xp = input._bk.xp
    if dim is None:
        t, axis, keepdim = input.reshape(-1), 0, False
    elif input.ndim == 0:
        _dim(dim, 0, "nanmedian")
        t, axis = input.reshape(1), 0
    else:
        t, axis = input, _dim(dim, input.ndim, "nanmedian")
    perm, valid = _nan_last_sorted(xp, t.array, axis)
    pos = xp.where(valid > 0, (valid - 1) // 2, xp.zeros_like(valid))
    out = _picked("nanmedian", t, xp.take_along_axis(perm, pos, axis=axis), axis, bool(keepdim))
    if dim is None or input.ndim == 0:
        return out.values if dim is None else out
    return out


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """The ``k``-th smallest value (1-based) along ``dim`` and its index, as the named tuple
    ``(values, indices)``.

    Example:
        >>> pn.kthvalue(pn.tensor([3.0, 1.0, 2.0]), 2)                   # values 2., indices 2
    """
    tensor_arg("kthvalue", input)
    xp = input._bk.xp
    t = input.reshape(1) if input.ndim == 0 else input
    axis = _dim(dim, input.ndim, "kthvalue")
    n = t.shape[axis]
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {axis} "
                         f"(k={k}, size {n})")
    perm = _argsort(xp, t.array, axis, False)
    idx = perm[(slice(None),) * axis + (slice(k - 1, k), Ellipsis)]
    return _picked("kthvalue", t, idx, axis, bool(keepdim) and input.ndim > 0)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(who, input, q, dim, keepdim, interpolation, ignore_nan):
    from .arith import add, mul
    tensor_arg(who, input)
    if P.kind(input.array.dtype) < 2:
        raise RuntimeError(f"{who}() input tensor must be either float or double dtype, got "
                           f"{dname(input)}")
    argcheck.one_of(who, "interpolation", interpolation, _INTERPOLATIONS)
    bk, xp = input._bk, input._bk.xp
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        qv = argcheck.real(who, "q", q)
        if not 0 <= qv <= 1:
            raise RuntimeError(f"{who}() q must be in the range [0, 1] but got {q}")
        qa = xp.full((1,), qv, dtype=xp.float64, device=bk.device)
    else:
        if q.ndim > 1:
            raise RuntimeError(f"{who}() q must be a scalar or 1D tensor, got {q.ndim} dims")
        qa = xp.reshape(xp.astype(q.array, xp.float64), (-1,))
        checks.check(bk, xp.all(xp.logical_and(qa >= 0, qa <= 1)), RuntimeError,
                     f"{who}() q values must be in the range [0, 1]")
    t = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else _dim(dim, max(input.ndim, 1), who)
    if t.ndim == 0:
        t = t.reshape(1)
    order = [i for i in range(t.ndim) if i != axis] + [axis]
    t = t.permute(*order)                                       # (..., n)
    perm, valid = _nan_last_sorted(xp, t.array, t.ndim - 1)
    n = t.shape[-1]
    sorted_t = TakeAlong.apply(t, idx=perm, axis=t.ndim - 1)
    last = xp.astype(xp.maximum(valid - 1, xp.zeros_like(valid)), xp.float64)   # (..., 1)
    pos = qa * last                                             # (..., k)
    if not ignore_nan:   # a slice with NaN: its last sorted element (a NaN), as PyTorch
        pos = xp.where(valid < n, xp.full_like(pos, n - 1), pos)
    lo = xp.floor(pos)
    hi = xp.ceil(pos)
    if interpolation == "nearest":                              # round half to even, as PyTorch
        lo = hi = xp.round(pos)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    frac = pos - lo if interpolation == "linear" else xp.full_like(pos, 0.5 if interpolation == "midpoint" else 0.0)
    vlo = TakeAlong.apply(sorted_t, idx=xp.astype(lo, xp.int64), axis=t.ndim - 1)
    vhi = TakeAlong.apply(sorted_t, idx=xp.astype(hi, xp.int64), axis=t.ndim - 1)
    w = Tensor.from_array(xp.astype(frac, input.array.dtype), bk)
    out = add(vlo, mul(w, vhi - vlo))     # NaN where the picks are NaN (all-NaN slices)
    out = out.permute(out.ndim - 1, *range(out.ndim - 1))      # (k, ...)
    if keepdim:
        shape = (1,) * input.ndim if dim is None else \
            tuple(1 if i == axis else s for i, s in enumerate(input.shape))
        out = out.reshape((out.shape[0],) + shape)
    return out[0] if scalar_q else out


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):  # noqa: A002
    """The ``q``-quantiles (``q`` a number or a 1-D tensor in [0, 1]) over ``dim`` (all
    elements by default); with a tensor ``q`` its dimension comes first.  A slice holding NaN
    gives NaN.  Gradients flow to the (one or two) elements each quantile is made of.

    Example:
        >>> pn.quantile(pn.tensor([1.0, 2.0, 3.0, 4.0]), 0.25)          # tensor(1.7500)
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):  # noqa: A002
    """``quantile`` ignoring NaN (NaN only where a slice is all NaN).

    Example:
        >>> pn.nanquantile(pn.tensor([1.0, float("nan"), 3.0]), 0.5)    # tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


register_methods(median, mode, nanmedian, kthvalue, quantile, nanquantile)
