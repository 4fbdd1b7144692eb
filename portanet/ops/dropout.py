"""Dropout (Srivastava et al. 2014): ``dropout``, ``dropout2d`` and their primitive, the
multiplication by a constant mask: ``y = x * m``, ``gx = g * m``.

The mask comes from :func:`portanet.random.bernoulli`, so it is the
same on every backend for the same seed and is generated on the device.

Example:
    >>> y = MaskMul.apply(x, mask=m)   # m: raw array broadcastable to x, already scaled
"""
from __future__ import annotations

import numbers
from .. import random
from ..autograd.function import Function
from ..autograd.tensor import Tensor

__all__ = ["dropout", "dropout2d", "check_p"]


class MaskMul(Function):
    """``x * mask`` where ``mask`` (a raw array, no gradient) broadcasts against ``x``."""

    def forward(self, xp, x, *, mask):
        self.mask = mask
        return x * mask

    def backward(self, xp, g):
        return (g * self.mask,)


# ------------------------------------------------------------------ functions
def check_p(p: float, who: str) -> float:
    """``p`` as a float in ``[0, 1]``; ValueError naming ``who`` otherwise."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{who}: p (dropout probability) must be a real number in [0, 1], got "
                        f"{type(p).__name__} {p!r}")
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, but got {p}")
    return p


def _masked(x: Tensor, p: float, mask_shape) -> Tensor:
    xp = x._bk.xp
    keep = random.bernoulli(mask_shape, 1.0 - p, backend=x._bk)
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return MaskMul.apply(x, mask=xp.astype(keep, x.array.dtype) * scale)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

    Example:
        >>> F.dropout(pn.ones(3, 3), 0.2, training=False)   # identity
    """
    p = check_p(p, "dropout")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` (or ``(N, C, L)``) with probability ``p``.

    Example:
        >>> F.dropout2d(pn.ones(2, 8, 4, 4), 0.5).shape
        (2, 8, 4, 4)
    """
    p = check_p(p, "dropout2d")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expected a 3-D or 4-D input (N, C, [H,] W), got shape "
                         f"{input.shape}")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape[:2] + (1,) * (input.ndim - 2))
