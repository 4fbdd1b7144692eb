"""Finding and counting, as PyTorch: ``nonzero``, ``argwhere``, ``where`` (with Python
numbers, and the one-argument form), ``unique``, ``unique_consecutive``,
``searchsorted``, ``bucketize``, ``bincount``, ``histc``.

``nonzero``, ``argwhere``, ``where(cond)``, ``unique``, ``unique_consecutive``,
``bincount`` (without a large enough ``minlength``... its length is ``max + 1``) and
``histc`` with ``min == max`` give a result whose shape (or range) depends on the data,
so they read the device, as PyTorch does; keep them out of a training step.
``searchsorted``/``bucketize`` and ``where(cond, a, b)`` read nothing.

Example:
    >>> pn.nonzero(pn.tensor([0.0, 2.0, 0.0, 3.0]))
    tensor([[1],
            [3]])
    >>> pn.where(pn.tensor([True, False]), 1.0, 0.0)
    tensor([1., 0.])
"""
from __future__ import annotations

import numbers

from .. import argcheck
from ..autograd.tensor import Tensor
from .elementwise import where as _where2
from .indexing import index_add as _index_add
from .promote import kind
from .util import register_methods

__all__ = ["nonzero", "argwhere", "where", "unique", "unique_consecutive", "searchsorted",
           "bucketize", "bincount", "histc"]


def _wrap(a, bk) -> Tensor:
    return Tensor.from_array(a, bk)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple=True`` one 1-D tensor per dim (``torch.nonzero``).  Reads the device.

    Example:
        >>> pn.nonzero(pn.tensor([[1, 0], [0, 1]]), as_tuple=True)
        (tensor([0, 1]), tensor([0, 1]))
    """
    xp, bk = input._bk.xp, input._bk
    a = input.array if input.ndim else xp.reshape(input.array, (1,))
    idx = xp.nonzero(a != 0 if a.dtype != xp.bool else a)
    idx = tuple(xp.astype(i, xp.int64) for i in idx)
    if as_tuple:
        if input.ndim == 0:
            return (_wrap(idx[0] * 0, bk),)
        return tuple(_wrap(i, bk) for i in idx)
    if input.ndim == 0:
        return _wrap(xp.zeros((idx[0].shape[0], 0), dtype=xp.int64, device=bk.device), bk)
    return _wrap(xp.stack(idx, axis=1), bk)


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the ``(n, ndim)`` indices of the non-zero elements."""
    return nonzero(input)


def _scalar_dtype(xp, v, bk):
    if isinstance(v, bool):
        return xp.bool
    if isinstance(v, numbers.Integral):
        return xp.int64
    return bk.float_dtype


def where(condition: Tensor, input=None, other=None) -> Tensor:
    """``input`` where ``condition`` else ``other``, either of them a Python number, as
    ``torch.where`` (two numbers give the default float dtype, or int64 for two ints; a
    tensor and a number promote as PyTorch); ``where(condition)`` is
    ``nonzero(condition, as_tuple=True)``.  ``condition`` gets no gradient.

    Example:
        >>> x = pn.tensor([-1.0, 2.0])
        >>> pn.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): expected both input and other, or neither")
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not "
                        f"{type(condition).__name__}")
    ta, tb = isinstance(input, Tensor), isinstance(other, Tensor)
    if not ta and not tb:
        bk = condition._bk
        xp = bk.xp
        da, db = _scalar_dtype(xp, input, bk), _scalar_dtype(xp, other, bk)
        dt = da if da == db else (bk.float_dtype if bk.float_dtype in (da, db) else xp.int64)
        input = _wrap(xp.asarray(input, dtype=dt, device=bk.device), bk)
        other = _wrap(xp.asarray(other, dtype=dt, device=bk.device), bk)
    elif ta != tb:
        t, c = (input, other) if ta else (other, input)
        k = kind(t.array.dtype)
        if not isinstance(c, numbers.Number):
            raise TypeError(f"where(): expected a Tensor or a number, got {type(c).__name__}")
        if (k < 2 and isinstance(c, float)) or (k == 0 and not isinstance(c, bool)):
            from .promote import scalar
            t = scalar(t, c)
        from .scatter import _scalar_like
        c = _scalar_like(t, c)       # a cached constant: no upload per call
        input, other = (t, c) if ta else (c, t)
    elif input.array.dtype != other.array.dtype:
        from .promote import pair
        input, other = pair(input, other)
    return _where2(condition, input, other)


def _sorted_unique(xp, a, want_inverse):
    """Sorted unique values (and inverse indices) of the 1-D ``a``; sorted explicitly,
    since the standard leaves the order of ``unique_*`` unspecified."""
    if want_inverse:
        vals, inv = xp.unique_inverse(a)
    else:
        vals, inv = xp.unique_values(a), None
    perm = xp.argsort(vals, stable=True)
    vals = xp.take(vals, perm, axis=0)
    if inv is not None:
        rank = xp.argsort(perm, stable=True)
        inv = xp.take(rank, xp.reshape(inv, (-1,)), axis=0)
    return vals, inv


def _counts(xp, bk, inv, n):
    ones = xp.ones((inv.shape[0],), dtype=bk.float_dtype, device=bk.device)
    return xp.astype(_index_add(xp, n, inv, ones), xp.int64)


def _slices(input: Tensor, dim: int):
    """``input`` with ``dim`` first and the rest flattened: one row per slice."""
    xp = input._bk.xp
    a = xp.moveaxis(input.array, dim, 0) if dim else input.array
    return xp.reshape(a, (a.shape[0], -1)), tuple(a.shape[1:])


def _unique_slices(input: Tensor, dim, consecutive, return_inverse, return_counts, who):
    """``unique``/``unique_consecutive`` of the slices along ``dim``: rows sorted
    lexicographically by stable argsorts from the last column to the first."""
    xp, bk = input._bk.xp, input._bk
    d = argcheck.dim(who, dim, input.ndim)
    rows, rest = _slices(input, d)
    n = rows.shape[0]
    perm = xp.arange(n, dtype=xp.int64, device=bk.device)
    if not consecutive:
        for c in range(rows.shape[1] - 1, -1, -1):
            col = xp.take(rows[:, c], perm, axis=0)
            perm = xp.take(perm, xp.argsort(col, stable=True), axis=0)
    srt = xp.take(rows, perm, axis=0)
    if n == 0:
        keep = xp.zeros((0,), dtype=xp.bool, device=bk.device)
    else:
        diff = xp.any(srt[1:, ...] != srt[:-1, ...], axis=1) if rows.shape[1] else \
            xp.zeros((n - 1,), dtype=xp.bool, device=bk.device)
        keep = xp.concat([xp.ones((1,), dtype=xp.bool, device=bk.device), diff])
    vals = xp.take(srt, xp.nonzero(keep)[0], axis=0)    # how many: depends on the data
    vals = xp.reshape(vals, (vals.shape[0],) + rest)
    out = [_wrap(xp.moveaxis(vals, 0, d) if d else vals, bk)]
    group = xp.cumulative_sum(xp.astype(keep, xp.int64)) - 1       # group of each sorted row
    if return_inverse:
        inv = xp.take(group, xp.argsort(perm, stable=True), axis=0)
        out.append(_wrap(inv, bk))
    if return_counts:
        out.append(_wrap(_counts(xp, bk, group, vals.shape[0]), bk))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values of ``input`` (sorted), with ``return_inverse`` the index of
    each element's value (``input``'s shape) and ``return_counts`` how often each occurs
    (``torch.unique``); with ``dim``, the distinct slices along ``dim`` (sorted
    lexicographically), the inverse and counts per slice.  Reads the device.

    Example:
        >>> pn.unique(pn.tensor([2, 1, 2]), return_counts=True)
        (tensor([1, 2]), tensor([1, 2]))
    """
    if dim is not None:
        return _unique_slices(input, dim, False, return_inverse, return_counts, "unique")
    xp, bk = input._bk.xp, input._bk
    a = xp.reshape(input.array, (-1,))
    vals, inv = _sorted_unique(xp, a, return_inverse or return_counts)
    out = [_wrap(vals, bk)]
    if return_inverse:
        out.append(_wrap(xp.reshape(xp.astype(inv, xp.int64), tuple(input.shape)), bk))
    if return_counts:
        out.append(_wrap(_counts(xp, bk, inv, vals.shape[0]), bk))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """The input without consecutive repeats (``torch.unique_consecutive``), with the same
    ``return_inverse``/``return_counts`` as :func:`unique` (``dim``: consecutive equal
    slices).  Reads the device.

    Example:
        >>> pn.unique_consecutive(pn.tensor([1, 1, 2, 2, 1]))
        tensor([1, 2, 1])
    """
    if dim is not None:
        return _unique_slices(input, dim, True, return_inverse, return_counts,
                              "unique_consecutive")
    xp, bk = input._bk.xp, input._bk
    a = xp.reshape(input.array, (-1,))
    if a.shape[0] == 0:
        keep = a != a
    else:
        keep = xp.concat([xp.ones((1,), dtype=xp.bool, device=bk.device), a[1:] != a[:-1]])
    vals = a[keep]
    out = [_wrap(vals, bk)]
    inv = xp.cumulative_sum(xp.astype(keep, xp.int64)) - 1
    if return_inverse:
        out.append(_wrap(xp.reshape(inv, tuple(input.shape)), bk))
    if return_counts:
        out.append(_wrap(_counts(xp, bk, inv, vals.shape[0]), bk))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would be inserted in ``sorted_sequence`` (its last dim
    sorted; leading dims match ``input``'s) to keep it sorted, as ``torch.searchsorted``:
    the first such index, or the last with ``right=True``/``side='right'``.

    Example:
        >>> pn.searchsorted(pn.tensor([1.0, 3.0, 5.0]), pn.tensor([3.0, 6.0]))
        tensor([1, 3])
    """
    if side is not None:
        argcheck.one_of("searchsorted", "side", side, ("left", "right"))
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence
    xp, bk = seq._bk.xp, seq._bk
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input, dtype=seq.array.dtype, device=bk.device) if scalar else input.array
    s = seq.array
    if sorter is not None:
        s = xp.take_along_axis(s, xp.astype(sorter.array, xp.int64), axis=-1)
    if s.ndim == 1:
        out = xp.reshape(xp.searchsorted(s, xp.reshape(v, (-1,)), side="right" if right else "left"),
                         tuple(v.shape))
    else:
        if scalar or tuple(v.shape[:-1]) != tuple(s.shape[:-1]):
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                               f"the first N-1 dimensions of boundaries tensor and input value "
                               f"tensor must match, but we got boundaries tensor "
                               f"{list(s.shape)} and input value tensor {list(v.shape)}")
        cmp = (s[..., None, :] <= v[..., :, None]) if right else (s[..., None, :] < v[..., :, None])
        out = xp.sum(xp.astype(cmp, xp.int64), axis=-1)
    return _wrap(xp.astype(out, xp.int32 if out_int32 else xp.int64), bk)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of ``input`` among the 1-D sorted ``boundaries``
    (``boundaries[i-1] < x <= boundaries[i]``; with ``right=True`` ``<= x <``), as
    ``torch.bucketize``.

    Example:
        >>> pn.bucketize(pn.tensor([1.0, 4.0]), pn.tensor([1.0, 3.0, 5.0]))
        tensor([0, 2])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0..max(input)`` occurs in the 1-D non-negative integer
    ``input`` (summing ``weights`` instead when given), at least ``minlength`` long, as
    ``torch.bincount``.  Its length depends on ``max(input)``: this reads the device.

    Example:
        >>> pn.bincount(pn.tensor([0, 2, 2]))
        tensor([1, 0, 2])
    """
    xp, bk = input._bk.xp, input._bk
    minlength = argcheck.nonneg_int("bincount", "minlength", minlength)
    if input.ndim != 1 or kind(input.array.dtype) != 1:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got a "
                           f"{input.ndim}-d {input.dtype} tensor")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as "
                           f"input, got {list(weights.shape)} and {list(input.shape)}")
    a = xp.astype(input.array, xp.int64)
    if a.shape[0]:
        lo, hi = (int(x) for x in Tensor.from_array(xp.stack([xp.min(a), xp.max(a)]), bk).tolist())
        if lo < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    else:
        hi = -1
    n = max(hi + 1, minlength)
    if weights is None:
        w = xp.ones((a.shape[0],), dtype=bk.float_dtype, device=bk.device)
        return _wrap(xp.astype(_index_add(xp, n, a, w), xp.int64), bk)
    w = weights.array
    if kind(w.dtype) < 2:
        w = xp.astype(w, xp.float64)
    return _wrap(_index_add(xp, n, a, w), bk)


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:  # noqa: A002
    """Histogram of ``input`` in ``bins`` equal bins over ``[min, max]`` (the data's own
    range when ``min == max``, which reads the device); values outside are ignored, as
    ``torch.histc``.  Not differentiable (as in PyTorch).

    Example:
        >>> pn.histc(pn.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    bins = argcheck.positive_int("histc", "bins", bins)
    xp, bk = input._bk.xp, input._bk
    if kind(input.array.dtype) < 2:
        raise RuntimeError(f"histc: expected a floating-point input, got {input.dtype}")
    a = xp.reshape(input.array, (-1,))
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={min} max={max}")
    if lo == hi and a.shape[0]:
        lo, hi = (float(x) for x in Tensor.from_array(xp.stack([xp.min(a), xp.max(a)]), bk).tolist())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    inside = xp.logical_and(a >= lo, a <= hi)
    b = xp.astype(xp.floor((a - lo) * (bins / (hi - lo))), xp.int64)
    b = xp.clip(b, 0, bins - 1)
    w = xp.astype(inside, a.dtype)
    return _wrap(_index_add(xp, bins, b, w), bk)


def _where_method(self: Tensor, condition: Tensor, y) -> Tensor:
    """``where(condition, self, y)`` (``Tensor.where``)."""
    return where(condition, self, y)


register_methods(nonzero, argwhere, unique, unique_consecutive, bincount, histc,
                 where=_where_method)
