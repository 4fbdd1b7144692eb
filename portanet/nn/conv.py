"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose2d`` (functions: ``ops/conv.py``).

PyTorch's names, arguments, defaults, weight shapes and initialization.  Departures:
inputs must be batched (PyTorch also accepts an unbatched ``(C, H, W)``; here that is
an error, since it is more often a forgotten batch axis).  ``padding_mode`` ``"reflect"``,
``"replicate"`` and ``"circular"`` pad with ``F.pad`` first, as PyTorch does (transposed
convolutions: ``"zeros"`` only, as in PyTorch).

Example:
    >>> conv = pn.nn.Conv2d(1, 8, 3, padding=1)
    >>> conv(pn.zeros(4, 1, 28, 28)).shape
    (4, 8, 28, 28)
"""
from __future__ import annotations

import math

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.conv import conv1d, conv2d, conv_padding, conv_transpose1d, conv_transpose2d
from ..ops.padding import pad
from ..ops.util import ntuple
from . import init
from .layers import check_float_input, empty_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, dtype, nd, transposed=False, output_padding=0):
        super().__init__()
        who = type(self).__name__
        argcheck.size(who, "in_channels", in_channels, self)
        argcheck.positive_int(who, "out_channels", out_channels)
        argcheck.positive_int(who, "groups", groups)
        argcheck.window(who, nd, kernel_size, stride, padding, dilation)
        argcheck.int_tuple(who, "output_padding", output_padding, nd, 0)
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        argcheck.one_of(who, "padding_mode", padding_mode, PADDING_MODES)
        if transposed and padding_mode != "zeros":
            raise ValueError(f"{who}: only 'zeros' padding_mode is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size")
        self.stride = ntuple(stride, nd, "stride")
        self.padding = padding if isinstance(padding, str) else ntuple(padding, nd, "padding")
        self.dilation = ntuple(dilation, nd, "dilation")
        self.output_padding = ntuple(output_padding, nd, "output_padding")
        self.padding_mode, self.transposed = padding_mode, transposed
        if isinstance(padding, str):  # fail at construction, as PyTorch does
            conv_padding(padding, self.kernel_size, self.dilation, self.stride, type(self).__name__)
        # F.pad's (left, right) pairs from the last axis, for the non-zeros padding modes
        rp = []
        for a in reversed(range(nd)):
            if isinstance(padding, str):
                total = 0 if padding == "valid" else self.dilation[a] * (self.kernel_size[a] - 1)
                rp += [total // 2, total - total // 2]
            else:
                rp += [self.padding[a]] * 2
        self._reversed_padding_repeated_twice = tuple(rp)
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = empty_parameter(shape, dtype)
        if bias:
            self.bias = empty_parameter((out_channels,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's default: Kaiming-uniform with a=sqrt(5) (i.e. U(+-1/sqrt(fan_in))), bias
        # U(+-1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel_size)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            b = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -b, b)

    def _check(self, x):
        if isinstance(x, Tensor) and (x.dtype != self.weight.dtype or x._bk is not self.weight._bk):
            check_float_input(self, x, self.weight)

    def _padded(self, x):
        """``(input, padding)`` for the convolution: a non-zeros ``padding_mode`` pads here."""
        if self.padding_mode == "zeros" or not isinstance(x, Tensor):
            return x, self.padding
        return pad(x, self._reversed_padding_repeated_twice, self.padding_mode), 0

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.kernel_size):
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer over ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)``.

    Args:
        in_channels, out_channels, kernel_size, stride=1, padding=0 (int, pair, ``"same"``,
        ``"valid"``), dilation=1, groups=1, bias=True, padding_mode="zeros", dtype=None.

    Shape: ``weight`` ``(C_out, C_in/groups, KH, KW)``, ``bias`` ``(C_out,)``;
    ``H_out = (H + 2*padding - dilation*(KH-1) - 1) // stride + 1``.

    Example:
        >>> pn.nn.Conv2d(3, 16, 3, stride=2, padding=1)(pn.zeros(2, 3, 32, 32)).shape
        (2, 16, 16, 16)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 2)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        x, padding = self._padded(x)
        return conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups, _who=self._label())


class Conv1d(_ConvNd):
    """1-D convolution layer over ``(N, C_in, L)`` -> ``(N, C_out, L_out)``.

    Same arguments as :class:`Conv2d` with single ints; ``weight`` ``(C_out, C_in/groups, K)``.

    Example:
        >>> pn.nn.Conv1d(4, 8, 5, padding="same")(pn.zeros(2, 4, 50)).shape
        (2, 8, 50)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 1)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        x, padding = self._padded(x)
        return conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups, _who=self._label())


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution ("deconvolution"), the adjoint of :class:`Conv2d`.

    Args:
        in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
        groups=1, bias=True, dilation=1, padding_mode="zeros", dtype=None.

    Shape: ``weight`` ``(C_in, C_out/groups, KH, KW)`` (PyTorch's layout);
    ``H_out = (H-1)*stride - 2*padding + dilation*(KH-1) + output_padding + 1``.

    Example:
        >>> pn.nn.ConvTranspose2d(16, 8, 2, stride=2)(pn.zeros(1, 16, 7, 7)).shape
        (1, 8, 14, 14)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 2, transposed=True, output_padding=output_padding)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation, _who=self._label())


class ConvTranspose1d(_ConvNd):
    """Transposed 1-D convolution over ``(N, C_in, L)``; arguments as :class:`ConvTranspose2d`
    with single ints, ``weight`` ``(C_in, C_out/groups, K)``.

    Example:
        >>> pn.nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)(pn.zeros(1, 8, 10)).shape
        (1, 4, 20)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose1d: padding must be ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, dtype, 1, transposed=True, output_padding=output_padding)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return conv_transpose1d(x, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation, _who=self._label())
