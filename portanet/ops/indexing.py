"""Indexing: ``x[...]`` with ints, slices, ``None``, ``...``, integer arrays or a mask,
and ``index_add`` (the scatter-add of their gradients).

Example:
    >>> x = pn.arange(12.0, requires_grad=True).reshape(4, 3)
    >>> x[pn.tensor([2, 0, 2])].sum().backward()     # row 2 gets a gradient of 2
"""
from __future__ import annotations

from .. import checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from ..backend.fast import lookup
from ..backend.inplace import set_at
from .util import device_of, register_methods

__all__ = ["getitem", "index_add"]


class GetItem(Function):
    """Basic indexing (ints, slices, ``None``, ``...``): backward writes into zeros."""

    saves_inputs = False

    def forward(self, xp, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return a[index]

    def backward(self, xp, g):
        out = xp.zeros(self.shape, dtype=self.dtype, device=device_of(g))
        index = self.index
        if isinstance(index, tuple) and None in index:
            # the standard allows None in __getitem__ only: drop the new axes for __setitem__
            index = tuple(i for i in index if i is not None)
            g = xp.reshape(g, out[index].shape)
        return (set_at(xp, out, index, g),)


class Take(Function):
    """``take(a, idx, axis=0)`` on a flattened leading block: integer-array indexing.

    ``lead`` leading axes of ``a`` are merged into one, indexed by the flat integer
    array ``idx``; backward scatter-adds, so repeated indices sum their gradients.
    """

    saves_inputs = False

    def forward(self, xp, a, idx, lead, out_shape):
        self.shape, self.idx = a.shape, idx
        rest = a.shape[lead:]
        n = 1
        for s in a.shape[:lead]:
            n *= s
        self.n, self.rest = n, rest
        flat = xp.reshape(a, (n,) + tuple(rest)) if lead != 1 else a
        return xp.reshape(xp.take(flat, xp.reshape(idx, (-1,)), axis=0), out_shape)

    def backward(self, xp, g):
        g2 = xp.reshape(g, (-1,) + tuple(self.rest))
        out = index_add(xp, self.n, xp.reshape(self.idx, (-1,)), g2)
        return (xp.reshape(out, self.shape),)


def index_add(xp, n, idx, values):
    """``out[idx[k]] += values[k]`` into zeros of length ``n`` along axis 0.

    Generic path: a one-hot matrix product (exact, portable); backends may register a
    faster ``index_add`` (``np.add.at``, ``cupyx.scatter_add``, ``Tensor.index_add_``).
    """
    fast = lookup(xp, "index_add")
    if fast is not None:
        return fast(n, idx, values)
    flat = xp.reshape(values, (values.shape[0], -1))
    onehot = xp.astype(xp.arange(n, device=device_of(values))[:, None] == idx[None, :], values.dtype)
    return xp.reshape(onehot @ flat, (n,) + tuple(values.shape[1:]))


def getitem(a: Tensor, index, _in_range: bool = False) -> Tensor:
    """``a[index]``: ints, slices, ``None``, ``...``, integer arrays (Tensors) or a bool mask.

    Integer arrays follow PyTorch: an index in ``[-n, n)`` (negative counts from the
    end), anything else an IndexError; the range is a check on data values, so it goes
    through portanet.checks (deferred on accelerators).  ``_in_range=True`` skips it for
    callers whose indices are in range by construction (the losses' row/class picks).
    """
    if not isinstance(index, tuple):
        index = (index,)
    arrays = [i for i in index if isinstance(i, Tensor) or hasattr(i, "shape") or isinstance(i, list)]
    if not arrays:
        if Ellipsis not in index:  # the standard wants every axis named: x[1] -> x[1, ...]
            index = index + (Ellipsis,)
        out = GetItem.apply(a, index=index)
        out._base, out._vidx = a, index  # a view, as in PyTorch: writes into it reach ``a``
        return out
    xp = a._bk.xp
    raw = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.array
        elif isinstance(i, list):
            i = a._bk.asarray(i)
        raw.append(i)
    if len(raw) == 1 and raw[0].dtype == xp.bool:
        if tuple(raw[0].shape) != tuple(a.shape[:raw[0].ndim]):
            raise IndexError(f"getitem: the shape of the mask {tuple(raw[0].shape)} does not match "
                             f"the shape of the indexed tensor {a.shape}")
        return GetItem.apply(a, index=raw[0])
    if not all(hasattr(i, "shape") for i in raw):
        raise IndexError("integer-array indexing supports only arrays in the leading "
                         "positions, e.g. x[idx] or x[rows, cols]")
    lead = len(raw)
    if lead > a.ndim:
        raise IndexError(f"getitem: too many indices ({lead}) for a tensor of dimension {a.ndim}")
    for k, i in enumerate(raw):
        if i.dtype == xp.bool or not dtype_name(i.dtype).startswith(("int", "uint")):
            raise IndexError("getitem: tensors used as indices must be long, int, byte or bool "
                             f"tensors, got {dtype_name(i.dtype)}")
        if not _in_range:
            n = a.shape[k]
            checks.check(a._bk, xp.all(xp.logical_and(i >= -n, i < n)), IndexError,
                         f"getitem: index out of bounds for dimension {k} with size {n} "
                         f"(indices must lie in [{-n}, {n}))")
    # negative indices count from the end (take and scatter-add want them in [0, n))
    raw = [xp.where(i < 0, i + a.shape[k], i) for k, i in enumerate(raw)]
    idx = raw[0]
    for k in range(1, lead):
        idx = idx * a.shape[k] + raw[k]
    out_shape = tuple(idx.shape) + tuple(a.shape[lead:])
    try:
        return Take.apply(a, idx=idx, lead=lead, out_shape=out_shape)
    except Exception:
        # a backend that refuses the bad index itself: raise the deferred check's clear
        # error first (flush raises it), else the backend's own
        checks.flush()
        raise


register_methods(__getitem__=getitem)
