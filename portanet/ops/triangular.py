"""Triangles and diagonals, as PyTorch: ``tril``, ``triu`` (and ``_``), ``tril_indices``,
``triu_indices``, ``diag``, ``diagonal``, ``diag_embed``, ``diagflat``.

Triangles are a ``where`` with a mask built from two ``arange``s; diagonals are an
integer-array gather (``x[rows, cols]``), and building a diagonal matrix is a ``where``
of the gathered values, so all gradients come from existing primitives.

Example:
    >>> pn.triu(pn.ones(3, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.],
            [0., 0., 0.]])
    >>> pn.diag(pn.tensor([1.0, 2.0])).shape
    (2, 2)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from .viewlinks import link
from .reorder import int_arg
from .scatter import _inplace, _scalar_like, _where
from .util import register_methods

__all__ = ["tril", "triu", "tril_indices", "triu_indices", "diag", "diagonal", "diag_embed",
           "diagflat"]


def _tri_mask(x: Tensor, diagonal: int, lower: bool):
    xp, dev = x._bk.xp, x._bk.device
    r = xp.arange(x.shape[-2], dtype=xp.int64, device=dev)[:, None]
    c = xp.arange(x.shape[-1], dtype=xp.int64, device=dev)[None, :]
    return (c - r <= diagonal) if lower else (c - r >= diagonal)


def _tri(who: str, x: Tensor, diagonal, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"{who}: input tensor must have at least 2 dimensions")
    diagonal = int_arg(who, "diagonal", diagonal)
    return _where(_tri_mask(x, diagonal, lower), x, _scalar_like(x, 0))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below diagonal ``diagonal``), the
    rest zero, as ``torch.tril``.

    Example:
        >>> pn.tril(pn.ones(2, 2))
        tensor([[1., 0.],
                [1., 1.]])
    """
    return _tri("tril", input, diagonal, True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above ``diagonal``), as ``torch.triu``."""
    return _tri("triu", input, diagonal, False)


def _tri_indices(who: str, row, col, offset, lower, dtype, device):
    row = argcheck.nonneg_int(who, "row", row)
    col = argcheck.nonneg_int(who, "col", col)
    offset = int_arg(who, "offset", offset)
    pairs = [(i, j) for i in range(row) for j in range(col)
             if (j - i <= offset if lower else j - i >= offset)]
    rows = [p[0] for p in pairs]
    cols = [p[1] for p in pairs]
    from ..creation import _bk, _dt
    bk = _bk(device)
    xp = bk.xp
    return Tensor.from_array(xp.asarray([rows, cols], dtype=_dt(bk, dtype, xp.int64),
                                        device=bk.device), bk)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, **kw) -> Tensor:
    """The ``(2, N)`` coordinates of the lower triangle of a ``row x col`` matrix, row by
    row (``torch.tril_indices``; built on the host from the sizes, no device read).

    Example:
        >>> pn.tril_indices(2, 2)
        tensor([[0, 1, 1],
                [0, 0, 1]])
    """
    return _tri_indices("tril_indices", row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, **kw) -> Tensor:
    """The ``(2, N)`` coordinates of the upper triangle (``torch.triu_indices``)."""
    return _tri_indices("triu_indices", row, col, offset, False, dtype, device)


def _diag_coords(n1: int, n2: int, offset: int):
    """(rows, cols) of diagonal ``offset`` of an ``n1 x n2`` matrix."""
    if offset >= 0:
        m = max(min(n1, n2 - offset), 0)
        return list(range(m)), [i + offset for i in range(m)]
    m = max(min(n1 + offset, n2), 0)
    return [i - offset for i in range(m)], list(range(m))


class DiagonalLink:
    """Carries a new value of ``x.diagonal(offset)`` (shape ``(L, rest...)``, before the
    diagonal moves last) back into ``x`` (``(m1, m2, rest...)``): off-diagonal entries
    kept, diagonal ones taken from the view (ops/viewlinks.py)."""

    __slots__ = ("offset",)
    shares_memory = False     # gathered: a write into the view is a write into a copy

    def __init__(self, offset: int):
        self.offset = offset

    def _plan(self, xp, base_shape, device):
        m1, m2 = base_shape[0], base_shape[1]
        i = xp.arange(m1, dtype=xp.int64, device=device)[:, None]
        j = xp.arange(m2, dtype=xp.int64, device=device)[None, :]
        on = (j - i) == self.offset
        k = i + 0 * j if self.offset >= 0 else j + 0 * i       # position along the diagonal
        length = len(_diag_coords(m1, m2, self.offset)[0])
        k = xp.minimum(k, xp.full_like(k, max(length - 1, 0)))  # off the diagonal: unused
        on = xp.reshape(on, (m1, m2) + (1,) * (len(base_shape) - 2))
        return on, xp.reshape(k, (-1,)), length

    def base_array(self, xp, base_array, view_array):
        on, k, length = self._plan(xp, base_array.shape, getattr(base_array, "device", None))
        if length == 0:
            return base_array
        placed = xp.reshape(xp.take(view_array, k, axis=0), base_array.shape)
        return xp.where(on, placed, base_array)

    def base_tensor(self, base, view):
        bk = base._bk
        on, k, length = self._plan(bk.xp, base.shape, bk.device)
        if length == 0:
            return base
        from .index_dim import index_select
        placed = index_select(view, 0, Tensor.from_array(k, bk)).reshape(base.shape)
        return _where(on, placed, base)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2``; it becomes the
    last dim (``torch.diagonal``; a view, as in PyTorch: writes into it reach ``input``).

    Example:
        >>> pn.diagonal(pn.arange(9.0).reshape(3, 3), offset=1)
        tensor([1., 5.])
    """
    d1 = argcheck.dim("diagonal", dim1, input.ndim, "dim1")
    d2 = argcheck.dim("diagonal", dim2, input.ndim, "dim2")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int_arg("diagonal", "offset", offset)
    x = input.movedim((d1, d2), (0, 1))
    rows, cols = _diag_coords(x.shape[0], x.shape[1], offset)
    xp, bk = input._bk.xp, input._bk
    r = Tensor.from_array(xp.asarray(rows, dtype=xp.int64, device=bk.device), bk)
    c = Tensor.from_array(xp.asarray(cols, dtype=xp.int64, device=bk.device), bk)
    from .indexing import getitem
    out = getitem(x, (r, c), _in_range=True)     # (m, rest...)
    # a view in PyTorch (`A.diagonal().add_(eps)` changes A): linked to x
    link(out, x, DiagonalLink(offset))
    return out.movedim(0, -1) if out.ndim > 1 else out


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal ``offset`` (in the new dims ``dim1``, ``dim2``) holds the
    last dim of ``input`` (``torch.diag_embed``).

    Example:
        >>> pn.diag_embed(pn.tensor([[1.0, 2.0]])).shape
        (1, 2, 2)
    """
    nd = input.ndim + 1
    d1 = argcheck.dim("diag_embed", dim1, nd, "dim1")
    d2 = argcheck.dim("diag_embed", dim2, nd, "dim2")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = int_arg("diag_embed", "offset", offset)
    x = input if input.ndim else input.reshape(1)
    n = x.shape[-1]
    m = n + abs(offset)
    xp, dev = x._bk.xp, x._bk.device
    r = xp.arange(m, dtype=xp.int64, device=dev)[:, None]
    c = xp.arange(m, dtype=xp.int64, device=dev)[None, :]
    on = (c - r) == offset
    # the value on the diagonal at (r, c) is x[..., min(r, c)]; elsewhere 0
    k = xp.where(r < c, r, c)
    k = xp.where(on, k, xp.zeros_like(k))
    from .index_dim import index_select
    kt = Tensor.from_array(xp.reshape(k, (-1,)), x._bk)
    vals = index_select(x, -1, kt).unflatten(-1, (m, m))      # (..., m, m)
    out = _where(on, vals, _scalar_like(x, 0))
    lead = out.ndim - 2
    # the new dims sit at -2, -1: move them to (d1, d2) as PyTorch places them
    if (d1, d2) != (lead, lead + 1):
        out = out.movedim((lead, lead + 1), (d1, d2))
    return out


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input becomes a square matrix with it on diagonal ``diagonal``; a 2-D input
    gives its diagonal as a 1-D tensor (``torch.diag``).

    Example:
        >>> pn.diag(pn.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([1., 4.])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """``diag(input.flatten(), offset)`` (``torch.diagflat``)."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


register_methods(tril, triu, diag, diagonal, diag_embed, diagflat)
register_methods(tril_=_inplace(tril, "tril_"), triu_=_inplace(triu, "triu_"))
