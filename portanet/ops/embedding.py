"""Embedding lookup: rows of a weight matrix picked by integer indices (``embedding``).

Backward scatter-adds the output gradient into the rows, so an index used several
times sums its gradients (:func:`portanet.ops.indexing.index_add`: a one-hot product
generically, ``np.add.at`` / ``Tensor.index_add_`` / ``cupyx.scatter_add`` as fast
paths).  The ``padding_idx`` row gets no gradient, as in PyTorch.

Example:
    >>> y = Embedding.apply(weight, idx=i, padding_idx=None)   # i: raw int array
"""
from __future__ import annotations

from ..autograd.function import Function
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


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              _who: str = "embedding") -> Tensor:
    """Rows of ``weight`` ``(num, dim)`` picked by the integer tensor ``input`` (any shape).

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
    num = weight.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    xp = input._bk.xp
    if input.numel():
        # one reduction each (a sync on GPU, as PyTorch's own bounds check is)
        lo, hi = int(xp.min(input.array)), int(xp.max(input.array))
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{_who}: index {bad} is out of range for {num} embeddings "
                             f"(valid 0..{num - 1}); input shape {input.shape}, weight shape "
                             f"{weight.shape}")
    return Embedding.apply(weight, idx=input.array, padding_idx=padding_idx)
