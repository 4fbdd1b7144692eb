"""im2col / col2im: convolution and pooling windows as strided slices.

The Array API standard has no convolution, so windows are gathered with one strided
slice per kernel offset (``KH*KW`` slices, never a loop over output pixels) and their
gradients added back the same way.  Shared by ``conv.py`` and ``pool.py``.

Example:
    >>> cols = im2col(xp, xc, (3, 3), (1, 1), (1, 1), (oh, ow))   # (C, 9, N, OH, OW)
"""
from __future__ import annotations

from ..backend.inplace import add_at, set_at
from .util import device_of

__all__ = ["span", "im2col", "col2im", "pad_channel_first"]


def span(k: int, d: int, s: int, out: int) -> list[tuple[int, int]]:
    """(start, stop) of the strided slice for each kernel offset along one axis."""
    return [(i * d, i * d + s * (out - 1) + 1) for i in range(k)]


def im2col(xp, xc, kernel, stride, dilation, out_hw):
    """Windows of a channel-first padded array ``xc`` ``(C, N, Hp, Wp)``.

    Returns ``(C, KH*KW, N, OH, OW)``: slice ``k = i*KW + j`` holds the input pixels
    that kernel offset ``(i, j)`` meets at every output position.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    rows, cols = span(kh, dh, sh, oh), span(kw, dw, sw, ow)
    return xp.stack([xc[:, :, r0:r1:sh, c0:c1:sw] for r0, r1 in rows for c0, c1 in cols], axis=1)


def col2im(xp, cols, shape, kernel, stride, dilation):
    """Adjoint of :func:`im2col`: add slice ``k`` of ``cols`` back at kernel offset ``k``.

    ``cols`` is ``(C, KH*KW, N, OH, OW)``; returns zeros of ``shape`` ``(C, N, Hp, Wp)``
    with every window accumulated (overlapping windows sum, as the chain rule needs).
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = cols.shape[3], cols.shape[4]
    out = xp.zeros(shape, dtype=cols.dtype, device=device_of(cols))
    rows, cs = span(kh, dh, sh, oh), span(kw, dw, sw, ow)
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
    out = xp.full((c, n, h + pt + pb, w + pl + pr), value, dtype=x.dtype, device=device_of(x))
    return set_at(xp, out, (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w)), xc)
