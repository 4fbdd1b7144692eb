"""Max and average pooling over strided windows (one slice per kernel offset), and
their functions (``max_pool2d`` ..., PyTorch's arguments).

Windows are stacked as ``(KH*KW, N, C, OH, OW)``; the reduction runs over axis 0.
Backward adds each offset's share back with the same strided slices (col2im), so a
pixel shared by overlapping windows sums its gradients.

Example:
    >>> y = MaxPool2d.apply(x, kernel=(2, 2), stride=(2, 2), pads=(0, 0, 0, 0), dilation=(1, 1))
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.fast import lookup
from ..backend.inplace import add_at, set_at
from .im2col import span
from .linalg import matmul
from .shape import reshape, transpose
from .util import device_of, ntuple

__all__ = ["max_pool1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "no_ceil_mode"]


def _windows(xp, x, kernel, stride, dilation, pads, value):
    """Padded ``x`` and the list of its ``KH*KW`` strided window slices."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = pads
    if pt or pb or pl or pr:
        xpad = xp.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype, device=device_of(x))
        xpad = set_at(xp, xpad, (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w)), x)
    else:
        xpad = x
    hp, wp = xpad.shape[2], xpad.shape[3]
    oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    rows = span(kernel[0], dilation[0], stride[0], oh)
    cols = span(kernel[1], dilation[1], stride[1], ow)
    sl = [(slice(None), slice(None), slice(r0, r1, stride[0]), slice(c0, c1, stride[1]))
          for r0, r1 in rows for c0, c1 in cols]
    return xpad, sl


def _disjoint(sl) -> bool:
    """True when no two window slices touch the same pixel (stride >= dilated kernel)."""
    (_, _, r0, c0), last = sl[0], sl[-1]
    return r0.step > last[2].start and c0.step > last[3].start


def _scatter(xp, parts, like_shape, pads, sl, dtype, device):
    """Sum ``parts[k]`` into window slice ``k`` of zeros ``like_shape``; crop the padding."""
    out = xp.zeros(like_shape, dtype=dtype, device=device)
    disjoint = _disjoint(sl)
    for s, p in zip(sl, parts):
        # non-overlapping windows (e.g. 2x2 stride 2): write, do not add
        out = set_at(xp, out, s, p) if disjoint else add_at(xp, out, s, p)
    pt, pb, pl, pr = pads
    if pt or pb or pl or pr:
        out = out[:, :, pt:out.shape[2] - pb, pl:out.shape[3] - pr]
    return out


class MaxPool2d(Function):
    """Max over each window; the gradient goes to the first maximum (PyTorch's choice).

    Padding is ``-inf``, so a padded position never wins.  Forward is a running
    ``maximum`` over the ``KH*KW`` strided views (no stacked copy, no argmax); backward
    re-finds the winners by equality, in window order, handing the gradient to the
    first one only (``rem`` is what is left to hand out).
    """

    def forward(self, xp, x, *, kernel, stride, pads, dilation):
        fast = lookup(xp, "max_pool2d")  # a backend's own kernel (portanet.kernels), if any
        if fast is not None:
            done = fast(x, kernel, stride, pads, dilation)
            if done is not None:
                y, self.fast = done
                return y
        xpad, sl = _windows(xp, x, kernel, stride, dilation, pads, -float("inf"))
        y = xpad[sl[0]]
        for s in sl[1:]:
            y = xp.maximum(y, xpad[s])
        self.xpad, self.y, self.sl, self.pads = xpad, y, sl, pads
        return y

    def backward(self, xp, g):
        if "fast" in self.__dict__:
            return (self.fast.backward(g),)
        xpad, y = self.xpad, self.y
        parts, rem = [], g
        for s in self.sl:
            part = rem * xp.astype(xpad[s] == y, g.dtype)
            parts.append(part)
            rem = rem - part
        return (_scatter(xp, parts, xpad.shape, self.pads, self.sl, g.dtype, device_of(g)),)


class AvgPool2d(Function):
    """Mean over each window; ``divisor`` is a Python number or an ``(OH, OW)`` raw array.

    Zero padding: with ``count_include_pad=True`` the divisor is ``KH*KW`` (PyTorch's
    default); otherwise the caller passes the per-window count of real pixels.
    """

    def forward(self, xp, x, *, kernel, stride, pads, divisor):
        fast = lookup(xp, "avg_pool2d")  # a backend's own kernel (portanet.kernels), if any
        if fast is not None:
            done = fast(x, kernel, stride, pads, divisor)
            if done is not None:
                y, self.fast = done
                return y
        xpad, sl = _windows(xp, x, kernel, stride, (1, 1), pads, 0.0)
        total = xpad[sl[0]]
        for s in sl[1:]:
            total = total + xpad[s]
        self.divisor, self.sl, self.pads, self.pshape = divisor, sl, pads, xpad.shape
        return total / divisor

    def backward(self, xp, g):
        if "fast" in self.__dict__:
            return (self.fast.backward(g), None)
        share = g / self.divisor
        parts = [share] * len(self.sl)
        return (_scatter(xp, parts, self.pshape, self.pads, self.sl, g.dtype, device_of(g)), None)


# ------------------------------------------------------------------ functions
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


def no_ceil_mode(ceil_mode, who) -> None:
    """Raise for ``ceil_mode=True`` (not supported), naming ``who``."""
    if ceil_mode:
        raise ValueError(f"{who}: ceil_mode=True is not supported")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool2d"):
    """Max over ``kernel_size`` windows of ``(N, C, H, W)``; stride defaults to the kernel.

    Example:
        >>> F.max_pool2d(pn.zeros(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    argcheck.window(_who, 2, kernel_size, stride, padding, dilation)
    no_ceil_mode(ceil_mode or return_indices, _who)
    _check_ndim(input, 2, _who)
    kernel = ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, 2, "stride")
    padding, dilation = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    _check_window(input.shape, kernel, padding, dilation, _who)
    return MaxPool2d.apply(input, kernel=kernel, stride=stride, dilation=dilation,
                             pads=(padding[0], padding[0], padding[1], padding[1]))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool1d"):
    """Max over windows of ``(N, C, L)`` (runs as a 2-D pool of height 1).

    Example:
        >>> F.max_pool1d(pn.zeros(1, 1, 10), 3).shape
        (1, 1, 3)
    """
    argcheck.window(_who, 1, kernel_size, stride, padding, dilation)
    no_ceil_mode(ceil_mode or return_indices, _who)
    _check_ndim(input, 1, _who)
    n, c, length = input.shape
    k = ntuple(kernel_size, 1, "kernel_size")[0]
    s = k if stride is None else ntuple(stride, 1, "stride")[0]
    p, d = ntuple(padding, 1, "padding")[0], ntuple(dilation, 1, "dilation")[0]
    _check_window((n, c, 1, length), (1, k), (0, p), (1, d), _who, nd=1)
    y = MaxPool2d.apply(reshape(input, (n, c, 1, length)), kernel=(1, k), stride=(1, s),
                          pads=(0, 0, p, p), dilation=(1, d))
    return reshape(y, (n, c, y.shape[3]))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, _who="avg_pool2d"):
    """Mean over ``kernel_size`` windows of ``(N, C, H, W)`` (zero padding).

    ``count_include_pad=True`` (PyTorch's default) divides by the full window size;
    ``False`` by the number of real pixels in each window.

    Example:
        >>> F.avg_pool2d(pn.ones(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    argcheck.window(_who, 2, kernel_size, stride, padding)
    if divisor_override is not None:
        argcheck.positive_int(_who, "divisor_override", divisor_override)
    no_ceil_mode(ceil_mode, _who)
    _check_ndim(input, 2, _who)
    kernel = ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, 2, "stride")
    padding = ntuple(padding, 2, "padding")
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
        counts = AvgPool2d.apply(Tensor.from_array(ones, bk), kernel=kernel, stride=stride,
                                   pads=pads, divisor=1.0)
        divisor = counts.array[0, 0, ...]
    return AvgPool2d.apply(input, kernel=kernel, stride=stride, pads=pads, divisor=divisor)


def _adaptive_matrix(n_in: int, n_out: int, like: Tensor) -> Tensor:
    """``(n_out, n_in)`` averaging matrix: row i averages [floor(i*n/m), ceil((i+1)*n/m))."""
    rows = []
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        rows.append([1.0 / (hi - lo) if lo <= j < hi else 0.0 for j in range(n_in)])
    return Tensor.from_array(like._bk.asarray(rows, like.dtype), like._bk)


def adaptive_avg_pool2d(input, output_size, _who="adaptive_avg_pool2d"):
    """Average pooling to a fixed output size, with PyTorch's window boundaries.

    Computed as ``A_h @ x @ A_w.T`` with constant averaging matrices: two matmuls, exact,
    and differentiable without a dedicated primitive.

    Example:
        >>> F.adaptive_avg_pool2d(pn.ones(2, 3, 7, 9), (2, 3)).shape
        (2, 3, 2, 3)
    """
    _check_ndim(input, 2, _who)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2 or not all(n is None or argcheck.is_int(n) for n in sizes):
        raise TypeError(f"{_who}: output_size must be an int or a pair of ints (or None), got "
                        f"{output_size!r}")
    if any(n is not None and n < 1 for n in sizes):
        raise ValueError(f"{_who}: output_size must be positive, got {output_size!r}")
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    h, w = input.shape[2], input.shape[3]
    oh, ow = h if oh is None else oh, w if ow is None else ow
    y = input if oh == h else matmul(_adaptive_matrix(h, oh, input), input)
    if ow != w:
        y = matmul(y, transpose(_adaptive_matrix(w, ow, input)))
    return y
