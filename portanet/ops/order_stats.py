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

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from .pointwise import tensor_arg
from .sorting import _argsort, _dim, _return_type, return_types
from .util import device_of, register_methods

__all__ = ["median", "mode"]

return_types.median = _return_type("median")
return_types.mode = _return_type("mode")


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


register_methods(median, mode)
