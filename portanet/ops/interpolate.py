"""Resampling: ``F.interpolate`` (PyTorch's modes nearest, nearest-exact, linear, bilinear,
bicubic, trilinear, area) and ``F.upsample``-style helpers.

Every mode is separable: the output along one spatial axis is a fixed linear map of the
input along that axis.  So each axis is resampled by one matrix product with an
``(out, in)`` interpolation matrix built from PyTorch's source-index rules (at most 4
non-zeros a row), and gradients are the transposed products, given by ``matmul``'s own
backward.  The matrix is built on the device from ``out``-long index/weight vectors (host
metadata only: no read-back).  Cost is ``in*out`` multiply-adds per row of the other axes,
fine for the usual 2x-4x resizes of feature maps; a gather-based path would be cheaper for
very large images (left for a registered fast path).

Source index rules (ATen's ``UpSample.h``):
    nearest        ``min(floor(dst * scale), in-1)``, computed in float32 like ATen
    nearest-exact  ``min(floor((dst + 0.5) * scale), in-1)``
    linear family  ``(dst + 0.5) * scale - 0.5`` clamped at 0 (``dst * scale`` with
                   ``align_corners=True``, where ``scale = (in-1)/(out-1)``)
    bicubic        the same without the clamp; Keys' cubic with ``A = -0.75``, border
                   samples replicated
``scale`` is ``1/scale_factor`` when a scale factor was given (and not recomputed),
``in/out`` otherwise.

Example:
    >>> F.interpolate(pn.zeros(1, 3, 8, 8), scale_factor=2, mode="bilinear").shape
    (1, 3, 16, 16)
"""
from __future__ import annotations

import math
import numbers
import struct

from .. import argcheck
from ..autograd.tensor import Tensor
from .linalg import matmul
from .pool import _adaptive_matrix
from .shape import broadcast_to, reshape, transpose

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "INTERP_MODES"]

INTERP_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _f32(v: float) -> float:
    """``v`` rounded to float32 (ATen's nearest-neighbour kernels compute in float)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def _cubic(t: float) -> list[float]:
    """Keys' cubic convolution weights of the 4 samples around ``t`` in [0, 1), A = -0.75."""
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(mode, n_in, n_out, scale_factor, align_corners):
    """Per output position, a list of ``(input index, weight)``; indices clamped to the axis."""
    if mode == "nearest" and n_out == 2 * n_in:
        return [[(d >> 1, 1.0)] for d in range(n_out)]  # ATen's shortcut, whatever the scale
    if mode in ("nearest", "nearest-exact"):
        scale = _f32(1.0 / scale_factor if scale_factor else n_in / n_out)
        shift = 0.5 if mode == "nearest-exact" else 0.0
        return [[(min(int(math.floor(_f32(_f32(d + shift) * scale))), n_in - 1), 1.0)]
                for d in range(n_out)]
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    taps = []
    for d in range(n_out):
        src = d * scale if align_corners else (d + 0.5) * scale - 0.5
        if mode == "bicubic":
            i = min(math.floor(src), n_in - 1)
            t = min(max(src - i, 0.0), 1.0)
            taps.append([(min(max(i + k - 1, 0), n_in - 1), w) for k, w in enumerate(_cubic(t))])
        else:
            src = max(src, 0.0)
            i = int(src)
            lam = min(max(src - i, 0.0), 1.0)
            taps.append([(i, 1.0 - lam), (min(i + 1, n_in - 1), lam)])
    return taps


def _matrix(taps, n_in, like: Tensor) -> Tensor:
    """The ``(out, in)`` matrix with ``weight`` at ``(d, index)`` for every tap (summed)."""
    bk = like._bk
    xp, dt = bk.xp, like.array.dtype
    cols = xp.arange(n_in, device=bk.device)[None, :]
    m = None
    for k in range(len(taps[0])):
        idx = bk.asarray([t[k][0] for t in taps], "int64")
        w = bk.asarray([t[k][1] for t in taps], like.dtype)
        term = xp.where(idx[:, None] == cols, w[:, None], xp.zeros((), dtype=dt, device=bk.device))
        m = term if m is None else m + term
    return Tensor.from_array(m, bk)


def _nearest_copy(x: Tensor, axis: int, taps, n_in: int, n_out: int):
    """Integer-factor nearest resampling as a copy, or ``None`` when the taps are not that:
    each input row repeated ``k`` times (upsampling, a broadcast) or every ``k``-th row
    (downsampling, a strided slice).  Both far cheaper than the ``in*out`` matrix product."""
    idx = [t[0][0] for t in taps]
    shape = tuple(x.shape)
    if n_out % n_in == 0 and idx == [d // (n_out // n_in) for d in range(n_out)]:
        k = n_out // n_in
        y = broadcast_to(reshape(x, shape[:axis + 1] + (1,) + shape[axis + 1:]),
                         shape[:axis + 1] + (k,) + shape[axis + 1:])
        return reshape(y, shape[:axis] + (n_out,) + shape[axis + 1:])
    if n_in % n_out == 0 and idx == [d * (n_in // n_out) for d in range(n_out)]:
        return x[(slice(None),) * axis + (slice(None, None, n_in // n_out),)]
    return None


def _resample_axis(x: Tensor, axis: int, m: Tensor) -> Tensor:
    """``m @ x`` along ``axis`` (``m``: ``(out, in)``)."""
    shape = x.shape
    before, after = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    if after == 1:
        y = matmul(reshape(x, (before, shape[axis])), transpose(m))
    else:
        y = matmul(m, reshape(x, (before, shape[axis], after)))
    return reshape(y, shape[:axis] + (m.shape[0],) + shape[axis + 1:])


def _spatial(who, what, v, dim, shape):
    """``size`` or ``scale_factor`` as a list of ``dim`` values, PyTorch's errors."""
    if isinstance(v, (list, tuple)):
        if len(v) != dim:
            raise ValueError(
                f"{who}: input and {what} must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(shape[2:])} and {what} of {tuple(v)!r}")
        return list(v)
    return [v] * dim


def _sizes(who, x, size, scale_factor, recompute):
    dim = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{who}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{who}: either size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError(f"{who}: recompute_scale_factor is not meaningful with an explicit size")
        sizes = _spatial(who, "size", size, dim, x.shape)
        if not all(argcheck.is_int(s) for s in sizes):
            raise TypeError(f"{who}: size must be an int or a tuple of {dim} ints, got {size!r}")
        scales = [None] * dim
    else:
        scales = _spatial(who, "scale_factor", scale_factor, dim, x.shape)
        if not all(isinstance(s, numbers.Real) and not isinstance(s, bool) for s in scales):
            raise TypeError(f"{who}: scale_factor must be a number or a tuple of {dim} numbers, "
                            f"got {scale_factor!r}")
        sizes = [math.floor(float(n) * float(s)) for n, s in zip(x.shape[2:], scales)]
        scales = [None if recompute else float(s) for s in scales]
    if any(s <= 0 for s in sizes):
        raise ValueError(f"{who}: input and output sizes should be greater than 0, but got input "
                         f"{tuple(x.shape[2:])} and output {tuple(sizes)}")
    return [int(s) for s in sizes], scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of ``(N, C, d1, ..., dK)`` (K = 1, 2 or 3), PyTorch's rules.

    Args:
        size: output size (int or K ints), or
        scale_factor: multiplier (float or K floats): output ``floor(d * scale_factor)``.
        mode: ``"nearest"`` (default), ``"nearest-exact"``, ``"area"`` (any K),
            ``"linear"`` (K=1), ``"bilinear"``/``"bicubic"`` (K=2), ``"trilinear"`` (K=3).
        align_corners: interpolating modes only; ``True`` maps the corner pixels' centres
            onto each other (default False).
        recompute_scale_factor: ``True`` resamples as if ``size`` had been given.
        antialias: only ``False`` (PyTorch's anti-aliased downsampling is not implemented).

    Example:
        >>> F.interpolate(pn.ones(1, 1, 4), size=6, mode="linear").shape
        (1, 1, 6)
    """
    who = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a pn.Tensor, got {type(input).__name__}")
    if mode not in INTERP_MODES:
        raise NotImplementedError(f"{who}: mode must be one of {', '.join(INTERP_MODES)}, got {mode!r}")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"{who}: only 3D, 4D and 5D input tensors are supported "
                                  f"(N, C, d1, ...), got {input.ndim}D input of shape {input.shape}")
    need = _DIMS.get(mode)
    if need is not None and input.ndim != need + 2:
        raise NotImplementedError(f"{who}: got {input.ndim}D input, but {mode} mode needs "
                                  f"{need + 2}D input")
    if align_corners is not None and need is None:
        raise ValueError(f"{who}: align_corners option can only be set with the interpolating "
                         f"modes: linear | bilinear | bicubic | trilinear (got mode {mode!r})")
    if antialias:
        raise NotImplementedError(f"{who}: antialias=True is not supported in portanet")
    if not input._bk.xp.isdtype(input.array.dtype, "real floating"):
        raise TypeError(f"{who}: input must be floating point, got {input.dtype}")
    sizes, scales = _sizes(who, input, size, scale_factor, recompute_scale_factor)
    x = input
    for i, (n_out, s) in enumerate(zip(sizes, scales)):
        n_in = x.shape[2 + i]
        if mode == "area":
            if n_in != n_out:
                x = _resample_axis(x, 2 + i, _adaptive_matrix(n_in, n_out, x))
            continue
        if n_in == n_out and mode == "nearest":
            continue  # ATen's nearest_idx: the identity whatever the scale
        taps = _taps(mode, n_in, n_out, s, bool(align_corners))
        y = _nearest_copy(x, 2 + i, taps, n_in, n_out) if len(taps[0]) == 1 else None
        x = y if y is not None else _resample_axis(x, 2 + i, _matrix(taps, n_in, x))
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in PyTorch; same as :func:`interpolate`.

    Example:
        >>> F.upsample(pn.ones(1, 1, 2, 2), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated in PyTorch; ``interpolate(mode="nearest")``.

    Example:
        >>> F.upsample_nearest(pn.ones(1, 1, 2, 2), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated in PyTorch; ``interpolate(mode="bilinear", align_corners=True)``.

    Example:
        >>> F.upsample_bilinear(pn.ones(1, 1, 2, 2), scale_factor=2).shape
        (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
