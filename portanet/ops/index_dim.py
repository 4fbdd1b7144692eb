"""Whole slices picked or written by a 1-D index along one dimension, and masks:
``index_select``, ``index_add`` (``_``), ``index_fill`` (``_``), ``index_copy`` (``_``),
``masked_select``, ``masked_scatter`` (``_``), as PyTorch.

Each moves ``dim`` to the front and works on the leading axis with the take and
scatter-add of :mod:`portanet.ops.indexing`, so gradients come from those primitives.

Example:
    >>> x = pn.arange(6.0).reshape(2, 3)
    >>> pn.index_select(x, 1, pn.tensor([2, 0]))
    tensor([[2., 0.],
            [5., 3.]])
    >>> pn.zeros(3, 2).index_add_(0, pn.tensor([0, 0]), pn.ones(2, 2))
    tensor([[2., 2.],
            [0., 0.],
            [0., 0.]])
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .indexing import Take, index_add as _index_add
from .scatter import ScatterFlat, _index_array, _inplace, _positions, _scalar_like, _take_flat, _where
from .util import register_methods

__all__ = ["index_select", "index_add", "index_fill", "index_copy", "masked_select",
           "masked_scatter"]


def _front(x: Tensor, d: int) -> Tensor:
    return x if d == 0 else x.movedim(d, 0)


def _vector_index(who: str, x: Tensor, dim, index: Tensor):
    """(dim in range, ``index`` as an int64 1-D array checked against ``x.shape[dim]``)."""
    d = argcheck.dim(who, dim, x.ndim)
    idx = _index_array(who, index, x)
    if index.ndim > 1:
        raise IndexError(f"{who}(): Index is supposed to be a vector, got a {index.ndim}-D index")
    xp = x._bk.xp
    idx = xp.reshape(idx, (-1,))
    n = x.shape[d] if x.ndim else 1
    checks.check(x._bk, xp.all(xp.logical_and(idx >= 0, idx < n)), IndexError,
                 f"{who}(): index out of range in self (indices must lie in [0, {n}) for "
                 f"dimension {d} of size {n})")
    return d, idx


class IndexAddLead(Function):
    """``zeros((n,) + v.shape[1:]).index_add(0, idx, v)``; backward takes rows at ``idx``."""

    saves_inputs = False

    def forward(self, xp, v, idx, n):
        self.idx = idx
        return _index_add(xp, n, idx, v)

    def backward(self, xp, g):
        return (xp.take(g, self.idx, axis=0),)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at ``index`` (1-D) along ``dim``, as ``torch.index_select``;
    repeated indices sum their gradients.

    Example:
        >>> pn.index_select(pn.tensor([[1.0, 2.0], [3.0, 4.0]]), 0, pn.tensor([1, 1]))
        tensor([[3., 4.],
                [3., 4.]])
    """
    d, idx = _vector_index("index_select", input, dim, index)
    if input.ndim == 0:
        return _take_flat(input, idx).reshape(tuple(index.shape))
    x = _front(input, d)
    out = Take.apply(x, idx=idx, lead=1, out_shape=(idx.shape[0],) + tuple(x.shape[1:]))
    return out if d == 0 else out.movedim(0, d)


def _source(who: str, input: Tensor, d: int, idx, source: Tensor, name: str = "source"):
    if not isinstance(source, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(source).__name__}")
    want = list(input.shape)
    if want:
        want[d] = idx.shape[0]
    if list(source.shape) != want and not (input.ndim == 0 and source.numel() == idx.shape[0]):
        raise RuntimeError(f"{who}(): {name} must have shape {want} (self's with dimension {d} "
                           f"of the index's length {idx.shape[0]}), got {list(source.shape)}")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"{who}(): self ({input.dtype}) and {name} ({source.dtype}) must "
                           f"have the same scalar type")
    return _front(source.reshape(idx.shape[0]) if input.ndim == 0 else source, d)


def _put_lead(input: Tensor, d: int, placed: Tensor) -> Tensor:
    """``placed`` (built with ``dim`` in front) back in ``input``'s layout."""
    if input.ndim == 0:
        return placed.reshape(())
    return placed if d == 0 else placed.movedim(0, d)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """``input`` plus ``alpha * source`` added at ``index`` along ``dim`` (repeated indices
    add up), as ``torch.index_add``.

    Example:
        >>> pn.zeros(3).index_add(0, pn.tensor([0, 2, 0]), pn.tensor([1.0, 2.0, 3.0]))
        tensor([4., 0., 2.])
    """
    d, idx = _vector_index("index_add", input, dim, index)
    src = _source("index_add", input, d, idx, source)
    if alpha != 1:
        src = src * alpha
    n = input.shape[d] if input.ndim else 1
    return input + _put_lead(input, d, IndexAddLead.apply(src, idx=idx, n=n))


def _lead_mask(input: Tensor, d: int, idx):
    """Bool array over ``input`` (``dim`` in place): True on the slices ``idx`` names."""
    xp, bk = input._bk.xp, input._bk
    n = input.shape[d] if input.ndim else 1
    cnt = _index_add(xp, n, idx, xp.ones((idx.shape[0],), dtype=bk.float_dtype, device=bk.device))
    view = [1] * max(input.ndim, 1)
    view[d] = n
    return xp.reshape(cnt > 0, tuple(view) if input.ndim else ())


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or a
    0-d Tensor, which gets the sum of their gradients), as ``torch.index_fill``.

    Example:
        >>> pn.ones(2, 3).index_fill(1, pn.tensor([0, 2]), -1.0)
        tensor([[-1.,  1., -1.],
                [-1.,  1., -1.]])
    """
    d, idx = _vector_index("index_fill", input, dim, index)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"index_fill(): only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s)")
        value = value.astype(input.array.dtype) if value.array.dtype != input.array.dtype else value
    else:
        value = _scalar_like(input, value)
    return _where(_lead_mask(input, d, idx), value, input)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s, as
    ``torch.index_copy``.  Repeated indices (undefined in PyTorch): the last slice wins,
    as in :func:`portanet.scatter`.

    Example:
        >>> pn.zeros(3, 2).index_copy(0, pn.tensor([2, 0]), pn.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    d, idx = _vector_index("index_copy", input, dim, index)
    _source("index_copy", input, d, idx, source)
    if input.ndim == 0:
        return ScatterFlat.apply(input.reshape(1), source.reshape(-1), pos=idx).reshape(())
    # a scatter whose index repeats ``index`` along every other dim (one flat position per
    # source element)
    xp = input._bk.xp
    view = [1] * input.ndim
    view[d] = idx.shape[0]
    full = xp.broadcast_to(xp.reshape(idx, tuple(view)), tuple(source.shape))
    return ScatterFlat.apply(input, source, pos=_positions(xp, tuple(input.shape), d, full))


def _bool_mask(who: str, input: Tensor, mask):
    if not isinstance(mask, Tensor) or mask.array.dtype != input._bk.xp.bool:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{who}: expected BoolTensor for mask, got {got}")
    return mask


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` (broadcast with it) is True, as a 1-D
    tensor (``torch.masked_select``).  Its length depends on the mask's values, so this
    reads the device (as PyTorch does).

    Example:
        >>> x = pn.tensor([[1.0, -2.0], [-3.0, 4.0]])
        >>> pn.masked_select(x, x > 0)
        tensor([1., 4.])
    """
    _bool_mask("masked_select()", input, mask)
    from .indexing import getitem
    from .reorder import broadcast_tensors
    x, m = broadcast_tensors(input, mask)
    return getitem(x.reshape(-1), m.reshape(-1))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the positions where ``mask`` is True filled, in order, by the first
    elements of ``source`` (``torch.masked_scatter``).  ``source`` must hold at least as
    many elements as the mask has True values (a check on data values, deferred on
    accelerators); no read-back otherwise.

    Example:
        >>> pn.zeros(4).masked_scatter(pn.tensor([True, False, True, False]),
        ...                            pn.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([1., 0., 2., 0.])
    """
    _bool_mask("masked_scatter_()", input, mask)
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but "
                           f"got {input.dtype} and {source.dtype}")
    from .reorder import broadcast_tensors
    x, m = broadcast_tensors(input, mask)
    xp = input._bk.xp
    mf = xp.reshape(m.array, (-1,))
    k = xp.cumulative_sum(xp.astype(mf, xp.int64))
    n = source.numel()
    checks.check(input._bk, (k[-1] if k.shape[0] else xp.asarray(0)) <= n, RuntimeError,
                 f"masked_scatter_: expected the mask's number of True values to be at most "
                 f"source.numel() = {n}")
    at = xp.clip(k - 1, 0, max(n - 1, 0))
    if n == 0:
        return x if x is not input else input + 0
    vals = _take_flat(source, at).reshape(tuple(x.shape))
    return _where(m.array, vals, x)


register_methods(index_select, index_add, index_fill, index_copy, masked_select, masked_scatter)
register_methods(index_add_=_inplace(index_add, "index_add_"),
                 index_fill_=_inplace(index_fill, "index_fill_"),
                 index_copy_=_inplace(index_copy, "index_copy_"),
                 masked_scatter_=_inplace(masked_scatter, "masked_scatter_"))
