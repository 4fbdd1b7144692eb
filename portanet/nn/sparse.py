"""``Embedding``: a lookup table of learned vectors, indexed by integers.

PyTorch's arguments, weight name and shape ``(num_embeddings, embedding_dim)`` and
initialization N(0, 1), with the ``padding_idx`` row zeroed and never updated.
``max_norm`` renormalizes the rows used, in place, as PyTorch; ``scale_grad_by_freq``
and ``sparse=True`` are refused (NotImplementedError).

Example:
    >>> emb = pn.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(pn.tensor([[1, 2], [0, 9]])).shape
    (2, 2, 3)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..backend.inplace import set_at
from ..ops.embedding import embedding
from . import init
from .layers import empty_parameter
from .module import Module
from .parameter import Parameter

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
                 max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight=None, _freeze: bool = False, dtype=None):
        super().__init__()
        for name, bad in (("scale_grad_by_freq", scale_grad_by_freq), ("sparse", sparse)):
            if bad:
                raise NotImplementedError(f"Embedding: {name}=True is not supported")
        if max_norm is not None:
            argcheck.real("Embedding", "max_norm", max_norm, lo=0)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = False, False
        argcheck.positive_int("Embedding", "num_embeddings", num_embeddings)
        argcheck.positive_int("Embedding", "embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not argcheck.is_int(padding_idx):
                raise TypeError(f"Embedding: padding_idx must be an integer or None, got "
                                f"{type(padding_idx).__name__} {padding_idx!r}")
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        if _weight is not None:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({num_embeddings}, "
                                 f"{embedding_dim}), got {_weight.shape}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        else:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dtype)
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            w = self.weight
            row = (self.padding_idx, slice(None))
            w._set_inplace(set_at(w._bk.xp, w.array, row, 0.0), "Embedding.reset_parameters")

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx=None,
                        max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding holding ``embeddings`` (2-D); ``freeze`` stops its gradient.

        Example:
            >>> emb = pn.nn.Embedding.from_pretrained(pn.eye(3))
            >>> emb(pn.tensor([2])).tolist()
            [[0.0, 0.0, 1.0]]
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            got = embeddings.shape if isinstance(embeddings, Tensor) else type(embeddings).__name__
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got {got}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, x: Tensor) -> Tensor:
        return embedding(x, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         _who=self._label())

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
