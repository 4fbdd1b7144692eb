"""Volumes ``(N, C, D, H, W)``: ``conv3d``, ``max_pool3d``, ``avg_pool3d``.

``conv3d`` reuses the 2-D machinery: for each depth offset ``kd`` of the kernel, the
strided depth slices of the input meet ``weight[:, :, kd]`` in one ``conv2d`` over a batch
of ``N*OD`` images, and the ``KD`` results are summed.  The same multiply-adds as a 3-D
im2col, in ``KD`` GEMMs, with gradients from ``conv2d``'s own backward.

Pooling runs over the ``KD*KH*KW`` strided window slices of the padded volume, as the
2-D pools do (``pool.py``): a running maximum whose backward hands each window's
gradient to its first maximum (PyTorch's choice among ties), and a running sum.

Example:
    >>> F.conv3d(pn.ones(1, 2, 4, 4, 4), pn.ones(3, 2, 3, 3, 3)).shape
    (1, 3, 2, 2, 2)
"""
from __future__ import annotations

import itertools

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.inplace import add_at, set_at
from .conv import conv2d
from .padding import pad
from .pool import ceil_pads
from .shape import permute, reshape
from .util import device_of, ntuple

__all__ = ["conv3d", "max_pool3d", "avg_pool3d"]


def _check5(who, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != 5:
        raise ValueError(f"{who} expected a 5-D input (N, C, D, H, W), got a {x.ndim}-D input of "
                         f"shape {x.shape}")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, _who="conv3d"):
    """3-D convolution of ``(N, C, D, H, W)`` with ``(O, C/groups, KD, KH, KW)``.

    Args: as :func:`conv2d` with triples; ``padding`` may be ``"valid"`` or ``"same"``
    (stride 1; the odd extra pixel at the end, as PyTorch).

    Example:
        >>> F.conv3d(pn.ones(2, 1, 5, 6, 7), pn.ones(4, 1, 3, 3, 3), padding=1).shape
        (2, 4, 5, 6, 7)
    """
    argcheck.window(_who, 3, 1, stride, padding, dilation)
    argcheck.positive_int(_who, "groups", groups)
    _check5(_who, input)
    if weight.ndim != 5 or input.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"{_who} expected input with {weight.shape[1] * groups} channels and a 5-D "
                         f"weight, got input shape {input.shape} (weight of shape {weight.shape}, "
                         f"groups={groups})")
    stride, dilation = ntuple(stride, 3, "stride"), ntuple(dilation, 3, "dilation")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{_who}: padding must be 'same', 'valid' or ints, got {padding!r}")
        if padding == "same" and stride != (1, 1, 1):
            raise ValueError(f"{_who}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        totals = [0 if padding == "valid" else d * (k - 1) for k, d in zip(kernel, dilation)]
        pairs = [(t // 2, t - t // 2) for t in totals]
    else:
        pairs = [(p, p) for p in ntuple(padding, 3, "padding")]
    x = input
    if any(lo or hi for lo, hi in pairs):
        x = pad(x, sum(((lo, hi) for lo, hi in reversed(pairs)), ()))
    n, c, dp, hp, wp = x.shape
    for ax in range(3):
        if dilation[ax] * (kernel[ax] - 1) + 1 > x.shape[2 + ax]:
            raise ValueError(f"{_who}: kernel size {kernel} (dilation {dilation}) is larger than the "
                             f"padded input: input shape {input.shape}, padding {padding!r}")
    od = (dp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    y = None
    for kd in range(kernel[0]):
        start = kd * dilation[0]
        xs = x[:, :, start:start + stride[0] * (od - 1) + 1:stride[0]]      # (N, C, OD, Hp, Wp)
        xs = reshape(permute(xs, (0, 2, 1, 3, 4)), (n * od, c, hp, wp))
        part = conv2d(xs, weight[:, :, kd], None, stride[1:], 0, dilation[1:], groups, _who=_who)
        y = part if y is None else y + part
    o, oh, ow = y.shape[1], y.shape[2], y.shape[3]
    y = permute(reshape(y, (n, od, o, oh, ow)), (0, 2, 1, 3, 4))
    if bias is not None:
        y = y + reshape(bias, (o, 1, 1, 1))
    return y


def _windows(xp, x, kernel, stride, dilation, pads, value):
    """Padded ``x`` and its strided window slices, one per kernel offset (row-major)."""
    spatial = x.shape[2:]
    if any(lo or hi for lo, hi in pads):
        shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        xpad = xp.full(shape, value, dtype=x.dtype, device=device_of(x))
        inner = (slice(None),) * 2 + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))
        xpad = set_at(xp, xpad, inner, x)
    else:
        xpad = x
    outs = [(xpad.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1
            for a in range(len(kernel))]
    sl = [(slice(None), slice(None)) +
          tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                for o, d, s, n in zip(offs, dilation, stride, outs))
          for offs in itertools.product(*[range(k) for k in kernel])]
    return xpad, sl


def _scatter(xp, parts, shape, pads, sl, dtype, device):
    out = xp.zeros(shape, dtype=dtype, device=device)
    for s, p in zip(sl, parts):
        out = add_at(xp, out, s, p)
    crop = (slice(None),) * 2 + tuple(slice(lo, n - hi) for n, (lo, hi) in zip(shape[2:], pads))
    return out[crop]


class MaxPoolNd(Function):
    """Max over each window (``-inf`` padding); gradient to the first maximum."""

    def forward(self, xp, x, *, kernel, stride, pads, dilation):
        xpad, sl = _windows(xp, x, kernel, stride, dilation, pads, -float("inf"))
        y = xpad[sl[0]]
        for s in sl[1:]:
            y = xp.maximum(y, xpad[s])
        self.xpad, self.y, self.sl, self.pads = xpad, y, sl, pads
        return y

    def backward(self, xp, g):
        parts, rem = [], g
        for s in self.sl:
            part = rem * xp.astype(self.xpad[s] == self.y, g.dtype)
            parts.append(part)
            rem = rem - part
        return (_scatter(xp, parts, self.xpad.shape, self.pads, self.sl, g.dtype, device_of(g)),)


class AvgPoolNd(Function):
    """Sum over each window divided by ``divisor`` (a number or an output-shaped array)."""

    saves_inputs = False

    def forward(self, xp, x, *, kernel, stride, pads, divisor):
        xpad, sl = _windows(xp, x, kernel, stride, (1,) * len(kernel), pads, 0.0)
        total = xpad[sl[0]]
        for s in sl[1:]:
            total = total + xpad[s]
        self.divisor, self.sl, self.pads, self.pshape = divisor, sl, pads, xpad.shape
        return total / divisor

    def backward(self, xp, g):
        share = g / self.divisor
        return (_scatter(xp, [share] * len(self.sl), self.pshape, self.pads, self.sl, g.dtype,
                         device_of(g)),)


def _pool_args(who, input, kernel_size, stride, padding, dilation):
    argcheck.window(who, 3, kernel_size, stride, padding, dilation)
    _check5(who, input)
    kernel = ntuple(kernel_size, 3, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, 3, "stride")
    padding, dilation = ntuple(padding, 3, "padding"), ntuple(dilation, 3, "dilation")
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"{who}: padding {padding} should be at most half of kernel size {kernel}")
    for a in range(3):
        if dilation[a] * (kernel[a] - 1) + 1 > input.shape[2 + a] + 2 * padding[a]:
            raise ValueError(f"{who}: kernel size {kernel} is larger than the padded input: input "
                             f"shape {input.shape}, padding {padding}")
    return kernel, stride, padding, dilation


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False, _who="max_pool3d"):
    """Max over windows of ``(N, C, D, H, W)``; arguments as :func:`max_pool2d` with triples
    (indices are flat ``d*H*W + h*W + w``).

    Example:
        >>> F.max_pool3d(pn.zeros(1, 2, 4, 4, 4), 2).shape
        (1, 2, 2, 2, 2)
    """
    kernel, stride, padding, dilation = _pool_args(_who, input, kernel_size, stride, padding, dilation)
    pads = tuple(ceil_pads(input.shape[2 + a], kernel[a], stride[a], padding[a], dilation[a],
                           ceil_mode) for a in range(3))
    y = MaxPoolNd.apply(input, kernel=kernel, stride=stride, pads=pads, dilation=dilation)
    if not return_indices:
        return y
    xp, x, dev = input._bk.xp, input.array, device_of(input.array)
    xpad, sl = _windows(xp, x, kernel, stride, dilation, pads, -float("inf"))
    best, k = xpad[sl[0]], xp.zeros(y.shape, dtype=xp.int64, device=dev)
    for i, s in enumerate(sl[1:], 1):
        better = xpad[s] > best
        best = xp.where(better, xpad[s], best)
        k = xp.where(better, xp.asarray(i, dtype=xp.int64, device=dev), k)
    offsets = (k // (kernel[1] * kernel[2]), (k // kernel[2]) % kernel[1], k % kernel[2])
    flat = None
    for a in range(3):   # input coordinate along axis a of each winner, then row-major flat
        shape = [1] * 5
        shape[2 + a] = y.shape[2 + a]
        base = xp.reshape(xp.arange(y.shape[2 + a], dtype=xp.int64, device=dev), tuple(shape))
        pos = base * stride[a] - pads[a][0] + offsets[a] * dilation[a]
        flat = pos if flat is None else flat * input.shape[2 + a] + pos
    return y, Tensor.from_array(flat, input._bk)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, _who="avg_pool3d"):
    """Mean over windows of ``(N, C, D, H, W)``; arguments as :func:`avg_pool2d` with triples.

    Example:
        >>> F.avg_pool3d(pn.ones(1, 2, 4, 4, 4), 2).shape
        (1, 2, 2, 2, 2)
    """
    if divisor_override is not None:
        argcheck.positive_int(_who, "divisor_override", divisor_override)
    kernel, stride, padding, _ = _pool_args(_who, input, kernel_size, stride, padding, 1)
    pads = tuple(ceil_pads(input.shape[2 + a], kernel[a], stride[a], padding[a], 1, ceil_mode)
                 for a in range(3))
    extra = [hi - p for (_, hi), p in zip(pads, padding)]
    if divisor_override is not None:
        divisor = float(divisor_override)
    elif not any(extra) and (count_include_pad or not any(padding)):
        divisor = float(kernel[0] * kernel[1] * kernel[2])
    else:  # per-window counts: the same pool over ones (see avg_pool2d)
        bk = input._bk
        if count_include_pad:
            shape = tuple(input.shape[2 + a] + 2 * padding[a] for a in range(3))
            ones_pads = tuple((0, e) for e in extra)
        else:
            shape, ones_pads = tuple(input.shape[2:]), pads
        ones = Tensor.from_array(bk.xp.ones((1, 1) + shape, dtype=input.array.dtype,
                                            device=bk.device), bk)
        divisor = AvgPoolNd.apply(ones, kernel=kernel, stride=stride, pads=ones_pads,
                                  divisor=1.0).array[0, 0, ...]
    return AvgPoolNd.apply(input, kernel=kernel, stride=stride, pads=pads, divisor=divisor)
