"""Convolution layers (``Conv1d``, ``Conv2d``, ``ConvTranspose2d``) and their functions.

PyTorch's names, arguments, defaults, weight shapes and initialization.  Departures:
inputs must be batched (PyTorch also accepts an unbatched ``(C, H, W)``; here that is
an error, since it is more often a forgotten batch axis), and ``padding_mode`` is
``"zeros"`` only.

Example:
    >>> conv = pn.nn.Conv2d(1, 8, 3, padding=1)
    >>> conv(pn.zeros(4, 1, 28, 28)).shape
    (4, 8, 28, 28)
"""
from __future__ import annotations

import math

from .. import argcheck
from .. import ops
from ..autograd.tensor import Tensor
from ..ops import conv as C
from . import init
from .layers import check_float_input, empty_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "conv1d", "conv2d", "conv_transpose2d"]


def _tuple(v, n: int, name: str) -> tuple:
    t = (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)
    if len(t) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return t


def _pads(padding, kernel, dilation, stride, who) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for int/tuple padding or ``"same"``/``"valid"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{who}: padding must be 'same', 'valid' or ints, got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{who}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)  # PyTorch puts the odd extra pixel at the end
            out += [total // 2, total - total // 2]
        return tuple(out)
    ph, pw = _tuple(padding, 2, "padding")
    return (ph, ph, pw, pw)


def _conv2d(x, weight, bias, stride, padding, dilation, groups, who, nd=2):
    """Check shapes (errors name ``who`` and the shapes), then run the fused primitive."""
    wshape = weight.shape
    names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != nd + 2:
        raise ValueError(f"{who} expected a {nd + 2}-D input {names}, got a {x.ndim}-D input "
                         f"of shape {x.shape}" + (" (add a batch axis: x[None])"
                                                  if x.ndim == nd + 1 else ""))
    if x.shape[1] != wshape[1] * groups:
        raise ValueError(f"{who} expected input with {wshape[1] * groups} channels, got shape "
                         f"{x.shape} (weight of shape {wshape}, groups={groups})")
    if nd == 1:
        x = ops.reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))
        weight = ops.reshape(weight, (wshape[0], wshape[1], 1, wshape[2]))
    kernel = tuple(weight.shape[2:])
    pads = _pads(padding, kernel, dilation, stride, who)
    for ax, (k, d, p0, p1) in enumerate(zip(kernel, dilation, pads[::2], pads[1::2])):
        if d * (k - 1) + 1 > x.shape[2 + ax] + p0 + p1:
            shape = x.shape if nd == 2 else (x.shape[0], x.shape[1], x.shape[3])
            pad = padding if isinstance(padding, str) or nd == 2 else padding[1:]
            raise ValueError(
                f"{who}: kernel size {tuple(wshape[2:])} (dilation {dilation[-nd:]}) is larger than "
                f"the padded input: input shape {shape}, padding {pad!r}")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = C.Conv2d.apply(*args, stride=stride, pads=pads, dilation=dilation, groups=groups)
    if nd == 1:
        y = ops.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))
    return y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of ``(N, C, H, W)`` with ``(O, C/groups, KH, KW)``.

    Args:
        padding: int, pair, ``"valid"`` (none) or ``"same"`` (output size = input size,
            stride 1 only).

    Example:
        >>> F.conv2d(pn.ones(1, 1, 4, 4), pn.ones(2, 1, 3, 3), padding=1).shape
        (1, 2, 4, 4)
    """
    argcheck.window("conv2d", 2, 1, stride, padding, dilation)
    argcheck.positive_int("conv2d", "groups", groups)
    return _conv2d(input, weight, bias, _tuple(stride, 2, "stride"), padding,
                   _tuple(dilation, 2, "dilation"), groups, "conv2d")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of ``(N, C, L)`` with ``(O, C/groups, K)`` (runs as a 2-D one of height 1).

    Example:
        >>> F.conv1d(pn.ones(1, 2, 10), pn.ones(4, 2, 3)).shape
        (1, 4, 8)
    """
    argcheck.window("conv1d", 1, 1, stride, padding, dilation)
    argcheck.positive_int("conv1d", "groups", groups)
    pad = padding if isinstance(padding, str) else (0, _tuple(padding, 1, "padding")[0])
    return _conv2d(input, weight, bias, (1,) + _tuple(stride, 1, "stride"), pad,
                   (1,) + _tuple(dilation, 1, "dilation"), groups, "conv1d", nd=1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution; weight ``(C_in, C_out/groups, KH, KW)``.

    Output size ``(H-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1``.

    Example:
        >>> F.conv_transpose2d(pn.ones(1, 4, 5, 5), pn.ones(4, 2, 3, 3), stride=2).shape
        (1, 2, 11, 11)
    """
    argcheck.window("conv_transpose2d", 2, 1, stride, padding, dilation)
    argcheck.int_tuple("conv_transpose2d", "output_padding", output_padding, 2, 0)
    argcheck.positive_int("conv_transpose2d", "groups", groups)
    return _conv_transpose2d(input, weight, bias, _tuple(stride, 2, "stride"),
                             _tuple(padding, 2, "padding"), _tuple(output_padding, 2, "output_padding"),
                             groups, _tuple(dilation, 2, "dilation"), "conv_transpose2d")


def _conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation, who):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{who} expected a 4-D input (N, C, H, W), got a {x.ndim}-D input of "
                         f"shape {x.shape}")
    if x.shape[1] != weight.shape[0]:
        raise ValueError(f"{who} expected input with {weight.shape[0]} channels, got shape "
                         f"{x.shape} (weight of shape {weight.shape})")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{who}: output_padding {output_padding} must be smaller than "
                             f"stride {stride} or dilation {dilation}")
    for ax in range(2):
        k = weight.shape[2 + ax]
        size = (x.shape[2 + ax] - 1) * stride[ax] - 2 * padding[ax] + dilation[ax] * (k - 1) \
            + output_padding[ax] + 1
        if size <= 0:
            raise ValueError(f"{who}: padding {padding} leaves no output for input shape {x.shape} "
                             f"and weight shape {weight.shape}")
    args = (x, weight) if bias is None else (x, weight, bias)
    return C.ConvTranspose2d.apply(*args, stride=stride, padding=padding,
                                   output_padding=output_padding, dilation=dilation, groups=groups)


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
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode={padding_mode!r} is not supported (only 'zeros')")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size")
        self.stride = _tuple(stride, nd, "stride")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, nd, "padding")
        self.dilation = _tuple(dilation, nd, "dilation")
        self.output_padding = _tuple(output_padding, nd, "output_padding")
        self.padding_mode, self.transposed = padding_mode, transposed
        if isinstance(padding, str):  # fail at construction, as PyTorch does
            _pads(padding, self.kernel_size, self.dilation, self.stride, type(self).__name__)
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
        return _conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                       self.groups, self._label())


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
        pad = self.padding if isinstance(self.padding, str) else (0,) + self.padding
        return _conv2d(x, self.weight, self.bias, (1,) + self.stride, pad, (1,) + self.dilation,
                       self.groups, self._label(), nd=1)


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
        return _conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                 self.output_padding, self.groups, self.dilation, self._label())
