"""More loss Modules and the distance Modules (``pn.nn.TripletMarginLoss()``,
``pn.nn.CosineSimilarity()`` ...), PyTorch's constructor arguments (the legacy
``size_average``/``reduce`` mapped onto ``reduction`` as PyTorch maps them); functions in
``ops/losses_extra.py`` and ``ops/distance.py``.

Example:
    >>> crit = pn.nn.MarginRankingLoss(margin=0.5)
    >>> crit(pn.tensor([1.0]), pn.tensor([0.0]), pn.tensor([1.0])).item()
    0.0
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops import distance as D
from ..ops import losses_extra as L
from ..ops.ctc import ctc_loss
from .loss_modules import _Loss
from .module import Module

__all__ = ["MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss", "CosineEmbeddingLoss",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "CosineSimilarity", "PairwiseDistance", "CTCLoss"]


class _Legacy(_Loss):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(L.legacy_reduction(size_average, reduce, reduction))


class MarginRankingLoss(_Legacy):
    """``max(0, -y * (x1 - x2) + margin)``; margin=0.0.  Example: ``crit(x1, x2, y)``."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = argcheck.real(type(self).__name__, "margin", margin)

    def forward(self, input1, input2, target):
        return L.margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Legacy):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1``; margin=1.0.

    Example: ``pn.nn.HingeEmbeddingLoss(margin=2.0)(distances, y)``."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = argcheck.real(type(self).__name__, "margin", margin)

    def forward(self, input, target):
        return L.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Legacy):
    """``log(1 + exp(-y x))``.  Example: ``pn.nn.SoftMarginLoss()(x, y)``."""

    def forward(self, input, target):
        return L.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Legacy):
    """Per-class logistic loss averaged over classes; weight=None (per class).

    Example: ``pn.nn.MultiLabelSoftMarginLoss()(logits, multi_hot)``."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        if weight is not None and not isinstance(weight, Tensor):
            raise TypeError(f"MultiLabelSoftMarginLoss: weight must be a pn.Tensor or None, got "
                            f"{type(weight).__name__}")
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return L.multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Legacy):
    """Multi-class multi-label hinge loss; integer targets ended by -1.

    Example: ``pn.nn.MultiLabelMarginLoss()(scores, pn.tensor([[3, 0, -1, 1]]))``."""

    def forward(self, input, target):
        return L.multilabel_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_Legacy):
    """``1 - cos`` for ``y = 1``, ``max(0, cos - margin)`` for ``y = -1``; margin=0.0.

    Example: ``pn.nn.CosineEmbeddingLoss(0.2)(x1, x2, y)``."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = argcheck.real(type(self).__name__, "margin", margin)

    def forward(self, input1, input2, target):
        return L.cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_Legacy):
    """``max(0, margin + d(a, p) - d(a, n))``; margin=1.0, p=2.0, eps=1e-6, swap=False.

    Example:
        >>> pn.nn.TripletMarginLoss(margin=0.5)(a, pos, neg)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        who = type(self).__name__
        self.margin = argcheck.real(who, "margin", margin, lo=0, lo_open=True)
        self.p, self.eps, self.swap = D._p(who, p), argcheck.real(who, "eps", eps), bool(swap)

    def forward(self, anchor, positive, negative):
        return L.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                     self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any ``distance_function`` (default ``pairwise_distance``).

    Example: ``pn.nn.TripletMarginWithDistanceLoss(distance_function=pn.nn.PairwiseDistance())(a, p, n)``."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean"):
        super().__init__(reduction)
        who = type(self).__name__
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"{who}: distance_function must be callable or None, got "
                            f"{type(distance_function).__name__}")
        self.margin = argcheck.real(who, "margin", margin, lo=0, lo_open=True)
        self.distance_function, self.swap = distance_function, bool(swap)

    def forward(self, anchor, positive, negative):
        return L.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Legacy):
    """Poisson NLL; log_input=True, full=False, eps=1e-8.

    Example: ``pn.nn.PoissonNLLLoss()(log_rate, counts)``."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full = bool(log_input), bool(full)
        self.eps = argcheck.real(type(self).__name__, "eps", eps)

    def forward(self, log_input, target):
        return L.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian NLL with a predicted variance; full=False, eps=1e-6.

    Example:
        >>> pn.nn.GaussianNLLLoss()(mu, y, var)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full, self.eps = bool(full), argcheck.real(type(self).__name__, "eps", eps, lo=0)

    def forward(self, input, target, var):
        return L.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class CosineSimilarity(Module):
    """Cosine similarity along ``dim`` (1); eps=1e-8.

    Example:
        >>> pn.nn.CosineSimilarity(dim=1)(pn.ones(2, 3), pn.ones(2, 3)).tolist()
        [1.0, 1.0]
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        if not argcheck.is_int(dim):
            raise TypeError(f"CosineSimilarity: dim must be an integer, got {type(dim).__name__} {dim!r}")
        self.dim, self.eps = dim, argcheck.real("CosineSimilarity", "eps", eps, lo=0)

    def forward(self, x1, x2):
        return D.cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last axis; p=2.0, eps=1e-6, keepdim=False.

    Example: ``pn.nn.PairwiseDistance(p=1.0)(x1, x2)``."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
        super().__init__()
        self.norm, self.eps = D._p("PairwiseDistance", p), argcheck.real("PairwiseDistance", "eps", eps)
        self.keepdim = bool(keepdim)

    def forward(self, x1, x2):
        return D.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"


class CTCLoss(_Loss):
    """Connectionist temporal classification; blank=0, zero_infinity=False.

    Forward: ``(log_probs (T, N, C), targets, input_lengths, target_lengths)``, see
    :func:`portanet.nn.functional.ctc_loss`.

    Example:
        >>> pn.nn.CTCLoss()(lp, targets, [6, 5], [2, 2])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction)
        self.blank = argcheck.nonneg_int("CTCLoss", "blank", blank)
        self.zero_infinity = bool(zero_infinity)

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
