"""Stride-1 convolution for NumPy as shifted-row GEMMs: every copy is a contiguous block.

The generic im2col (``portanet.ops.conv``) gathers ``KH*KW`` strided windows of shape
``(C, N, OH, OW)``: rows of ``OW`` elements, so NumPy spends its time in short inner
loops, and col2im adds them back the same way.  Here the padded input is laid out
channel-first and flattened, ``xf (C, M)`` with ``M = N*Hp*Wp``.  For a stride of 1,
the input pixel that kernel offset ``(i, j)`` meets at flat output position ``t`` is
``xf[:, t + i*dh*Wp + j*dw]``: offset ``k`` is the *contiguous* slice
``xf[:, off_k:off_k + T]``.  So

* im2col is ``KH*KW`` block copies (memcpy speed) into ``cols (C*KH*KW [+1], T)``;
* forward is a GEMM ``W @ cols``, the bias riding along as a row of ones in ``cols``
  and a column of ``W`` (no separate pass to add it);
* the weight and bias gradients are a GEMM ``G @ cols.T``;
* col2im adds ``KH*KW`` contiguous blocks.

All four run over chunks of columns (``CHUNK_BYTES`` of ``cols`` at a time), so the
column matrix, ``KH*KW`` times the size of the input, never exists whole.

The price: outputs are computed at every padded position ``t < T``, not only at the
``OH*OW`` valid ones (15% more GEMM columns for 28x28 inputs, 31% for 14x14); the others
are never read, and their gradient is set to zero so they add nothing in backward.
Measured on the benchmark CNN's second convolution (64x8x14x14, 16 filters 3x3),
forward + backward, one thread, CPU time on a loaded machine: 5.2 ms here, 11.0 ms on
the generic path, 12.1 ms with a sliding-window-view im2col feeding one GEMM.

Memory: only the padded input is kept for backward (``cols`` is rebuilt there, chunk by
chunk), not the column matrix.

Strides other than 1 and grouped convolutions decline (``None``): the generic path runs.

Example:
    >>> y, saved = conv2d(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1), 1)
    >>> gx, gw, gb = saved.backward(g, (True, True, True))
"""
from __future__ import annotations

import numpy as np

__all__ = ["conv2d"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
CHUNK_BYTES = 1 << 19  # column matrices are built 512 KiB at a time (cache-sized, and
# memory: the whole one is KH*KW times the input)


def conv2d(x, w, b, stride, pads, dilation, groups):
    """Forward of ``Conv2d``: ``(y, saved)``, or ``None`` when this kernel does not apply."""
    if stride != (1, 1) or groups != 1 or type(x) is not np.ndarray or type(w) is not np.ndarray:
        return None
    dt = x.dtype
    if dt not in _FLOATS or w.dtype != dt or (b is not None and (type(b) is not np.ndarray
                                                                or b.dtype != dt)):
        return None
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    geom = _Geometry(n, c, h, wd, o, kh, kw, pads, dilation)
    xf = _pad_channel_first(x, geom)
    wm = w.reshape(o, c * kh * kw)
    if b is not None:
        wm = np.concatenate([wm, b.reshape(o, 1)], axis=1)
    y = np.empty((o, geom.t), dt)
    buf = None
    for s, e in geom.chunks(wm.shape[1], dt.itemsize):
        buf = _columns(xf, geom, b is not None, s, e, buf)
        np.matmul(wm, buf[:, :e - s], out=y[:, s:e])
    return geom.crop(y, o), _Saved(xf, w, b is not None, geom)


class _Geometry:
    """Sizes of one convolution and the flat offsets of its kernel taps."""

    __slots__ = ("n", "c", "h", "w", "o", "kh", "kw", "dh", "dw", "kk", "pads", "hp", "wp", "oh",
                 "ow", "m", "t", "offs")

    def __init__(self, n, c, h, w, o, kh, kw, pads, dilation):
        pt, pb, pl, pr = pads
        dh, dw = dilation
        self.n, self.c, self.h, self.w, self.o, self.kk, self.pads = n, c, h, w, o, kh * kw, pads
        self.kh, self.kw, self.dh, self.dw = kh, kw, dh, dw
        self.hp, self.wp = h + pt + pb, w + pl + pr
        self.oh, self.ow = self.hp - dh * (kh - 1), self.wp - dw * (kw - 1)
        self.m = n * self.hp * self.wp
        self.offs = [i * dh * self.wp + j * dw for i in range(kh) for j in range(kw)]
        self.t = self.m - self.offs[-1]  # flat positions every tap can reach

    def chunks(self, rows: int, itemsize: int):
        """``(start, stop)`` column ranges whose ``rows``-row column matrix fills CHUNK_BYTES."""
        step = max(1024, CHUNK_BYTES // (rows * itemsize))
        return [(s, min(s + step, self.t)) for s in range(0, self.t, step)]

    def crop(self, flat, rows):
        """``(rows, T)`` values at flat output positions -> the ``(N, rows, OH, OW)`` view."""
        s = flat.itemsize
        # valid outputs sit at t = n*Hp*Wp + r*Wp + c (r < OH, c < OW), all below T
        return _view(flat, 0, (self.n, rows, self.oh, self.ow),
                     (self.hp * self.wp * s, self.t * s, self.wp * s, s))


def _pad_channel_first(x, geom):
    """``x (N, C, H, W)`` zero-padded into a fresh channel-first ``(C, N*Hp*Wp)``."""
    pt, pb, pl, pr = geom.pads
    xc = np.empty((geom.c, geom.n, geom.hp, geom.wp), x.dtype)
    if pt or pb or pl or pr:  # zero the margins only: the interior is written next
        xc[:, :, :pt, :] = 0
        xc[:, :, geom.hp - pb:, :] = 0
        xc[:, :, pt:geom.hp - pb, :pl] = 0
        xc[:, :, pt:geom.hp - pb, geom.wp - pr:] = 0
    xc[:, :, pt:pt + geom.h, pl:pl + geom.w] = x.transpose(1, 0, 2, 3)
    return xc.reshape(geom.c, geom.m)


def _columns(xf, geom, ones_row: bool, s: int, e: int, buf=None):
    """Columns ``s:e`` of ``(C*KK [+1], T)``: row ``c*KK + k`` is channel ``c`` shifted by
    tap ``k``.  Written into ``buf`` (of at least ``e - s`` columns) when given."""
    c, kk, n = geom.c, geom.kk, e - s
    cols = buf if buf is not None else np.empty((c * kk + ones_row, n), xf.dtype)
    # every tap's shifted block in one strided view (C, KH, KW, n) of xf: one copy call
    z = xf.itemsize
    taps = _view(xf, s * z, (c, geom.kh, geom.kw, n),
                 (xf.strides[0], geom.dh * geom.wp * z, geom.dw * z, z))
    np.copyto(cols[:c * kk, :n].reshape(c, geom.kh, geom.kw, n), taps)
    if ones_row:
        cols[c * kk] = 1
    return cols


def _view(base, offset: int, shape, strides):
    """A strided view of the C-contiguous ``base`` starting ``offset`` bytes in (what
    ``as_strided`` makes, at a tenth of its cost: it is called per chunk)."""
    return np.ndarray(shape, base.dtype, buffer=base, offset=offset, strides=strides)


class _Saved:
    """What backward needs: the padded input (not the column matrix) and the weight."""

    __slots__ = ("xf", "w", "has_bias", "geom")

    def __init__(self, xf, w, has_bias, geom):
        self.xf, self.w, self.has_bias, self.geom = xf, w, has_bias, geom

    def backward(self, g, needs):
        """``(gx, gw[, gb])`` for ``needs`` (one flag per input of the op)."""
        geom, w = self.geom, self.w
        o, c, kk = geom.o, geom.c, geom.kk
        want_w, want_b = needs[1], len(needs) > 2 and needs[2]
        gf = _pad_output_grad(g, geom)
        rows = c * kk + (want_w and want_b)
        gwb = np.zeros((o, rows), g.dtype) if want_w else None
        gxf = np.zeros((c, geom.m), g.dtype) if needs[0] else None
        wt = w.reshape(o, c * kk).T
        buf = gbuf = None
        # chunks of columns: the column matrix and its gradient never exist whole
        for s, e in geom.chunks(rows, g.dtype.itemsize):
            gc = gf[:, s:e]
            if want_w:
                buf = _columns(self.xf, geom, want_b, s, e, buf)
                gwb += gc @ buf[:, :e - s].T
            if gxf is not None:
                if gbuf is None:
                    gbuf = np.empty((c * kk, e - s), g.dtype)
                gcols = np.matmul(wt, gc, out=gbuf[:, :e - s]).reshape(c, kk, e - s)
                for k, off in enumerate(geom.offs):
                    gxf[:, off + s:off + e] += gcols[:, k, :]
        gx = gw = gb = None
        if want_w:
            gw = np.ascontiguousarray(gwb[:, :c * kk]).reshape(w.shape)
            if want_b:
                gb = np.ascontiguousarray(gwb[:, c * kk])
        elif want_b:
            gb = np.sum(gf, axis=1)
        if gxf is not None:
            pt, pl = geom.pads[0], geom.pads[2]
            gx = gxf.reshape(c, geom.n, geom.hp, geom.wp)[:, :, pt:pt + geom.h, pl:pl + geom.w]
            gx = gx.transpose(1, 0, 2, 3)
        return (gx, gw, gb) if len(needs) > 2 else (gx, gw)


def _pad_output_grad(g, geom):
    """``g (N, O, OH, OW)`` at the flat output positions, zero elsewhere: ``(O, T)``."""
    o, oh, ow = geom.o, geom.oh, geom.ow
    gp = np.empty((o, geom.m), g.dtype)
    g4 = gp.reshape(o, geom.n, geom.hp, geom.wp)
    g4[:, :, oh:, :] = 0
    g4[:, :, :oh, ow:] = 0
    g4[:, :, :oh, :ow] = g.transpose(1, 0, 2, 3)
    return gp[:, :geom.t]
