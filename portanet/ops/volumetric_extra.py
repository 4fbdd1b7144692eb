"""More for volumes ``(N, C, D, H, W)``: ``conv_transpose3d``, ``adaptive_avg_pool3d``,
``adaptive_max_pool3d``, composed from the 2-D and separable machinery (no new primitive,
so every gradient comes from the parts' own backward).

``conv_transpose3d``: for each depth offset ``kd`` of the kernel, one ``conv_transpose2d``
over the ``N*D`` depth slices with ``weight[:, :, kd]``; its result is spread along depth
by the stride (zeros between slices, ``F.pad`` on a new axis), shifted to depth
``kd*dilation`` and summed, then the depth padding is cropped.

Example:
    >>> F.conv_transpose3d(pn.ones(1, 2, 3, 3, 3), pn.ones(2, 4, 2, 2, 2), stride=2).shape
    (1, 4, 6, 6, 6)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from .conv import conv_transpose2d
from .interpolate import interpolate
from .padding import pad
from .pool_extra import _adaptive_max, _sizes
from .shape import permute, reshape
from .util import ntuple
from .volumetric import _check5

__all__ = ["conv_transpose3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1, _who="conv_transpose3d"):
    """Transposed 3-D convolution; weight ``(C_in, C_out/groups, KD, KH, KW)``; each output
    size ``(S-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1``.

    Example:
        >>> F.conv_transpose3d(pn.ones(1, 4, 2, 3, 3), pn.ones(4, 2, 3, 3, 3), padding=1).shape
        (1, 2, 2, 3, 3)
    """
    argcheck.window(_who, 3, 1, stride, padding, dilation)
    argcheck.int_tuple(_who, "output_padding", output_padding, 3, 0)
    argcheck.positive_int(_who, "groups", groups)
    _check5(_who, input)
    if weight.ndim != 5 or input.shape[1] != weight.shape[0]:
        raise ValueError(f"{_who} expected input with {weight.shape[0]} channels and a 5-D weight, "
                         f"got input shape {input.shape} (weight of shape {weight.shape})")
    stride, padding = ntuple(stride, 3, "stride"), ntuple(padding, 3, "padding")
    output_padding, dilation = ntuple(output_padding, 3, "output_padding"), ntuple(dilation, 3, "dilation")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{_who}: output_padding {output_padding} must be smaller than "
                             f"stride {stride} or dilation {dilation}")
    n, cin, d, h, w = input.shape
    kd_n = weight.shape[2]
    full = (d - 1) * stride[0] + dilation[0] * (kd_n - 1) + 1 + output_padding[0]
    if full - 2 * padding[0] <= 0:
        raise ValueError(f"{_who}: padding {padding} leaves no output for input shape {input.shape} "
                         f"and weight shape {weight.shape}")
    xs = reshape(permute(input, (0, 2, 1, 3, 4)), (n * d, cin, h, w))
    spread = (d - 1) * stride[0] + 1
    y = None
    for kd in range(kd_n):
        z = conv_transpose2d(xs, weight[:, :, kd], None, stride[1:], padding[1:], output_padding[1:],
                             groups, dilation[1:], _who=_who)
        cout, ho, wo = z.shape[1], z.shape[2], z.shape[3]
        z = permute(reshape(z, (n, d, cout, ho, wo)), (0, 2, 1, 3, 4))      # (N, Cout, D, Ho, Wo)
        if stride[0] > 1:  # zeros between the depth slices
            z = pad(reshape(z, (n, cout, d, 1, ho, wo)), (0, 0, 0, 0, 0, stride[0] - 1))
            z = reshape(z, (n, cout, d * stride[0], ho, wo))[:, :, :spread]
        start = kd * dilation[0]
        z = pad(z, (0, 0, 0, 0, start, full - start - spread))
        y = z if y is None else y + z
    y = y[:, :, padding[0]:full - padding[0]]
    if bias is not None:
        y = y + reshape(bias, (y.shape[1], 1, 1, 1))
    return y


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of ``(N, C, D, H, W)`` to ``output_size`` (int or 3 ints/None), PyTorch's
    windows (separable averaging matrices, as ``interpolate(mode="area")``).

    Example:
        >>> F.adaptive_avg_pool3d(pn.ones(1, 2, 5, 6, 7), (2, None, 3)).shape
        (1, 2, 2, 6, 3)
    """
    who = "adaptive_avg_pool3d"
    _check5(who, input)
    return interpolate(input, size=_sizes(who, output_size, 3, input.shape), mode="area")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, D, H, W)`` to ``output_size``; ``return_indices`` gives the flat
    ``(d*H + h)*W + w`` index of each maximum (the first in row-major order, as PyTorch).

    Example:
        >>> F.adaptive_max_pool3d(pn.zeros(1, 2, 5, 6, 7), 2).shape
        (1, 2, 2, 2, 2)
    """
    who = "adaptive_max_pool3d"
    _check5(who, input)
    od, oh, ow = _sizes(who, output_size, 3, input.shape)
    y, iw = _adaptive_max(input, 4, ow)    # (N, C, D, H, OW)
    y, ih = _adaptive_max(y, 3, oh)        # (N, C, D, OH, OW)
    y, idd = _adaptive_max(y, 2, od)       # (N, C, OD, OH, OW)
    if not return_indices:
        return y
    xp = input._bk.xp
    iw = xp.take_along_axis(iw, ih, axis=3)                        # columns of the row winners
    ih, iw = xp.take_along_axis(ih, idd, axis=2), xp.take_along_axis(iw, idd, axis=2)
    _, _, d, h, w = input.shape
    return y, Tensor.from_array((idd * h + ih) * w + iw, input._bk)
