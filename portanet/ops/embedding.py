"""Embedding lookup: rows of a weight matrix picked by integer indices (``embedding``).

Backward scatter-adds the output gradient into the rows, so an index used several
times sums its gradients (:func:`portanet.ops.indexing.index_add`: a one-hot product
generically, ``np.add.at`` / ``Tensor.index_add_`` / ``cupyx.scatter_add`` as fast
paths).  The ``padding_idx`` row gets no gradient, as in PyTorch.

Example:
    >>> y = Embedding.apply(weight, idx=i, padding_idx=None)   # i: raw int array
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function, no_grad
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from ..backend.inplace import set_at
from .indexing import index_add

__all__ = ["embedding"]


class Embedding(Function):
    """``weight[idx]`` for an integer array ``idx`` of any shape -> ``idx.shape + (dim,)``."""

    def forward(self, xp, weight, *, idx, padding_idx=None):
        flat = xp.reshape(idx, (-1,))
        self.flat, self.n, self.padding_idx = flat, weight.shape[0], padding_idx
        out = xp.take(weight, flat, axis=0)
        return xp.reshape(out, tuple(idx.shape) + (weight.shape[1],))

    def backward(self, xp, g):
        g2 = xp.reshape(g, (-1, g.shape[-1]))
        gw = index_add(xp, self.n, self.flat, g2)
        if self.padding_idx is not None:
            gw = set_at(xp, gw, (self.padding_idx, slice(None)), 0.0)
        return (gw,)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm=None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
              *, _who: str = "embedding") -> Tensor:
    """Rows of ``weight`` ``(num, dim)`` picked by the integer tensor ``input`` (any shape).

    ``max_norm``: the rows that ``input`` picks are first rescaled in place (without
    gradient) to a ``norm_type``-norm of at most ``max_norm``, as PyTorch does.
    ``scale_grad_by_freq`` and ``sparse=True`` are refused (NotImplementedError).

    Raises:
        IndexError: an index outside ``[0, num)`` (the message names the range and shapes).

    Example:
        >>> F.embedding(pn.tensor([0, 2]), pn.eye(3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{_who} expected a pn.Tensor of indices, got {type(input).__name__}")
    if not dtype_name(input.dtype).startswith(("int", "uint")):
        raise TypeError(f"{_who} expected integer indices, got dtype {dtype_name(input.dtype)} "
                        f"(input shape {input.shape})")
    if scale_grad_by_freq:
        raise NotImplementedError(f"{_who}: scale_grad_by_freq=True is not supported")
    if sparse:
        raise NotImplementedError(f"{_who}: sparse=True is not supported: gradients are dense")
    num = weight.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    xp = input._bk.xp
    if input.numel():
        # on the device: immediate where reads are free, else raised at the next sync
        # (checks.py); the message names the first bad index, read back only on failure
        lo, hi = xp.min(input.array), xp.max(input.array)
        checks.check(input._bk, xp.logical_and(lo >= 0, hi < num), IndexError,
                     f"{_who}: index {{}} is out of range for {num} embeddings (valid 0..{num - 1}); "
                     f"input shape {input.shape}, weight shape {weight.shape}",
                     detail=xp.where(lo < 0, lo, hi))
    if max_norm is not None:
        _renorm_rows(input, weight, max_norm, norm_type, _who)
    try:
        return Embedding.apply(weight, idx=input.array, padding_idx=padding_idx)
    except Exception:
        # a library that bounds-checks its own gather (array_api_strict) fails first: the
        # deferred check above says it better (which layer, which index, both shapes)
        checks.flush()
        raise


def _renorm_rows(input: Tensor, weight: Tensor, max_norm, norm_type, who: str) -> None:
    """Rescale the rows of ``weight`` that ``input`` uses to a norm <= ``max_norm``, in
    place and outside the graph (PyTorch's ``embedding_renorm_``), on the device."""
    max_norm = argcheck.real(who, "max_norm", max_norm, lo=0)
    p = argcheck.real(who, "norm_type", norm_type)
    xp, bk = weight._bk.xp, weight._bk
    w = weight.array
    idx = xp.reshape(input.array, (-1,))
    rows = xp.take(w, idx, axis=0)
    a = xp.abs(rows)
    if p == float("inf"):
        norm = xp.max(a, axis=1)
    else:
        norm = xp.sum(a ** p, axis=1) ** (1.0 / p)
    one = xp.ones_like(norm)
    scale = xp.where(norm > max_norm, max_norm / (norm + 1e-7), one)
    # a row picked k times receives k copies of its change / k: the change once
    counts = index_add(xp, weight.shape[0], idx, xp.ones((idx.shape[0], 1), dtype=w.dtype,
                                                          device=bk.device))
    per = xp.take(counts[:, 0], idx, axis=0)
    delta = index_add(xp, weight.shape[0], idx, rows * ((scale - 1) / per)[:, None])
    with no_grad():
        weight.copy_(Tensor.from_array(w + delta, bk))
