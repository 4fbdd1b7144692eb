"""Rearranging pixels: ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle`` (reshapes
and a transpose, so their gradients are those of ``reshape``/``permute``), and ``unfold`` /
``fold`` (sliding blocks to columns and back, on the im2col machinery of ``im2col.py``).

Example:
    >>> F.pixel_shuffle(pn.zeros(1, 8, 3, 3), 2).shape
    (1, 2, 6, 6)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .im2col import col2im, im2col, pad_channel_first
from .shape import permute, reshape
from .util import ntuple

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold"]


def _tensor(who, x, min_ndim):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a pn.Tensor, got {type(x).__name__}")
    if x.ndim < min_ndim:
        raise ValueError(f"{who}: expected an input with at least {min_ndim} dimensions, got a "
                         f"{x.ndim}-D input of shape {x.shape}")


def pixel_shuffle(input, upscale_factor):
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)`` with ``r = upscale_factor`` (sub-pixel conv).

    Example:
        >>> F.pixel_shuffle(pn.zeros(2, 9, 4, 4), 3).shape
        (2, 1, 12, 12)
    """
    who = "pixel_shuffle"
    r = argcheck.positive_int(who, "upscale_factor", upscale_factor)
    _tensor(who, input, 3)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"{who}: number of input channels ({c}) must be divisible by the square of "
                         f"upscale_factor ({r * r}); input shape {input.shape}")
    k, nl = len(lead), c // (r * r)
    y = reshape(input, (*lead, nl, r, r, h, w))
    y = permute(y, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return reshape(y, (*lead, nl, h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``, the inverse of :func:`pixel_shuffle`.

    Example:
        >>> F.pixel_unshuffle(pn.zeros(2, 1, 12, 12), 3).shape
        (2, 9, 4, 4)
    """
    who = "pixel_unshuffle"
    r = argcheck.positive_int(who, "downscale_factor", downscale_factor)
    _tensor(who, input, 3)
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"{who}: height ({h}) and width ({w}) must be divisible by "
                         f"downscale_factor ({r}); input shape {input.shape}")
    k = len(lead)
    y = reshape(input, (*lead, c, h // r, r, w // r, r))
    y = permute(y, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups (ShuffleNet).

    Example:
        >>> F.channel_shuffle(pn.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    who = "channel_shuffle"
    g = argcheck.positive_int(who, "groups", groups)
    _tensor(who, input, 3)
    n, c, *rest = input.shape
    if c % g:
        raise ValueError(f"{who}: number of channels ({c}) must be divisible by groups ({g})")
    y = reshape(input, (n, g, c // g, *rest))
    y = permute(y, (0, 2, 1, *range(3, 3 + len(rest))))
    return reshape(y, input.shape)


class Unfold(Function):
    """Sliding blocks of ``(N, C, H, W)`` as columns ``(N, C*KH*KW, L)`` (``L`` blocks)."""

    saves_inputs = False

    def forward(self, xp, x, *, kernel, stride, padding, dilation):
        n, c, h, w = x.shape
        ph, pw = padding
        hp, wp = h + 2 * ph, w + 2 * pw
        oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
        ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
        cols = im2col(xp, pad_channel_first(xp, x, (ph, ph, pw, pw)), kernel, stride, dilation,
                      (oh, ow))  # (C, K, N, OH, OW)
        self.geom = (x.shape, (hp, wp), (oh, ow), kernel, stride, padding, dilation)
        cols = xp.permute_dims(cols, (2, 0, 1, 3, 4))
        return xp.reshape(cols, (n, c * kernel[0] * kernel[1], oh * ow))

    def backward(self, xp, g):
        (n, c, h, w), (hp, wp), (oh, ow), kernel, stride, (ph, pw), dilation = self.geom
        gc = xp.permute_dims(xp.reshape(g, (n, c, kernel[0] * kernel[1], oh, ow)), (1, 2, 0, 3, 4))
        gx = col2im(xp, gc, (c, n, hp, wp), kernel, stride, dilation)
        return (xp.permute_dims(gx[:, :, ph:ph + h, pw:pw + w], (1, 0, 2, 3)),)


class Fold(Function):
    """Sum columns ``(N, C*KH*KW, L)`` back into ``(N, C, H, W)`` (the adjoint of Unfold)."""

    saves_inputs = False

    def forward(self, xp, cols, *, out_hw, kernel, stride, padding, dilation, blocks):
        n, ck, _ = cols.shape
        c, (oh, ow), (ph, pw) = ck // (kernel[0] * kernel[1]), blocks, padding
        h, w = out_hw
        gc = xp.permute_dims(xp.reshape(cols, (n, c, kernel[0] * kernel[1], oh, ow)), (1, 2, 0, 3, 4))
        y = col2im(xp, gc, (c, n, h + 2 * ph, w + 2 * pw), kernel, stride, dilation)
        self.geom = (cols.shape, kernel, stride, padding, dilation, blocks)
        return xp.permute_dims(y[:, :, ph:ph + h, pw:pw + w], (1, 0, 2, 3))

    def backward(self, xp, g):
        shape, kernel, stride, (ph, pw), dilation, blocks = self.geom
        gcols = im2col(xp, pad_channel_first(xp, g, (ph, ph, pw, pw)), kernel, stride, dilation,
                       blocks)
        return (xp.reshape(xp.permute_dims(gcols, (2, 0, 1, 3, 4)), shape),)


def _window(who, kernel_size, dilation, padding, stride):
    argcheck.window(who, 2, kernel_size, stride, padding, dilation)
    return (ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation"),
            ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride"))


def _blocks(who, hw, kernel, dilation, padding, stride):
    out = []
    for ax in range(2):
        n = (hw[ax] + 2 * padding[ax] - dilation[ax] * (kernel[ax] - 1) - 1) // stride[ax] + 1
        if n < 1:
            raise ValueError(f"{who}: kernel_size {kernel} (dilation {dilation}) is larger than the "
                             f"padded spatial size {tuple(hw)} with padding {padding}")
        out.append(n)
    return tuple(out)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: ``(N, C, H, W) -> (N, C*KH*KW, L)`` (im2col), PyTorch's layout.

    A 3-D ``(C, H, W)`` input is treated as a batch of one (PyTorch's unbatched form).

    Example:
        >>> F.unfold(pn.zeros(1, 2, 4, 4), 2).shape
        (1, 8, 9)
    """
    who = "unfold"
    kernel, dilation, padding, stride = _window(who, kernel_size, dilation, padding, stride)
    _tensor(who, input, 3)
    if input.ndim not in (3, 4):
        raise ValueError(f"{who}: expected a 3-D (unbatched) or 4-D (batched) input, got shape "
                         f"{input.shape}")
    if input.ndim == 3:
        return unfold(reshape(input, (1,) + tuple(input.shape)), kernel, dilation, padding,
                      stride)[0]
    _blocks(who, input.shape[2:], kernel, dilation, padding, stride)
    return Unfold.apply(input, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Combine sliding blocks ``(N, C*KH*KW, L) -> (N, C, H, W)`` (col2im); overlaps are summed.
    A 2-D ``(C*KH*KW, L)`` input is treated as a batch of one (PyTorch's unbatched form).

    Example:
        >>> F.fold(pn.ones(1, 8, 9), (4, 4), 2).shape
        (1, 2, 4, 4)
    """
    who = "fold"
    kernel, dilation, padding, stride = _window(who, kernel_size, dilation, padding, stride)
    out_hw = argcheck.int_tuple(who, "output_size", output_size, 2, 1)
    _tensor(who, input, 2)
    if input.ndim not in (2, 3):
        raise ValueError(f"{who}: expected a 2-D (unbatched) or 3-D (batched) input, got shape "
                         f"{input.shape}")
    if input.ndim == 2:
        return fold(reshape(input, (1,) + tuple(input.shape)), out_hw, kernel, dilation, padding,
                    stride)[0]
    k = kernel[0] * kernel[1]
    if input.shape[1] % k:
        raise ValueError(f"{who}: expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size {kernel} ({k}), got input shape {input.shape}")
    blocks = _blocks(who, out_hw, kernel, dilation, padding, stride)
    if input.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"{who}: given output_size={out_hw}, kernel_size={kernel}, "
                         f"dilation={dilation}, padding={padding}, stride={stride}, expected size "
                         f"of input's dimension 2 to match the calculated number of sliding blocks "
                         f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                         f"input.size(2)={input.shape[2]}")
    return Fold.apply(input, out_hw=out_hw, kernel=kernel, stride=stride, padding=padding,
                      dilation=dilation, blocks=blocks)
