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

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.fast import lookup
from .im2col import col2im, im2col, pad_channel_first
from .shape import reshape
from .util import ntuple

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "conv_padding"]


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
        fast = lookup(xp, "conv2d")  # a backend's own kernel (portanet.kernels), if it applies
        if fast is not None:
            done = fast(x, w, b, stride, pads, dilation, groups)
            if done is not None:
                y, self.fast = done
                return y
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
        if "fast" in self.__dict__:
            return self.fast.backward(g, self.needs)
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


# ------------------------------------------------------------------ functions
def conv_padding(padding, kernel, dilation, stride, who) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for int/tuple ``padding`` or ``"same"``/``"valid"``.

    Raises:
        ValueError: naming ``who`` for an unknown string or ``"same"`` with a stride.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{who}: padding must be 'same', 'valid' or ints, got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{who}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)  # PyTorch puts the odd extra pixel at the end
            out += [total // 2, total - total // 2]
        return tuple(out)
    ph, pw = ntuple(padding, 2, "padding")
    return (ph, ph, pw, pw)


def _conv2d(x, weight, bias, stride, padding, dilation, groups, who, nd=2):
    """Check shapes (errors name ``who`` and the shapes), then run the fused primitive."""
    wshape = weight.shape
    names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != nd + 2:
        raise ValueError(f"{who} expected a {nd + 2}-D input {names}, got a {x.ndim}-D input "
                         f"of shape {x.shape}" + (" (add a batch axis: x[None])"
                                                  if x.ndim == nd + 1 else ""))
    if x.shape[1] != wshape[1] * groups:
        raise ValueError(f"{who} expected input with {wshape[1] * groups} channels, got shape "
                         f"{x.shape} (weight of shape {wshape}, groups={groups})")
    if nd == 1:
        x = reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))
        weight = reshape(weight, (wshape[0], wshape[1], 1, wshape[2]))
    kernel = tuple(weight.shape[2:])
    pads = conv_padding(padding, kernel, dilation, stride, who)
    for ax, (k, d, p0, p1) in enumerate(zip(kernel, dilation, pads[::2], pads[1::2])):
        if d * (k - 1) + 1 > x.shape[2 + ax] + p0 + p1:
            shape = x.shape if nd == 2 else (x.shape[0], x.shape[1], x.shape[3])
            pad = padding if isinstance(padding, str) or nd == 2 else padding[1:]
            raise ValueError(
                f"{who}: kernel size {tuple(wshape[2:])} (dilation {dilation[-nd:]}) is larger than "
                f"the padded input: input shape {shape}, padding {pad!r}")
    args = (x, weight) if bias is None else (x, weight, bias)
    y = Conv2d.apply(*args, stride=stride, pads=pads, dilation=dilation, groups=groups)
    if nd == 1:
        y = reshape(y, (y.shape[0], y.shape[1], y.shape[3]))
    return y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           _who="conv2d"):
    """2-D convolution (cross-correlation) of ``(N, C, H, W)`` with ``(O, C/groups, KH, KW)``.

    Args:
        padding: int, pair, ``"valid"`` (none) or ``"same"`` (output size = input size,
            stride 1 only).

    Example:
        >>> F.conv2d(pn.ones(1, 1, 4, 4), pn.ones(2, 1, 3, 3), padding=1).shape
        (1, 2, 4, 4)
    """
    argcheck.window("conv2d", 2, 1, stride, padding, dilation)
    argcheck.positive_int("conv2d", "groups", groups)
    return _conv2d(input, weight, bias, ntuple(stride, 2, "stride"), padding,
                   ntuple(dilation, 2, "dilation"), groups, _who)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
           _who="conv1d"):
    """1-D convolution of ``(N, C, L)`` with ``(O, C/groups, K)`` (runs as a 2-D one of height 1).

    Example:
        >>> F.conv1d(pn.ones(1, 2, 10), pn.ones(4, 2, 3)).shape
        (1, 4, 8)
    """
    argcheck.window("conv1d", 1, 1, stride, padding, dilation)
    argcheck.positive_int("conv1d", "groups", groups)
    pad = padding if isinstance(padding, str) else (0, ntuple(padding, 1, "padding")[0])
    return _conv2d(input, weight, bias, (1,) + ntuple(stride, 1, "stride"), pad,
                   (1,) + ntuple(dilation, 1, "dilation"), groups, _who, nd=1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, _who="conv_transpose2d"):
    """Transposed 2-D convolution; weight ``(C_in, C_out/groups, KH, KW)``.

    Output size ``(H-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1``.

    Example:
        >>> F.conv_transpose2d(pn.ones(1, 4, 5, 5), pn.ones(4, 2, 3, 3), stride=2).shape
        (1, 2, 11, 11)
    """
    argcheck.window("conv_transpose2d", 2, 1, stride, padding, dilation)
    argcheck.int_tuple("conv_transpose2d", "output_padding", output_padding, 2, 0)
    argcheck.positive_int("conv_transpose2d", "groups", groups)
    return _conv_transpose2d(input, weight, bias, ntuple(stride, 2, "stride"),
                             ntuple(padding, 2, "padding"), ntuple(output_padding, 2, "output_padding"),
                             groups, ntuple(dilation, 2, "dilation"), _who)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, _who="conv_transpose1d"):
    """Transposed 1-D convolution of ``(N, C_in, L)`` with ``(C_in, C_out/groups, K)`` (runs as
    the 2-D one with height 1); ``L_out = (L-1)*stride - 2*padding + dilation*(K-1) +
    output_padding + 1``.

    Example:
        >>> F.conv_transpose1d(pn.ones(1, 4, 5), pn.ones(4, 2, 3), stride=2).shape
        (1, 2, 11)
    """
    argcheck.window("conv_transpose1d", 1, 1, stride, padding, dilation)
    argcheck.int_tuple("conv_transpose1d", "output_padding", output_padding, 1, 0)
    argcheck.positive_int("conv_transpose1d", "groups", groups)
    if isinstance(input, Tensor) and input.ndim != 3:
        raise ValueError(f"{_who} expected a 3-D input (N, C, L), got a {input.ndim}-D input of "
                         f"shape {input.shape}")
    if weight.ndim != 3:
        raise ValueError(f"{_who} expected a 3-D weight (C_in, C_out/groups, K), got shape "
                         f"{weight.shape}")
    x = reshape(input, (input.shape[0], input.shape[1], 1, input.shape[2])) \
        if isinstance(input, Tensor) else input
    w = reshape(weight, (weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    y = _conv_transpose2d(x, w, bias, (1,) + ntuple(stride, 1, "stride"),
                          (0,) + ntuple(padding, 1, "padding"),
                          (0,) + ntuple(output_padding, 1, "output_padding"), groups,
                          (1,) + ntuple(dilation, 1, "dilation"), _who)
    return reshape(y, (y.shape[0], y.shape[1], y.shape[3]))


def _conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation, who):
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expected a pn.Tensor input, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{who} expected a 4-D input (N, C, H, W), got a {x.ndim}-D input of "
                         f"shape {x.shape}")
    if x.shape[1] != weight.shape[0]:
        raise ValueError(f"{who} expected input with {weight.shape[0]} channels, got shape "
                         f"{x.shape} (weight of shape {weight.shape})")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{who}: output_padding {output_padding} must be smaller than "
                             f"stride {stride} or dilation {dilation}")
    for ax in range(2):
        k = weight.shape[2 + ax]
        size = (x.shape[2 + ax] - 1) * stride[ax] - 2 * padding[ax] + dilation[ax] * (k - 1) \
            + output_padding[ax] + 1
        if size <= 0:
            raise ValueError(f"{who}: padding {padding} leaves no output for input shape {x.shape} "
                             f"and weight shape {weight.shape}")
    args = (x, weight) if bias is None else (x, weight, bias)
    return ConvTranspose2d.apply(*args, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation, groups=groups)
