"""Max and average pooling over strided windows (one slice per kernel offset).

Windows are stacked as ``(KH*KW, N, C, OH, OW)``; the reduction runs over axis 0.
Backward adds each offset's share back with the same strided slices (col2im), so a
pixel shared by overlapping windows sums its gradients.

Example:
    >>> y = MaxPool2d.apply(x, kernel=(2, 2), stride=(2, 2), pads=(0, 0, 0, 0), dilation=(1, 1))
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend.inplace import add_at, set_at
from .conv import _span
from .shape import _device


def _windows(xp, x, kernel, stride, dilation, pads, value):
    """Padded ``x`` and the list of its ``KH*KW`` strided window slices."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = pads
    if pt or pb or pl or pr:
        xpad = xp.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype, device=_device(x))
        xpad = set_at(xp, xpad, (slice(None), slice(None), slice(pt, pt + h), slice(pl, pl + w)), x)
    else:
        xpad = x
    hp, wp = xpad.shape[2], xpad.shape[3]
    oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    rows = _span(kernel[0], dilation[0], stride[0], oh)
    cols = _span(kernel[1], dilation[1], stride[1], ow)
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
        xpad, sl = _windows(xp, x, kernel, stride, dilation, pads, -float("inf"))
        y = xpad[sl[0]]
        for s in sl[1:]:
            y = xp.maximum(y, xpad[s])
        self.xpad, self.y, self.sl, self.pads = xpad, y, sl, pads
        return y

    def backward(self, xp, g):
        xpad, y = self.xpad, self.y
        parts, rem = [], g
        for s in self.sl:
            part = rem * xp.astype(xpad[s] == y, g.dtype)
            parts.append(part)
            rem = rem - part
        return (_scatter(xp, parts, xpad.shape, self.pads, self.sl, g.dtype, _device(g)),)


class AvgPool2d(Function):
    """Mean over each window; ``divisor`` is a Python number or an ``(OH, OW)`` raw array.

    Zero padding: with ``count_include_pad=True`` the divisor is ``KH*KW`` (PyTorch's
    default); otherwise the caller passes the per-window count of real pixels.
    """

    def forward(self, xp, x, *, kernel, stride, pads, divisor):
        xpad, sl = _windows(xp, x, kernel, stride, (1, 1), pads, 0.0)
        total = xpad[sl[0]]
        for s in sl[1:]:
            total = total + xpad[s]
        self.divisor, self.sl, self.pads, self.pshape = divisor, sl, pads, xpad.shape
        return total / divisor

    def backward(self, xp, g):
        share = g / self.divisor
        parts = [share] * len(self.sl)
        return (_scatter(xp, parts, self.pshape, self.pads, self.sl, g.dtype, _device(g)), None)
