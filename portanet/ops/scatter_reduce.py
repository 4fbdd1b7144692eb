"""``scatter_add`` (``_``) and ``scatter_reduce`` (``_``): ``src``'s elements combined into
``input`` at ``index`` along ``dim``, as PyTorch, on the flat positions of
:mod:`portanet.ops.scatter`.  ``sum``/``mean`` are a scatter-add (fast paths where the
backend has them); ``amax``/``amin``/``prod`` compare every position with every source
element of the same slice (``index.numel() * input.shape[dim]`` booleans), which no
backend-neutral scatter-max avoids.

Example:
    >>> pn.zeros(3).scatter_add(0, pn.tensor([0, 2, 0]), pn.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .. import argcheck
from .scatter import (_flat_pos, _hits, _index_array, _inplace, _scalar_like,  # noqa
                      _scatter_sum, _src_block, _where)
from .util import register_methods

__all__ = ["scatter_add", "scatter_reduce"]


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src``'s elements added at ``index`` along ``dim`` (repeated
    positions add up), as ``torch.scatter_add``.

    Example:
        >>> pn.zeros(3).scatter_add(0, pn.tensor([0, 2, 0]), pn.tensor([1.0, 2.0, 3.0]))
        tensor([4., 0., 2.])
    """
    return scatter_reduce(input, dim, index, src, "sum")


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """``input`` with ``src``'s elements combined into it at ``index`` along ``dim`` by
    ``reduce`` (``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``), as
    ``torch.scatter_reduce``; ``include_self=False`` leaves ``input``'s own value out of
    the positions that receive something.  ``'mean'`` on integers rounds down, as PyTorch.

    Gradients as PyTorch: ``amax``/``amin`` share the gradient evenly among the tied
    elements (``input``'s included); ``prod`` handles zeros exactly.  ``amax``, ``amin``
    and ``prod`` compare each index entry with every position of its slice (about
    ``input.numel() * index.shape[dim]`` elements of work and memory).

    Example:
        >>> x = pn.tensor([0.0, 0.0])
        >>> x.scatter_reduce(0, pn.tensor([0, 0, 1]), pn.tensor([1.0, 3.0, 2.0]), "amax",
        ...                  include_self=False)
        tensor([3., 2.])
    """
    if reduce not in _REDUCES:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, "
                           f"amax or amin, got {reduce!r}")
    who = "scatter_add" if reduce == "sum" and include_self is True else "scatter_reduce"
    if not isinstance(src, Tensor):
        raise TypeError(f"{who}(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src.array.dtype != input.array.dtype:
        raise RuntimeError(f"{who}(): Expected self.dtype to be equal to src.dtype "
                           f"(got {input.dtype} and {src.dtype})")
    pos, ishape = _flat_pos(who, input, dim, index, src)
    v = _src_block(src, ishape)
    xp = input._bk.xp
    hit, count = _hits(input, pos)
    if include_self:
        base = input
    else:    # positions that receive something start from the reduction's identity
        ident = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if ident is None:
            ident = _extreme_fill(xp, input.array.dtype, reduce == "amax")
        base = _where(hit, _scalar_like(input, ident), input)
    if reduce in ("sum", "mean"):
        out = base + _scatter_sum(input, pos, v) if dtype_name(input.array.dtype) != "bool" else \
            (base.astype(xp.int8) + _scatter_sum(input, pos, v.astype(xp.int8)) > 0)
        if reduce == "mean":
            n = count + (1 if include_self else 0)
            n = xp.where(n == 0, xp.ones_like(n), n)
            n = Tensor.from_array(xp.astype(n, input.array.dtype), input._bk)
            if xp.isdtype(input.array.dtype, "integral"):
                out = Tensor.from_array(xp.floor_divide(out.array, n.array), input._bk)
            else:
                out = out / n
        return out
    # amax / amin / prod: along ``dim`` each position j of a slice compares with the
    # index's entries of that slice (a one-hot of index.shape + (size of dim,)), and
    # input's own value joins as one more entry, so ties (input's included) share one
    # reduction's gradient as in PyTorch
    shape = tuple(input.shape) or (1,)
    d = argcheck.dim(who, dim, input.ndim)
    idx = xp.reshape(_index_array(who, index, input), ishape)
    sd = shape[d]
    fill = 1 if reduce == "prod" else _extreme_fill(xp, input.array.dtype, reduce == "amax")
    oh = xp.expand_dims(idx, axis=-1) == xp.arange(sd, dtype=xp.int64, device=input._bk.device)
    terms = _where(oh, v.reshape(ishape).unsqueeze(-1), _scalar_like(input, fill))
    for k in range(len(shape)):           # index smaller than input off dim: pad with fill
        if k != d and ishape[k] < shape[k]:
            terms = _pad(terms, k, shape[k] - ishape[k], fill)
    terms = _cat([terms, base.reshape(shape).movedim(d, -1).unsqueeze(d)], d)
    if reduce == "prod":
        red = _Prod.apply(terms, axis=d)
    else:
        from .sorting import amax, amin
        red = (amax if reduce == "amax" else amin)(terms, dim=d)
    return red.movedim(-1, d).reshape(tuple(input.shape))


def _pad(t: Tensor, k: int, n: int, fill) -> Tensor:
    shape = list(t.shape)
    shape[k] = n
    xp = t._bk.xp
    pad = xp.full(tuple(shape), fill, dtype=t.array.dtype, device=t._bk.device)
    return _cat([t, Tensor.from_array(pad, t._bk)], k)


def _cat(parts, axis):
    from .shape import concat
    return concat(parts, axis)


def _extreme_fill(xp, dtype, largest: bool):
    if xp.isdtype(dtype, "real floating"):
        return -float("inf") if largest else float("inf")
    if dtype == xp.bool:
        return not largest
    info = xp.iinfo(dtype)
    return info.min if largest else info.max


class _Prod(Function):
    """Product along ``axis``; the gradient is the product of the others (zeros exact)."""

    def forward(self, xp, a, axis):
        self.a, self.axis = a, axis
        self.out = xp.prod(a, axis=axis, keepdims=True)
        return xp.squeeze(self.out, axis=axis)

    def backward(self, xp, g):
        a, ax = self.a, self.axis
        zero = a == 0
        nz = xp.sum(xp.astype(zero, xp.int64), axis=ax, keepdims=True)
        rest = xp.prod(xp.where(zero, xp.ones_like(a), a), axis=ax, keepdims=True)
        safe = xp.where(zero, xp.ones_like(a), a)
        others = xp.where(zero, xp.where(nz == 1, rest, xp.zeros_like(rest)),
                          xp.where(nz == 0, self.out / safe, xp.zeros_like(a)))
        return (xp.expand_dims(g, axis=ax) * others,)



register_methods(scatter_add, scatter_reduce,
                 scatter_add_=_inplace(scatter_add, "scatter_add_"),
                 scatter_reduce_=_inplace(scatter_reduce, "scatter_reduce_"))
