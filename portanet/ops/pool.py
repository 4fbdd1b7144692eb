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

__all__ = ["max_pool1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "ceil_pads",
           "max_indices"]


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


def ceil_pads(size, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    """``(before, after)`` padding of one axis; ``ceil_mode`` adds the extra ``after`` pixels
    that PyTorch's rounding-up output size reads (a last window starting inside the
    input or its left padding, never one that starts in the right padding)."""
    if not ceil_mode:
        return (padding, padding)
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + padding:
        out -= 1
    return (padding, padding + max(0, (out - 1) * stride - span))


def max_indices(xp, x, kernel, stride, pads, dilation):
    """Flat ``h * W + w`` input index of each window's first maximum (``return_indices``).

    Not differentiable and not saved for backward: a second pass over the windows that
    keeps, beside the running maximum, the offset ``k`` of the first window slice that
    beat it (PyTorch's choice among ties), then maps it to input coordinates.
    """
    xpad, sl = _windows(xp, x, kernel, stride, dilation, pads, -float("inf"))
    dev = device_of(x)
    best, k = xpad[sl[0]], xp.zeros(xpad[sl[0]].shape, dtype=xp.int64, device=dev)
    for i, s in enumerate(sl[1:], 1):
        v = xpad[s]
        better = v > best
        best = xp.where(better, v, best)
        k = xp.where(better, xp.asarray(i, dtype=xp.int64, device=dev), k)
    oh, ow = best.shape[2], best.shape[3]
    rows = xp.arange(oh, dtype=xp.int64, device=dev) * stride[0] - pads[0]
    cols = xp.arange(ow, dtype=xp.int64, device=dev) * stride[1] - pads[2]
    r = rows[:, None] + (k // kernel[1]) * dilation[0]
    c = cols[None, :] + (k % kernel[1]) * dilation[1]
    return r * x.shape[3] + c


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool2d"):
    """Max over ``kernel_size`` windows of ``(N, C, H, W)``; stride defaults to the kernel.

    ``ceil_mode=True`` rounds the output size up (PyTorch's rule: a last window must start
    inside the input or its left padding); ``return_indices=True`` returns ``(values,
    indices)`` with each maximum's flat ``h * W + w`` index in the input (for ``max_unpool2d``).

    Example:
        >>> F.max_pool2d(pn.zeros(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    argcheck.window(_who, 2, kernel_size, stride, padding, dilation)
    _check_ndim(input, 2, _who)
    kernel = ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, 2, "stride")
    padding, dilation = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    _check_window(input.shape, kernel, padding, dilation, _who)
    pads = sum((ceil_pads(input.shape[2 + a], kernel[a], stride[a], padding[a], dilation[a],
                          ceil_mode) for a in range(2)), ())
    y = MaxPool2d.apply(input, kernel=kernel, stride=stride, dilation=dilation, pads=pads)
    if not return_indices:
        return y
    idx = max_indices(input._bk.xp, input.array, kernel, stride, pads, dilation)
    return y, Tensor.from_array(idx, input._bk)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool1d"):
    """Max over windows of ``(N, C, L)`` (runs as a 2-D pool of height 1); ``ceil_mode``
    and ``return_indices`` as :func:`max_pool2d` (indices into ``L``).

    Example:
        >>> F.max_pool1d(pn.zeros(1, 1, 10), 3).shape
        (1, 1, 3)
    """
    argcheck.window(_who, 1, kernel_size, stride, padding, dilation)
    _check_ndim(input, 1, _who)
    n, c, length = input.shape
    k = ntuple(kernel_size, 1, "kernel_size")[0]
    s = k if stride is None else ntuple(stride, 1, "stride")[0]
    p, d = ntuple(padding, 1, "padding")[0], ntuple(dilation, 1, "dilation")[0]
    _check_window((n, c, 1, length), (1, k), (0, p), (1, d), _who, nd=1)
    x4 = reshape(input, (n, c, 1, length))
    pads = (0, 0) + ceil_pads(length, k, s, p, d, ceil_mode)
    y = MaxPool2d.apply(x4, kernel=(1, k), stride=(1, s), pads=pads, dilation=(1, d))
    y = reshape(y, (n, c, y.shape[3]))
    if not return_indices:
        return y
    idx = max_indices(input._bk.xp, x4.array, (1, k), (1, s), pads, (1, d))
    return y, Tensor.from_array(idx[:, :, 0, :], input._bk)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, _who="avg_pool2d"):
    """Mean over ``kernel_size`` windows of ``(N, C, H, W)`` (zero padding).

    ``count_include_pad=True`` (PyTorch's default) divides by the window size clipped to
    the padded input; ``False`` by the number of real pixels in each window;
    ``divisor_override`` by that number.  ``ceil_mode=True`` rounds the output size up.

    Example:
        >>> F.avg_pool2d(pn.ones(1, 1, 4, 4), 2).shape
        (1, 1, 2, 2)
    """
    argcheck.window(_who, 2, kernel_size, stride, padding)
    if divisor_override is not None:
        argcheck.positive_int(_who, "divisor_override", divisor_override)
    _check_ndim(input, 2, _who)
    kernel = ntuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, 2, "stride")
    padding = ntuple(padding, 2, "padding")
    _check_window(input.shape, kernel, padding, (1, 1), _who)
    pads = sum((ceil_pads(input.shape[2 + a], kernel[a], stride[a], padding[a], 1, ceil_mode)
                for a in range(2)), ())
    extra = (pads[1] - padding[0], pads[3] - padding[1])  # ceil_mode's overhang, never counted
    if divisor_override is not None:
        divisor = float(divisor_override)
    elif extra == (0, 0) and (count_include_pad or padding == (0, 0)):
        divisor = float(kernel[0] * kernel[1])
    else:
        # count the pixels each window covers: the same pool over ones, on the input
        # (count_include_pad=False) or on the input and its zero padding (True; PyTorch
        # counts the padding but not ceil_mode's overhang)
        bk = input._bk
        h, w = input.shape[2], input.shape[3]
        if count_include_pad:
            shape, ones_pads = (h + 2 * padding[0], w + 2 * padding[1]), (0, extra[0], 0, extra[1])
        else:
            shape, ones_pads = (h, w), pads
        ones = bk.xp.ones((1, 1) + shape, dtype=input.array.dtype, device=bk.device)
        counts = AvgPool2d.apply(Tensor.from_array(ones, bk), kernel=kernel, stride=stride,
                                   pads=ones_pads, divisor=1.0)
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
