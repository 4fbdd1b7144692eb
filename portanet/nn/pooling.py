"""Pooling layers (``MaxPool1d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``).

PyTorch's names, arguments and defaults (``stride`` defaults to ``kernel_size``).
Departures: ``ceil_mode=True`` and ``return_indices=True`` are not supported (a clear
error says so); inputs must be batched.

Example:
    >>> pn.nn.MaxPool2d(2)(pn.zeros(4, 8, 28, 28)).shape
    (4, 8, 14, 14)
"""
from __future__ import annotations

from .. import ops
from ..autograd.tensor import Tensor
from ..ops import pool as P
from .conv import _tuple
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "max_pool1d", "max_pool2d",
           "avg_pool2d", "adaptive_avg_pool2d"]


def _check_ndim(x, nd, who):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != nd + 2:
        names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        raise ValueError(f"{who} expected a {nd + 2}-D input {names}, got a {x.ndim}-D input of "
                         f"shape {x.shape}")


def _check_window(shape, kernel, padding, dilation, who, nd=2):
    """``shape`` is the 4-D (N, C, H, W) view of the input; errors quote the user's sizes."""
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"{who}: padding {padding[-nd:]} should be at most half of kernel "
                             f"size {kernel[-nd:]}")
    for ax in range(2):
        if dilation[ax] * (kernel[ax] - 1) + 1 > shape[2 + ax] + 2 * padding[ax]:
            user = shape if nd == 2 else (shape[0], shape[1], shape[3])
            raise ValueError(f"{who}: kernel size {kernel[-nd:]} is larger than the padded input: "
                             f"input shape {user}, padding {padding[-nd:]}")


def _no_ceil(ceil_mode, who):
    if ceil_mode:
        raise ValueError(f"{who}: ceil_mode=True is not supported")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool2d"):
    """Max over ``kernel_size`` windows of ``(N, C, H, W)``; stride defaults to the kernel.

    Example:
        >>> F.max_pool2d(pn.zeros(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    _no_ceil(ceil_mode or return_indices, _who)
    _check_ndim(input, 2, _who)
    kernel = _tuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, 2, "stride")
    padding, dilation = _tuple(padding, 2, "padding"), _tuple(dilation, 2, "dilation")
    _check_window(input.shape, kernel, padding, dilation, _who)
    return P.MaxPool2d.apply(input, kernel=kernel, stride=stride, dilation=dilation,
                             pads=(padding[0], padding[0], padding[1], padding[1]))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool1d"):
    """Max over windows of ``(N, C, L)`` (runs as a 2-D pool of height 1).

    Example:
        >>> F.max_pool1d(pn.zeros(1, 1, 10), 3).shape
        (1, 1, 3)
    """
    _no_ceil(ceil_mode or return_indices, _who)
    _check_ndim(input, 1, _who)
    n, c, length = input.shape
    k = _tuple(kernel_size, 1, "kernel_size")[0]
    s = k if stride is None else _tuple(stride, 1, "stride")[0]
    p, d = _tuple(padding, 1, "padding")[0], _tuple(dilation, 1, "dilation")[0]
    _check_window((n, c, 1, length), (1, k), (0, p), (1, d), _who, nd=1)
    y = P.MaxPool2d.apply(ops.reshape(input, (n, c, 1, length)), kernel=(1, k), stride=(1, s),
                          pads=(0, 0, p, p), dilation=(1, d))
    return ops.reshape(y, (n, c, y.shape[3]))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, _who="avg_pool2d"):
    """Mean over ``kernel_size`` windows of ``(N, C, H, W)`` (zero padding).

    ``count_include_pad=True`` (PyTorch's default) divides by the full window size;
    ``False`` by the number of real pixels in each window.

    Example:
        >>> F.avg_pool2d(pn.ones(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    _no_ceil(ceil_mode, _who)
    _check_ndim(input, 2, _who)
    kernel = _tuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, 2, "stride")
    padding = _tuple(padding, 2, "padding")
    _check_window(input.shape, kernel, padding, (1, 1), _who)
    pads = (padding[0], padding[0], padding[1], padding[1])
    if divisor_override is not None:
        divisor = float(divisor_override)
    elif count_include_pad or padding == (0, 0):
        divisor = float(kernel[0] * kernel[1])
    else:
        # count real pixels per window: the same pool over an all-ones image of one channel
        bk = input._bk
        ones = bk.xp.ones((1, 1) + tuple(input.shape[2:]), dtype=input.array.dtype, device=bk.device)
        counts = P.AvgPool2d.apply(Tensor._wrap(ones, bk, False), kernel=kernel, stride=stride,
                                   pads=pads, divisor=1.0)
        divisor = counts.array[0, 0, ...]
    return P.AvgPool2d.apply(input, kernel=kernel, stride=stride, pads=pads, divisor=divisor)


def _adaptive_matrix(n_in: int, n_out: int, like: Tensor) -> Tensor:
    """``(n_out, n_in)`` averaging matrix: row i averages [floor(i*n/m), ceil((i+1)*n/m))."""
    rows = []
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        rows.append([1.0 / (hi - lo) if lo <= j < hi else 0.0 for j in range(n_in)])
    return Tensor._wrap(like._bk.asarray(rows, like.dtype), like._bk, False)


def adaptive_avg_pool2d(input, output_size, _who="adaptive_avg_pool2d"):
    """Average pooling to a fixed output size, with PyTorch's window boundaries.

    Computed as ``A_h @ x @ A_w.T`` with constant averaging matrices: two matmuls, exact,
    and differentiable without a dedicated primitive.

    Example:
        >>> F.adaptive_avg_pool2d(pn.ones(2, 3, 7, 9), (2, 3)).shape
        (2, 3, 2, 3)
    """
    _check_ndim(input, 2, _who)
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    h, w = input.shape[2], input.shape[3]
    oh, ow = h if oh is None else oh, w if ow is None else ow
    y = input if oh == h else ops.matmul(_adaptive_matrix(h, oh, input), input)
    if ow != w:
        y = ops.matmul(y, ops.transpose(_adaptive_matrix(w, ow, input)))
    return y


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
        _no_ceil(ceil_mode or return_indices, "MaxPool2d")
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
        _no_ceil(ceil_mode, "AvgPool2d")
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
