"""More pooling, built on ``pool.py``: ``avg_pool1d``, ``adaptive_avg_pool1d``,
``adaptive_max_pool1d/2d`` (with ``return_indices``), ``lp_pool1d/2d`` and
``max_unpool1d/2d``, with PyTorch's arguments.

Adaptive max pooling is separable: the maximum over a rectangle is the maximum over its
rows of the maxima over its columns, and taking the first maximum along the columns, then
the first along the rows, gives PyTorch's row-major first maximum on ties.  Each axis is
one :class:`AdaptiveMaxAxis` node: one slice and ``argmax`` per output position (the
window bounds differ per position), the gradient added back into each window slice.

Example:
    >>> F.adaptive_max_pool2d(pn.zeros(1, 2, 7, 7), 3).shape
    (1, 2, 3, 3)
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.inplace import add_at, set_at
from .im2col import span
from .linalg import matmul
from .pool import _adaptive_matrix, _check_ndim, _check_window, avg_pool2d
from .shape import reshape, transpose
from .util import device_of, ntuple

__all__ = ["avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "lp_pool1d", "lp_pool2d", "max_unpool1d", "max_unpool2d"]


def _bounds(n_in, n_out):
    """PyTorch's adaptive windows: ``[floor(i*n/m), ceil((i+1)*n/m))``."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def _at(ndim, axis, sl):
    return tuple(sl if a == axis else slice(None) for a in range(ndim))


def _first_max(xp, x, axis, bounds):
    """Index along ``axis`` of the first maximum of each window ``[lo, hi)`` of ``bounds``."""
    return xp.concat([xp.argmax(x[_at(x.ndim, axis, slice(lo, hi))], axis=axis, keepdims=True) + lo
                      for lo, hi in bounds], axis=axis)


class AdaptiveMaxAxis(Function):
    """Pick ``x`` at ``idx`` along ``axis`` (the windows' first maxima); backward adds each
    output's gradient back at its index, one window slice at a time."""

    saves_inputs = False

    def forward(self, xp, x, *, idx, axis, bounds):
        self.idx, self.bounds, self.axis, self.xshape = idx, bounds, axis, x.shape
        return xp.take_along_axis(x, idx, axis=axis)

    def backward(self, xp, g):
        axis, nd, dev = self.axis, g.ndim, device_of(g)
        gx = xp.zeros(self.xshape, dtype=g.dtype, device=dev)
        zero = xp.zeros((), dtype=g.dtype, device=dev)
        shape = [1] * nd
        for i, (lo, hi) in enumerate(self.bounds):
            shape[axis] = hi - lo
            pos = xp.reshape(xp.arange(lo, hi, dtype=self.idx.dtype, device=dev), tuple(shape))
            sel = _at(nd, axis, slice(i, i + 1))
            gx = add_at(xp, gx, _at(nd, axis, slice(lo, hi)), xp.where(pos == self.idx[sel], g[sel], zero))
        return (gx,)


def _adaptive_max(x, axis, n_out):
    """(values, raw indices) of adaptive max pooling along one axis."""
    bounds = _bounds(x.shape[axis], n_out)
    idx = _first_max(x._bk.xp, x.array, axis, bounds)
    return AdaptiveMaxAxis.apply(x, idx=idx, axis=axis, bounds=bounds), idx


def _sizes(who, output_size, nd, shape):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd or not all(n is None or argcheck.is_int(n) for n in sizes):
        raise TypeError(f"{who}: output_size must be an int or a tuple of {nd} ints (or None), got "
                        f"{output_size!r}")
    if any(n is not None and n < 1 for n in sizes):
        raise ValueError(f"{who}: output_size must be positive, got {output_size!r}")
    return [shape[-nd + a] if n is None else int(n) for a, n in enumerate(sizes)]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, H, W)`` to ``output_size``, PyTorch's window bounds; with
    ``return_indices=True`` also the flat ``h * W + w`` index of each maximum.

    Example:
        >>> F.adaptive_max_pool2d(pn.zeros(2, 3, 7, 9), (2, 3)).shape
        (2, 3, 2, 3)
    """
    who = "adaptive_max_pool2d"
    _check_ndim(input, 2, who)
    oh, ow = _sizes(who, output_size, 2, input.shape)
    yw, iw = _adaptive_max(input, 3, ow)   # (N, C, H, OW): first max along each row window
    y, ih = _adaptive_max(yw, 2, oh)       # (N, C, OH, OW): then the first such row
    if not return_indices:
        return y
    cols = input._bk.xp.take_along_axis(iw, ih, axis=2)
    return y, Tensor.from_array(ih * input.shape[3] + cols, input._bk)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, L)`` to ``output_size`` windows (``return_indices`` into ``L``).

    Example:
        >>> F.adaptive_max_pool1d(pn.zeros(2, 3, 10), 4).shape
        (2, 3, 4)
    """
    who = "adaptive_max_pool1d"
    _check_ndim(input, 1, who)
    (n,) = _sizes(who, output_size, 1, input.shape)
    y, idx = _adaptive_max(input, 2, n)
    return (y, Tensor.from_array(idx, input._bk)) if return_indices else y


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of ``(N, C, L)`` to ``output_size`` windows (a matrix product).

    Example:
        >>> F.adaptive_avg_pool1d(pn.ones(2, 3, 10), 4).shape
        (2, 3, 4)
    """
    who = "adaptive_avg_pool1d"
    _check_ndim(input, 1, who)
    (n,) = _sizes(who, output_size, 1, input.shape)
    if n == input.shape[2]:
        return input
    return matmul(input, transpose(_adaptive_matrix(input.shape[2], n, input)))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of ``(N, C, L)`` (runs as a 2-D pool of height 1); arguments as
    :func:`avg_pool2d` (no ``divisor_override``, as in PyTorch).

    Example:
        >>> F.avg_pool1d(pn.ones(1, 2, 9), 3).shape
        (1, 2, 3)
    """
    who = "avg_pool1d"
    argcheck.window(who, 1, kernel_size, stride, padding)
    _check_ndim(input, 1, who)
    n, c, length = input.shape
    k = ntuple(kernel_size, 1, "kernel_size")[0]
    s = k if stride is None else ntuple(stride, 1, "stride")[0]
    p = ntuple(padding, 1, "padding")[0]
    _check_window((n, c, 1, length), (1, k), (0, p), (1, 1), who, nd=1)
    y = avg_pool2d(reshape(input, (n, c, 1, length)), (1, k), (1, s), (0, p), ceil_mode,
                   count_include_pad, _who=who)
    return reshape(y, (n, c, y.shape[3]))


def _lp(out, norm_type, ksize):
    # PyTorch: (sign(s) * relu(|s|) * K) ** (1/p) with s the window mean of x**p; for real s
    # sign(s) * relu(|s|) is s (it only guards the power's domain), so: (s * K) ** (1/p)
    return (out * float(ksize)) ** (1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum over the window of x**p) ** (1/p)`` of ``(N, C, H, W)``
    (no padding, as PyTorch's).  A negative window sum gives NaN for a fractional ``1/p``,
    as in PyTorch.

    Example:
        >>> F.lp_pool2d(pn.ones(1, 1, 4, 4), 2, 2).shape
        (1, 1, 2, 2)
    """
    who = "lp_pool2d"
    p = argcheck.real(who, "norm_type", norm_type, lo=0, lo_open=True)
    argcheck.window(who, 2, kernel_size, stride)
    kh, kw = ntuple(kernel_size, 2, "kernel_size")
    return _lp(avg_pool2d(input ** p, kernel_size, stride, 0, ceil_mode, _who=who), p, kh * kw)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling of ``(N, C, L)``; see :func:`lp_pool2d`.

    Example:
        >>> F.lp_pool1d(pn.ones(1, 1, 6), 2, 3).shape
        (1, 1, 2)
    """
    who = "lp_pool1d"
    p = argcheck.real(who, "norm_type", norm_type, lo=0, lo_open=True)
    argcheck.window(who, 1, kernel_size, stride)
    out = avg_pool1d(input ** p, kernel_size, stride, 0, ceil_mode)
    return _lp(out, p, ntuple(kernel_size, 1, "kernel_size")[0])


class MaxUnpool2d(Function):
    """Inverse of max pooling: each value written at its index, zeros elsewhere.

    Windowed, like the pool: ``masks[k]`` (computed by the caller, not differentiable) says
    which inputs point at kernel offset ``k`` of their window; that offset's strided slice
    of the (padded) output takes them.  An assignment, so a maximum shared by overlapping
    windows is written once (PyTorch writes it once too).
    """

    saves_inputs = False

    def forward(self, xp, x, *, masks, sl, out_hw, pads):
        (h, w), (pt, pb, pl, pr) = out_hw, pads
        out = xp.zeros((x.shape[0], x.shape[1], h + pt + pb, w + pl + pr), dtype=x.dtype,
                       device=device_of(x))
        for s, m in zip(sl, masks):
            out = set_at(xp, out, s, xp.where(m, x, out[s]))
        self.masks, self.sl, self.pads = masks, sl, pads
        return out[:, :, pt:pt + h, pl:pl + w]

    def backward(self, xp, g):
        pt, pb, pl, pr = self.pads
        n, c, h, w = g.shape
        gp = xp.zeros((n, c, h + pt + pb, w + pl + pr), dtype=g.dtype, device=device_of(g))
        gp = set_at(xp, gp, (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w)), g)
        gx = xp.zeros(self.masks[0].shape, dtype=g.dtype, device=device_of(g))
        for s, m in zip(self.sl, self.masks):
            gx = xp.where(m, gp[s], gx)
        return (gx,)


def _unpool_masks(xp, idx, out_hw, kernel, stride, padding):
    """Per kernel offset, where ``idx`` points at that offset's output position (inside the
    output), and whether every index was so matched."""
    (h, w), dev = out_hw, device_of(idx)
    rows = xp.arange(idx.shape[2], dtype=idx.dtype, device=dev)[:, None] * stride[0] - padding[0]
    cols = xp.arange(idx.shape[3], dtype=idx.dtype, device=dev)[None, :] * stride[1] - padding[1]
    masks, hit = [], None
    for ki in range(kernel[0]):
        for kj in range(kernel[1]):
            r, c = rows + ki, cols + kj
            inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            m = (idx == r * w + c) & inside
            masks.append(m)
            hit = m if hit is None else hit | m
    return masks, hit


def _unpool(who, nd, input, indices, kernel_size, stride, padding, output_size):
    argcheck.window(who, nd, kernel_size, stride, padding)
    _check_ndim(input, nd, who)
    if not isinstance(indices, Tensor) or tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"{who}: indices must be a pn.Tensor of the input's shape {input.shape}, "
                         f"got {getattr(indices, 'shape', type(indices).__name__)}")
    kernel = ntuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, nd, "stride")
    padding = ntuple(padding, nd, "padding")
    default = tuple((input.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + kernel[a]
                    for a in range(nd))
    size = default
    if output_size is not None:
        size = tuple(int(v) for v in tuple(output_size)[-nd:])
        if len(size) != nd or any(not d - s < o < d + s for o, d, s in zip(size, default, stride)):
            raise ValueError(f"{who}: output_size {tuple(output_size)} must be between "
                             f"{tuple(d - s + 1 for d, s in zip(default, stride))} and "
                             f"{tuple(d + s - 1 for d, s in zip(default, stride))} (its last "
                             f"{nd} entries)")
    x, idx = input, indices.array
    if nd == 1:
        size, kernel, stride, padding = (1,) + size, (1,) + kernel, (1,) + stride, (0,) + padding
        x, idx = reshape(input, input.shape[:2] + (1, input.shape[2])), idx[:, :, None, :]
    xp = input._bk.xp
    masks, hit = _unpool_masks(xp, idx, size, kernel, stride, padding)
    checks.check(input._bk, xp.all(hit), ValueError,
                 f"{who}: an index does not point inside its pooling window (indices must come "
                 f"from a max pool with the same kernel_size, stride and padding)")
    # the padded frame of the pool's windows: padding, plus ceil_mode's overhang if any
    pads, sl = [], []
    for a in range(2):
        full = (x.shape[2 + a] - 1) * stride[a] + kernel[a]
        pads += [padding[a], max(0, full - size[a] - padding[a])]
    rows = span(kernel[0], 1, stride[0], x.shape[2])
    cols = span(kernel[1], 1, stride[1], x.shape[3])
    sl = [(slice(None), slice(None), slice(r0, r1, stride[0]), slice(c0, c1, stride[1]))
          for r0, r1 in rows for c0, c1 in cols]
    y = MaxUnpool2d.apply(x, masks=masks, sl=sl, out_hw=size, pads=tuple(pads))
    return reshape(y, y.shape[:2] + (y.shape[3],)) if nd == 1 else y


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d(..., return_indices=True)``: ``(N, C, H, W)`` values
    put back at their indices of an ``(N, C, H_out, W_out)`` zero image.

    Departure: the indices must come from a max pool with the same ``kernel_size``,
    ``stride`` and ``padding`` (PyTorch's documented use); any other index fails a value
    check (deferred on accelerators) instead of being written anywhere.

    Example:
        >>> y, i = F.max_pool2d(pn.ones(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2).shape
        (1, 1, 4, 4)
    """
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d(..., return_indices=True)``; see :func:`max_unpool2d`.

    Example:
        >>> y, i = F.max_pool1d(pn.ones(1, 1, 6), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2).shape
        (1, 1, 6)
    """
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)
