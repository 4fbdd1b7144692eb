"""Loss functions as Modules (``pn.nn.CrossEntropyLoss()`` ...), PyTorch's arguments."""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops import losses as F
from .module import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "KLDivLoss"]


def _weight(who: str, name: str, w):
    if w is not None and not isinstance(w, Tensor):
        raise TypeError(f"{who}: {name} must be a pn.Tensor or None, got {type(w).__name__}")
    return w


class _Loss(Module):
    _reductions = argcheck.REDUCTIONS

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = argcheck.one_of(type(self).__name__, "reduction", reduction,
                                         self._reductions)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error.  Example: ``pn.nn.MSELoss()(pred, y)``."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = argcheck.real("HuberLoss", "delta", delta, lo=0, lo_open=True)

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = argcheck.real("SmoothL1Loss", "beta", beta, lo=0)

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = _weight("BCELoss", "weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.weight = _weight("BCEWithLogitsLoss", "weight", weight)
        self.pos_weight = _weight("BCEWithLogitsLoss", "pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy; see :func:`portanet.nn.functional.cross_entropy`."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        _weight("CrossEntropyLoss", "weight", weight)
        if not argcheck.is_int(ignore_index):
            raise TypeError(f"CrossEntropyLoss: ignore_index must be an integer, got "
                            f"{type(ignore_index).__name__} {ignore_index!r}")
        argcheck.real("CrossEntropyLoss", "label_smoothing", label_smoothing, lo=0, hi=1)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_Loss):
    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        _weight("NLLLoss", "weight", weight)
        if not argcheck.is_int(ignore_index):
            raise TypeError(f"NLLLoss: ignore_index must be an integer, got "
                            f"{type(ignore_index).__name__} {ignore_index!r}")
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MultiMarginLoss(_Loss):
    """Multiclass SVM hinge loss."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        if p not in (1, 2) or not argcheck.is_int(p):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p!r}")
        argcheck.real("MultiMarginLoss", "margin", margin)
        self.p, self.margin, self.weight = p, margin, _weight("MultiMarginLoss", "weight", weight)

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class KLDivLoss(_Loss):
    _reductions = argcheck.REDUCTIONS + ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)
