"""Multiplication by a constant mask (dropout): ``y = x * m``, ``gx = g * m``.

The mask is built by the caller from :func:`portanet.random.bernoulli`, so it is the
same on every backend for the same seed and is generated on the device.

Example:
    >>> y = MaskMul.apply(x, mask=m)   # m: raw array broadcastable to x, already scaled
"""
from __future__ import annotations

from ..autograd.function import Function


class MaskMul(Function):
    """``x * mask`` where ``mask`` (a raw array, no gradient) broadcasts against ``x``."""

    def forward(self, xp, x, *, mask):
        self.mask = mask
        return x * mask

    def backward(self, xp, g):
        return (g * self.mask,)
