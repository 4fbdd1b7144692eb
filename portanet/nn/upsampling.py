"""Upsampling layers: ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``
(function: ``F.interpolate`` in ``ops/interpolate.py``).

Example:
    >>> pn.nn.Upsample(scale_factor=2, mode="nearest")(pn.zeros(1, 3, 4, 4)).shape
    (1, 3, 8, 8)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.interpolate import INTERP_MODES, interpolate
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize ``(N, C, d1, ..., dK)`` to ``size`` or by ``scale_factor`` (see ``F.interpolate``).

    Args: size=None, scale_factor=None, mode="nearest", align_corners=None,
    recompute_scale_factor=None.

    Example:
        >>> pn.nn.Upsample(size=(5, 7), mode="bilinear")(pn.zeros(1, 1, 2, 3)).shape
        (1, 1, 5, 7)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        who = type(self).__name__
        argcheck.one_of(who, "mode", mode, INTERP_MODES)
        self.name = who
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of ``(N, C, H, W)`` (PyTorch keeps it for old code).

    Example:
        >>> pn.nn.UpsamplingNearest2d(scale_factor=2)(pn.zeros(1, 1, 3, 3)).shape
        (1, 1, 6, 6)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of ``(N, C, H, W)`` with ``align_corners=True`` (as PyTorch's).

    Example:
        >>> pn.nn.UpsamplingBilinear2d(scale_factor=2)(pn.zeros(1, 1, 3, 3)).shape
        (1, 1, 6, 6)
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
