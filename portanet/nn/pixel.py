"""Pixel rearrangement and sliding-block layers: ``PixelShuffle``, ``PixelUnshuffle``,
``ChannelShuffle``, ``Unfold``, ``Fold`` (functions: ``ops/pixel.py``).

Example:
    >>> pn.nn.PixelShuffle(2)(pn.zeros(1, 8, 3, 3)).shape
    (1, 2, 6, 6)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.pixel import channel_shuffle, fold, pixel_shuffle, pixel_unshuffle, unfold
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Unfold", "Fold"]


class PixelShuffle(Module):
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``.

    Example:
        >>> pn.nn.PixelShuffle(3)(pn.zeros(1, 9, 2, 2)).shape
        (1, 1, 6, 6)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = argcheck.positive_int("PixelShuffle", "upscale_factor", upscale_factor)

    def forward(self, x: Tensor) -> Tensor:
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``.

    Example:
        >>> pn.nn.PixelUnshuffle(2)(pn.zeros(1, 1, 4, 4)).shape
        (1, 4, 2, 2)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = argcheck.positive_int("PixelUnshuffle", "downscale_factor",
                                                      downscale_factor)

    def forward(self, x: Tensor) -> Tensor:
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups.

    Example:
        >>> pn.nn.ChannelShuffle(2)(pn.zeros(1, 4, 3, 3)).shape
        (1, 4, 3, 3)
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = argcheck.positive_int("ChannelShuffle", "groups", groups)

    def forward(self, x: Tensor) -> Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Unfold(Module):
    """Sliding blocks as columns, ``(N, C, H, W) -> (N, C*KH*KW, L)`` (see ``F.unfold``).

    Example:
        >>> pn.nn.Unfold(kernel_size=3, padding=1)(pn.zeros(1, 2, 5, 5)).shape
        (1, 18, 25)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        argcheck.window("Unfold", 2, kernel_size, stride, padding, dilation)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns back to an image, ``(N, C*KH*KW, L) -> (N, C, *output_size)``, summing overlaps.

    Example:
        >>> pn.nn.Fold(output_size=(4, 5), kernel_size=2)(pn.zeros(1, 12, 12)).shape
        (1, 3, 4, 5)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        argcheck.window("Fold", 2, kernel_size, stride, padding, dilation)
        argcheck.int_tuple("Fold", "output_size", output_size, 2, 1)
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
