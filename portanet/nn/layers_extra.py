"""``Bilinear`` and ``EmbeddingBag`` (functions: ``ops/layers_extra.py``), PyTorch's
arguments, parameter names, shapes and initialization.

Example:
    >>> bag = pn.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(pn.tensor([1, 2, 4, 5]), pn.tensor([0, 2])).shape
    (2, 3)
"""
from __future__ import annotations

import math

from .. import argcheck
from ..autograd.tensor import Tensor
from ..backend.inplace import set_at
from ..ops.layers_extra import bilinear, embedding_bag
from . import init
from .layers import check_float_input, empty_parameter
from .module import Module
from .parameter import Parameter

__all__ = ["Bilinear", "EmbeddingBag"]


class Bilinear(Module):
    """``y = x1^T A x2 + b``.

    Args: in1_features, in2_features, out_features, bias=True, dtype=None.  ``weight`` is
    ``(out, in1, in2)``, ``bias`` ``(out,)``, both initialized ``U(-1/sqrt(in1), 1/sqrt(in1))``
    as in PyTorch.

    Example:
        >>> pn.nn.Bilinear(3, 4, 5)(pn.ones(2, 3), pn.ones(2, 4)).shape
        (2, 5)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 dtype=None):
        super().__init__()
        self.in1_features = argcheck.positive_int("Bilinear", "in1_features", in1_features)
        self.in2_features = argcheck.positive_int("Bilinear", "in2_features", in2_features)
        self.out_features = argcheck.positive_int("Bilinear", "out_features", out_features)
        self.weight = empty_parameter((out_features, in1_features, in2_features), dtype)
        if bias:
            self.bias = empty_parameter((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        check_float_input(self, input1, self.weight)
        check_float_input(self, input2, self.weight)
        try:
            return bilinear(input1, input2, self.weight, self.bias)
        except ValueError as e:
            raise ValueError(f"{self._label()}: {e}") from None

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings from a ``(num_embeddings, embedding_dim)``
    table, initialized ``N(0, 1)`` (the ``padding_idx`` row zero).

    Args: num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
    scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
    include_last_offset=False, padding_idx=None, dtype=None (``scale_grad_by_freq``
    and ``sparse=True`` are refused).

    Forward: ``(input, offsets=None, per_sample_weights=None)``, see
    :func:`portanet.nn.functional.embedding_bag`.

    Example:
        >>> pn.nn.EmbeddingBag(10, 3)(pn.tensor([[1, 2], [3, 4]])).shape
        (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight=None, include_last_offset: bool = False, padding_idx=None,
                 dtype=None):
        super().__init__()
        who = "EmbeddingBag"
        self.num_embeddings = argcheck.positive_int(who, "num_embeddings", num_embeddings)
        self.embedding_dim = argcheck.positive_int(who, "embedding_dim", embedding_dim)
        self.mode = argcheck.one_of(who, "mode", mode, ("sum", "mean", "max"))
        for name, bad in (("scale_grad_by_freq", scale_grad_by_freq), ("sparse", sparse)):
            if bad:
                raise NotImplementedError(f"{who}: {name} is not supported")
        if padding_idx is not None:
            if not argcheck.is_int(padding_idx) or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"{who}: padding_idx must be within num_embeddings "
                                 f"({num_embeddings}), got {padding_idx!r}")
            padding_idx %= num_embeddings
        self.padding_idx, self.include_last_offset = padding_idx, bool(include_last_offset)
        if max_norm is not None:
            argcheck.real(who, "max_norm", max_norm, lo=0)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = False, False
        shape = (num_embeddings, embedding_dim)
        if _weight is not None:
            if tuple(_weight.shape) != shape:
                raise ValueError(f"{who}: _weight must have shape {shape}, got {_weight.shape}")
            self.weight = Parameter(_weight)
        else:
            self.weight = empty_parameter(shape, dtype)
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            w = self.weight
            row = (self.padding_idx, slice(None))
            w._set_inplace(set_at(w._bk.xp, w.array, row, 0.0), "EmbeddingBag.reset_parameters")

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm=None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False, padding_idx=None) -> "EmbeddingBag":
        """An EmbeddingBag holding ``embeddings`` (2-D); ``freeze`` stops its gradient.

        Example:
            >>> bag = pn.nn.EmbeddingBag.from_pretrained(pn.eye(3), mode="sum")
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            got = embeddings.shape if isinstance(embeddings, Tensor) else type(embeddings).__name__
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-D, got {got}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             mode=self.mode,
                             per_sample_weights=per_sample_weights,
                             include_last_offset=self.include_last_offset,
                             padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
