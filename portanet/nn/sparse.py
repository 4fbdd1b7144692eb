"""``Embedding``: a lookup table of learned vectors, indexed by integers.

PyTorch's arguments, weight name and shape ``(num_embeddings, embedding_dim)`` and
initialization N(0, 1), with the ``padding_idx`` row zeroed and never updated.
Departure: ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` are not supported.

Example:
    >>> emb = pn.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(pn.tensor([[1, 2], [0, 9]])).shape
    (2, 2, 3)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend.inplace import set_at
from ..ops.embedding import embedding
from . import init
from .layers import empty_parameter
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """A ``(num_embeddings, embedding_dim)`` table; input of integers ``(*)`` -> ``(*, dim)``.

    Args:
        num_embeddings, embedding_dim.
        padding_idx: this row is initialized to zeros and gets no gradient.
        dtype: weight dtype (default float32).

    Example:
        >>> pn.nn.Embedding(100, 16)(pn.tensor([3, 7, 3])).shape
        (3, 16)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = empty_parameter((num_embeddings, embedding_dim), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            w = self.weight
            row = (self.padding_idx, slice(None))
            w._set_inplace(set_at(w._bk.xp, w.array, row, 0.0), "Embedding.reset_parameters")

    def forward(self, x: Tensor) -> Tensor:
        return embedding(x, self.weight, self.padding_idx, _who=self._label())

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
