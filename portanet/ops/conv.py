"""Convolution by im2col + one matrix product; col2im by accumulating slices.

The Array API standard has no convolution (and CuPy 14 has no cuDNN), so this is the
path on every backend, GPU included.  Layout: the input is turned channel-first
``(C, N, H, W)`` once, the column matrix is ``(C*KH*KW, N*OH*OW)`` (Caffe's layout with
the batch folded into the columns) so that forward, weight gradient and input gradient
are each one large GEMM per group.  Python loops run over kernel offsets only
(``KH*KW`` strided slices), never over output pixels.

Example:
    >>> y = Conv2d.apply(x, w, b, stride=(1, 1), pads=(1, 1, 1, 1), dilation=(1, 1), groups=1)
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend.inplace import add_at, set_at
from .shape import _device


def _span(k: int, d: int, s: int, out: int) -> list[tuple[int, int]]:
    """(start, stop) of the strided slice for each kernel offset along one axis."""
    return [(i * d, i * d + s * (out - 1) + 1) for i in range(k)]


def im2col(xp, xc, kernel, stride, dilation, out_hw):
    """Windows of a channel-first padded array ``xc`` ``(C, N, Hp, Wp)``.

    Returns ``(C, KH*KW, N, OH, OW)``: slice ``k = i*KW + j`` holds the input pixels
    that kernel offset ``(i, j)`` meets at every output position.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    rows, cols = _span(kh, dh, sh, oh), _span(kw, dw, sw, ow)
    return xp.stack([xc[:, :, r0:r1:sh, c0:c1:sw] for r0, r1 in rows for c0, c1 in cols], axis=1)


def col2im(xp, cols, shape, kernel, stride, dilation):
    """Adjoint of :func:`im2col`: add slice ``k`` of ``cols`` back at kernel offset ``k``.

    ``cols`` is ``(C, KH*KW, N, OH, OW)``; returns zeros of ``shape`` ``(C, N, Hp, Wp)``
    with every window accumulated (overlapping windows sum, as the chain rule needs).
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = cols.shape[3], cols.shape[4]
    out = xp.zeros(shape, dtype=cols.dtype, device=_device(cols))
    rows, cs = _span(kh, dh, sh, oh), _span(kw, dw, sw, ow)
    # windows that cannot overlap are written, not added (saves a read per element)
    disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1
    update = set_at if disjoint else add_at
    k = 0
    for r0, r1 in rows:
        for c0, c1 in cs:
            window = (slice(None), slice(None), slice(r0, r1, sh), slice(c0, c1, sw))
            out = update(xp, out, window, cols[:, k, ...])
            k += 1
    return out


def pad_channel_first(xp, x, pads, value=0.0):
    """``x`` ``(N, C, H, W)`` as channel-first ``(C, N, H+pt+pb, W+pl+pr)`` filled with ``value``."""
    xc = xp.permute_dims(x, (1, 0, 2, 3))
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return xc
    c, n, h, w = xc.shape
    out = xp.full((c, n, h + pt + pb, w + pl + pr), value, dtype=x.dtype, device=_device(x))
    return set_at(xp, out, (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w)), xc)


def _gmm(xp, a, b):
    """Batched (per-group) matrix product that drops a group axis of 1 (plain GEMM)."""
    if a.shape[0] == 1:
        return (a[0, ...] @ b[0, ...])[None, ...]
    return a @ b


class Conv2d(Function):
    """2-D cross-correlation (PyTorch's ``conv2d``), forward and backward in one node.

    Params: ``stride (sh, sw)``, ``pads (top, bottom, left, right)``, ``dilation (dh, dw)``,
    ``groups``.  Weight ``(O, C/groups, KH, KW)``, bias ``(O,)``.
    """

    def forward(self, xp, x, w, b=None, *, stride, pads, dilation, groups):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        hp, wp = h + pads[0] + pads[1], wd + pads[2] + pads[3]
        oh = (hp - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        ow = (wp - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        xc = pad_channel_first(xp, x, pads)
        cols = im2col(xp, xc, (kh, kw), stride, dilation, (oh, ow))
        cols = xp.reshape(cols, (groups, cg * kh * kw, n * oh * ow))
        wm = xp.reshape(w, (groups, o // groups, cg * kh * kw))
        y = xp.reshape(_gmm(xp, wm, cols), (o, n * oh * ow))
        if b is not None:
            y = y + b[:, None]
        self.cols, self.wm = cols, wm
        self.geom = (x.shape, w.shape, (hp, wp), (oh, ow), stride, pads, dilation, groups)
        return xp.permute_dims(xp.reshape(y, (o, n, oh, ow)), (1, 0, 2, 3))

    def backward(self, xp, g):
        xshape, wshape, (hp, wp), (oh, ow), stride, pads, dilation, groups = self.geom
        n, c, h, wd = xshape
        o, cg, kh, kw = wshape
        gm = xp.reshape(xp.permute_dims(g, (1, 0, 2, 3)), (groups, o // groups, n * oh * ow))
        need_b = len(self.needs) > 2 and self.needs[2]
        gx = gw = gb = None
        if self.needs[0]:
            gcols = _gmm(xp, xp.matrix_transpose(self.wm), gm)
            gcols = xp.reshape(gcols, (c, kh * kw, n, oh, ow))
            gxc = col2im(xp, gcols, (c, n, hp, wp), (kh, kw), stride, dilation)
            gx = xp.permute_dims(gxc[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd], (1, 0, 2, 3))
        if self.needs[1]:
            gw = xp.reshape(_gmm(xp, gm, xp.matrix_transpose(self.cols)), wshape)
        if need_b:
            gb = xp.sum(xp.reshape(gm, (o, n * oh * ow)), axis=1)
        return (gx, gw, gb) if len(self.needs) > 2 else (gx, gw)


class ConvTranspose2d(Function):
    """2-D transposed convolution (the adjoint of :class:`Conv2d` w.r.t. its input).

    Weight ``(C_in, C_out/groups, KH, KW)`` as in PyTorch.  Params: ``stride``,
    ``padding (ph, pw)``, ``output_padding (oph, opw)``, ``dilation``, ``groups``.
    """

    def forward(self, xp, x, w, b=None, *, stride, padding, output_padding, dilation, groups):
        n, cin, h, wd = x.shape
        _, cog, kh, kw = w.shape
        cout = cog * groups
        hf = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0]
        wf = (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]
        hout, wout = hf - 2 * padding[0], wf - 2 * padding[1]
        xm = xp.reshape(xp.permute_dims(x, (1, 0, 2, 3)), (groups, cin // groups, n * h * wd))
        wm = xp.reshape(w, (groups, cin // groups, cog * kh * kw))
        cols = xp.reshape(_gmm(xp, xp.matrix_transpose(wm), xm), (cout, kh * kw, n, h, wd))
        yc = col2im(xp, cols, (cout, n, hf, wf), (kh, kw), stride, dilation)
        yc = yc[:, :, padding[0]:padding[0] + hout, padding[1]:padding[1] + wout]
        if b is not None:
            yc = yc + b[:, None, None, None]
        self.xm, self.wm = xm, wm
        self.geom = (x.shape, w.shape, (hf, wf), (hout, wout), stride, padding, dilation, groups)
        return xp.permute_dims(yc, (1, 0, 2, 3))

    def backward(self, xp, g):
        xshape, wshape, (hf, wf), (hout, wout), stride, padding, dilation, groups = self.geom
        n, cin, h, wd = xshape
        _, cog, kh, kw = wshape
        pads = (padding[0], hf - hout - padding[0], padding[1], wf - wout - padding[1])
        gc = pad_channel_first(xp, g, pads)
        gcols = xp.reshape(im2col(xp, gc, (kh, kw), stride, dilation, (h, wd)),
                           (groups, cog * kh * kw, n * h * wd))
        gx = gw = gb = None
        if self.needs[0]:
            gx = xp.reshape(_gmm(xp, self.wm, gcols), (cin, n, h, wd))
            gx = xp.permute_dims(gx, (1, 0, 2, 3))
        if self.needs[1]:
            gw = xp.reshape(_gmm(xp, self.xm, xp.matrix_transpose(gcols)), wshape)
        if len(self.needs) > 2 and self.needs[2]:
            gb = xp.sum(g, axis=(0, 2, 3))
        return (gx, gw, gb) if len(self.needs) > 2 else (gx, gw)
