"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``
(functions: ``ops/pool.py``).

PyTorch's names, arguments and defaults (``stride`` defaults to ``kernel_size``).
Departures: ``ceil_mode=True`` and ``return_indices=True`` are not supported (a clear
error says so); inputs must be batched.

Example:
    >>> pn.nn.MaxPool2d(2)(pn.zeros(4, 8, 28, 28)).shape
    (4, 8, 14, 14)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d, no_ceil_mode
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"]


class _Pool(Module):
    def extra_repr(self) -> str:
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._repr_keys)


class MaxPool2d(_Pool):
    """Max pooling over ``(N, C, H, W)``.

    Args: kernel_size, stride=None (= kernel_size), padding=0 (``-inf``), dilation=1,
    return_indices=False, ceil_mode=False.

    Example:
        >>> pn.nn.MaxPool2d(3, stride=2, padding=1)(pn.zeros(1, 4, 8, 8)).shape
        (1, 4, 4, 4)
    """
    _repr_keys = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        no_ceil_mode(ceil_mode or return_indices, "MaxPool2d")
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          _who=self._label())


class MaxPool1d(MaxPool2d):
    """Max pooling over ``(N, C, L)``; same arguments as :class:`MaxPool2d` with ints.

    Example:
        >>> pn.nn.MaxPool1d(2)(pn.zeros(1, 4, 10)).shape
        (1, 4, 5)
    """

    def forward(self, x: Tensor) -> Tensor:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          _who=self._label())


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
        no_ceil_mode(ceil_mode, "AvgPool2d")
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, False,
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
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size, _who=self._label())
