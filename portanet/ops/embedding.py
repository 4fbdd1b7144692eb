"""Embedding lookup: rows of a weight matrix picked by integer indices.

Backward scatter-adds the output gradient into the rows, so an index used several
times sums its gradients (:func:`portanet.ops.shape.index_add`: a one-hot product
generically, ``np.add.at`` / ``Tensor.index_add_`` / ``cupyx.scatter_add`` as fast
paths).  The ``padding_idx`` row gets no gradient, as in PyTorch.

Example:
    >>> y = Embedding.apply(weight, idx=i, padding_idx=None)   # i: raw int array
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend.inplace import set_at
from .shape import index_add


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
