"""Layers for volumes ``(N, C, D, H, W)``: ``Conv3d``, ``ConvTranspose3d``, ``MaxPool3d``,
``AvgPool3d``, ``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``, ``BatchNorm3d`` (functions:
``ops/volumetric.py``, ``ops/volumetric_extra.py``).

Example:
    >>> pn.nn.Conv3d(1, 4, 3, padding=1)(pn.zeros(2, 1, 5, 5, 5)).shape
    (2, 4, 5, 5, 5)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.volumetric import avg_pool3d, conv3d, max_pool3d
from ..ops.volumetric_extra import adaptive_avg_pool3d, adaptive_max_pool3d, conv_transpose3d
from .conv import _ConvNd
from .normalization import _BatchNorm
from .pooling import AdaptiveMaxPool2d, _output_size, _Pool

__all__ = ["Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool3d", "BatchNorm3d"]


class Conv3d(_ConvNd):
    """3-D convolution layer over ``(N, C_in, D, H, W)``; arguments as :class:`Conv2d` with
    triples, ``weight`` ``(C_out, C_in/groups, KD, KH, KW)``.

    Example:
        >>> pn.nn.Conv3d(2, 4, (3, 3, 1), stride=2)(pn.zeros(1, 2, 7, 7, 7)).shape
        (1, 4, 3, 3, 4)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 3)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        x, padding = self._padded(x)
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups,
                      _who=self._label())


class MaxPool3d(_Pool):
    """Max pooling over ``(N, C, D, H, W)``; arguments as :class:`MaxPool2d`.

    Example:
        >>> pn.nn.MaxPool3d(2)(pn.zeros(1, 2, 4, 4, 4)).shape
        (1, 2, 2, 2, 2)
    """
    _repr_keys = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        argcheck.window("MaxPool3d", 3, kernel_size, stride, padding, dilation)
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return max_pool3d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices, _who=self._label())


class AvgPool3d(_Pool):
    """Average pooling over ``(N, C, D, H, W)``; arguments as :class:`AvgPool2d`.

    Example:
        >>> pn.nn.AvgPool3d(2)(pn.zeros(1, 2, 4, 4, 4)).shape
        (1, 2, 2, 2, 2)
    """
    _repr_keys = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        argcheck.window("AvgPool3d", 3, kernel_size, stride, padding)
        if divisor_override is not None:
            argcheck.positive_int("AvgPool3d", "divisor_override", divisor_override)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool3d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override, _who=self._label())


class BatchNorm3d(_BatchNorm):
    """Batch normalization of ``(N, C, D, H, W)`` per channel; arguments as ``BatchNorm1d``.

    Example:
        >>> pn.nn.BatchNorm3d(4)(pn.randn(2, 4, 3, 3, 3)).shape
        (2, 4, 3, 3, 3)
    """
    _dims = (5,)


class ConvTranspose3d(_ConvNd):
    """Transposed 3-D convolution over ``(N, C_in, D, H, W)``; arguments as
    :class:`ConvTranspose2d` with triples, ``weight`` ``(C_in, C_out/groups, KD, KH, KW)``.

    Example:
        >>> pn.nn.ConvTranspose3d(4, 2, 2, stride=2)(pn.zeros(1, 4, 3, 3, 3)).shape
        (1, 2, 6, 6, 6)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose3d: padding must be ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 3, transposed=True, output_padding=output_padding)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation, _who=self._label())


class AdaptiveAvgPool3d(_Pool):
    """Average pooling of ``(N, C, D, H, W)`` to ``output_size`` (int or 3 ints/None).

    Example:
        >>> pn.nn.AdaptiveAvgPool3d(1)(pn.zeros(2, 4, 3, 5, 5)).shape
        (2, 4, 1, 1, 1)
    """
    _repr_keys = ("output_size",)

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _output_size("AdaptiveAvgPool3d", output_size, 3)

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool3d(x, self.output_size)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling of ``(N, C, D, H, W)`` to ``output_size`` (``return_indices`` as 2-D).

    Example:
        >>> pn.nn.AdaptiveMaxPool3d(2)(pn.zeros(1, 4, 5, 5, 5)).shape
        (1, 4, 2, 2, 2)
    """
    _nd = 3

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_max_pool3d(x, self.output_size, self.return_indices)
