"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``,
``AdaptiveMaxPool1d/2d``, ``LPPool1d/2d``, ``MaxUnpool1d/2d`` (functions: ``ops/pool.py``,
``ops/pool_extra.py``).

PyTorch's names, arguments, defaults (``stride`` defaults to ``kernel_size``) and reprs.
Departures: inputs must be batched; ``MaxUnpool`` needs indices from a max pool with the
same window (see ``F.max_unpool2d``).

Example:
    >>> pn.nn.MaxPool2d(2)(pn.zeros(4, 8, 28, 28)).shape
    (4, 8, 14, 14)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d
from ..ops.pool_extra import (adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool2d,
                              avg_pool1d, lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d)
from ..ops.util import ntuple
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d", "LPPool2d",
           "MaxUnpool1d", "MaxUnpool2d"]


class _Pool(Module):
    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._repr_keys)


class MaxPool2d(_Pool):
    """Max pooling over ``(N, C, H, W)``.

    Args: kernel_size, stride=None (= kernel_size), padding=0 (``-inf``), dilation=1,
    return_indices=False (True: also the flat index of each maximum, for ``MaxUnpool2d``),
    ceil_mode=False (True: round the output size up).

    Example:
        >>> pn.nn.MaxPool2d(3, stride=2, padding=1)(pn.zeros(1, 4, 8, 8)).shape
        (1, 4, 4, 4)
    """
    _repr_keys = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        argcheck.window(type(self).__name__, self._nd, kernel_size, stride, padding, dilation)
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices, _who=self._label())


class MaxPool1d(MaxPool2d):
    """Max pooling over ``(N, C, L)``; same arguments as :class:`MaxPool2d` with ints.

    Example:
        >>> pn.nn.MaxPool1d(2)(pn.zeros(1, 4, 10)).shape
        (1, 4, 5)
    """
    _nd = 1

    def forward(self, x: Tensor) -> Tensor:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices, _who=self._label())


class AvgPool2d(_Pool):
    """Average pooling over ``(N, C, H, W)``.

    Args: kernel_size, stride=None (= kernel_size), padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None.

    Example:
        >>> pn.nn.AvgPool2d(2)(pn.zeros(1, 4, 8, 8)).shape
        (1, 4, 4, 4)
    """
    _repr_keys = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        argcheck.window("AvgPool2d", 2, kernel_size, stride, padding)
        if divisor_override is not None:
            argcheck.positive_int("AvgPool2d", "divisor_override", divisor_override)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override, _who=self._label())


class AdaptiveAvgPool2d(_Pool):
    """Average pooling to ``output_size`` (int, pair, or ``None`` entries = keep that size).

    Example:
        >>> pn.nn.AdaptiveAvgPool2d(1)(pn.zeros(2, 16, 7, 7)).shape
        (2, 16, 1, 1)
    """
    _repr_keys = ("output_size",)

    def __init__(self, output_size):
        super().__init__()
        sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
        if len(sizes) != 2 or not all(n is None or argcheck.is_int(n) for n in sizes):
            raise TypeError("AdaptiveAvgPool2d: output_size must be an int or a pair of ints "
                            f"(or None), got {output_size!r}")
        if any(n is not None and n < 1 for n in sizes):
            raise ValueError(f"AdaptiveAvgPool2d: output_size must be positive, got {output_size!r}")
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size, _who=self._label())


class AvgPool1d(_Pool):
    """Average pooling over ``(N, C, L)``; arguments as :class:`AvgPool2d` with ints (no
    ``divisor_override``, as in PyTorch).

    Example:
        >>> pn.nn.AvgPool1d(3, stride=2)(pn.zeros(1, 4, 9)).shape
        (1, 4, 4)
    """
    _repr_keys = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        argcheck.window("AvgPool1d", 1, kernel_size, stride, padding)
        self.kernel_size = ntuple(kernel_size, 1, "kernel_size")
        self.stride = self.kernel_size if stride is None else ntuple(stride, 1, "stride")
        self.padding = ntuple(padding, 1, "padding")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)


def _output_size(who, output_size, nd):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd or not all(n is None or argcheck.is_int(n) for n in sizes):
        raise TypeError(f"{who}: output_size must be an int or a tuple of {nd} ints (or None), "
                        f"got {output_size!r}")
    if any(n is not None and n < 1 for n in sizes):
        raise ValueError(f"{who}: output_size must be positive, got {output_size!r}")
    return output_size


class AdaptiveAvgPool1d(_Pool):
    """Average pooling of ``(N, C, L)`` to ``output_size`` windows.

    Example:
        >>> pn.nn.AdaptiveAvgPool1d(4)(pn.zeros(2, 3, 10)).shape
        (2, 3, 4)
    """
    _repr_keys = ("output_size",)

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _output_size("AdaptiveAvgPool1d", output_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool1d(x, self.output_size)


class AdaptiveMaxPool2d(_Pool):
    """Max pooling of ``(N, C, H, W)`` to ``output_size`` (int, pair, ``None`` = keep);
    ``return_indices=True`` also returns each maximum's flat index.

    Example:
        >>> pn.nn.AdaptiveMaxPool2d((2, 3))(pn.zeros(1, 4, 7, 7)).shape
        (1, 4, 2, 3)
    """
    _repr_keys = ("output_size",)
    _nd = 2

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = _output_size(type(self).__name__, output_size, self._nd)
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_max_pool2d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of ``(N, C, L)`` to ``output_size`` windows (``return_indices`` into ``L``).

    Example:
        >>> pn.nn.AdaptiveMaxPool1d(3)(pn.zeros(1, 4, 10)).shape
        (1, 4, 3)
    """
    _nd = 1

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_max_pool1d(x, self.output_size, self.return_indices)


class LPPool2d(_Pool):
    """Power-average pooling ``(sum of x**p over the window) ** (1/p)`` of ``(N, C, H, W)``.

    Args: norm_type (p), kernel_size, stride=None (= kernel_size), ceil_mode=False.

    Example:
        >>> pn.nn.LPPool2d(2, 3, stride=2)(pn.ones(1, 1, 7, 7)).shape
        (1, 1, 3, 3)
    """
    _repr_keys = ("norm_type", "kernel_size", "stride", "ceil_mode")
    _nd = 2

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        who = type(self).__name__
        argcheck.real(who, "norm_type", norm_type, lo=0, lo_open=True)
        argcheck.window(who, self._nd, kernel_size, stride)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(LPPool2d):
    """Power-average pooling of ``(N, C, L)``; see :class:`LPPool2d`.

    Example:
        >>> pn.nn.LPPool1d(2, 3)(pn.ones(1, 1, 9)).shape
        (1, 1, 3)
    """
    _nd = 1

    def forward(self, x: Tensor) -> Tensor:
        return lp_pool1d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool2d(_Pool):
    """Partial inverse of :class:`MaxPool2d`: ``forward(x, indices, output_size=None)`` puts
    each value back at its index of a zero image.

    Example:
        >>> y, i = pn.nn.MaxPool2d(2, return_indices=True)(pn.ones(1, 1, 4, 4))
        >>> pn.nn.MaxUnpool2d(2)(y, i).shape
        (1, 1, 4, 4)
    """
    _repr_keys = ("kernel_size", "stride", "padding")
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd = self._nd
        argcheck.window(type(self).__name__, nd, kernel_size, stride, padding)
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size")
        self.stride = self.kernel_size if stride is None else ntuple(stride, nd, "stride")
        self.padding = ntuple(padding, nd, "padding")

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(MaxUnpool2d):
    """Partial inverse of :class:`MaxPool1d`.

    Example:
        >>> y, i = pn.nn.MaxPool1d(2, return_indices=True)(pn.ones(1, 1, 6))
        >>> pn.nn.MaxUnpool1d(2)(y, i).shape
        (1, 1, 6)
    """
    _nd = 1

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return max_unpool1d(x, indices, self.kernel_size, self.stride, self.padding, output_size)
