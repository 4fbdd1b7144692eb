"""Padding: ``F.pad`` with PyTorch's modes ``constant``, ``reflect``, ``replicate``,
``circular``.

``pad`` lists ``(left, right)`` pairs starting from the LAST axis, as in PyTorch:
``(1, 2)`` pads the last axis, ``(1, 2, 3, 4)`` the last two.  Negative sizes crop.

Two primitives, both pure slicing (no gathers, so every backend runs them alike):

* :class:`ConstantPad` writes the kept part of the input into a filled array; its
  backward reads the same window back out of the gradient.
* :class:`EdgePad` pads ONE axis by concatenating pieces of the input (a flipped strip
  for ``reflect``, the edge row broadcast for ``replicate``, the opposite end for
  ``circular``); its backward adds each piece's gradient back at its source slice.
  Several axes are padded one after the other.

Example:
    >>> F.pad(pn.zeros(1, 2, 3), (1, 2)).shape
    (1, 2, 6)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.inplace import add_at, set_at
from .util import device_of, py_scalar

__all__ = ["pad", "PAD_MODES"]

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _index(ndim, axis, sl):
    return tuple(sl if a == axis else slice(None) for a in range(ndim))


class ConstantPad(Function):
    """Pad (or crop, for negative sizes) with a constant. ``pads``: ``(lo, hi)`` per axis."""

    saves_inputs = False

    def forward(self, xp, x, *, pads, value):
        src, dst, shape = [], [], []
        for n, (lo, hi) in zip(x.shape, pads):
            src.append(slice(max(0, -lo), n - max(0, -hi)))
            dst.append(slice(max(0, lo), max(0, lo) + n - max(0, -lo) - max(0, -hi)))
            shape.append(n + lo + hi)
        self.src, self.dst, self.xshape = tuple(src), tuple(dst), x.shape
        out = xp.full(tuple(shape), value, dtype=x.dtype, device=device_of(x))
        return set_at(xp, out, self.dst, x[self.src])

    def backward(self, xp, g):
        gx = xp.zeros(self.xshape, dtype=g.dtype, device=device_of(g))
        return (set_at(xp, gx, self.src, g[self.dst]),)


class EdgePad(Function):
    """Pad one ``axis`` by ``lo``/``hi`` (both >= 0) in ``mode`` reflect/replicate/circular.

    ``pieces`` is a list of ``(source slice, kind)``, concatenated along ``axis``:
    ``kind`` is ``"copy"``, ``"flip"`` (reflect) or an int ``r`` (the one-row source
    repeated ``r`` times: replicate).
    """

    saves_inputs = False

    def forward(self, xp, x, *, axis, lo, hi, mode):
        n = x.shape[axis]
        if mode == "reflect":
            left, right = (slice(1, lo + 1), "flip"), (slice(n - 1 - hi, n - 1), "flip")
        elif mode == "replicate":
            left, right = (slice(0, 1), lo), (slice(n - 1, n), hi)
        else:  # circular
            left, right = (slice(n - lo, n), "copy"), (slice(0, hi), "copy")
        pieces = ([left] if lo else []) + [(slice(0, n), "copy")] + ([right] if hi else [])
        self.pieces, self.axis, self.xshape = pieces, axis, x.shape
        parts = []
        for sl, kind in pieces:
            p = x[_index(x.ndim, axis, sl)]
            if kind == "flip":
                p = xp.flip(p, axis=axis)
            elif kind != "copy":
                shape = list(p.shape)
                shape[axis] = kind
                p = xp.broadcast_to(p, tuple(shape))
            parts.append(p)
        return xp.concat(parts, axis=axis)

    def backward(self, xp, g):
        axis, nd = self.axis, g.ndim
        gx = xp.zeros(self.xshape, dtype=g.dtype, device=device_of(g))
        start = 0
        for sl, kind in self.pieces:
            width = sl.stop - sl.start if kind in ("copy", "flip") else kind
            p = g[_index(nd, axis, slice(start, start + width))]
            start += width
            if kind == "flip":
                p = xp.flip(p, axis=axis)
            elif kind != "copy":
                p = xp.sum(p, axis=axis, keepdims=True)
            gx = add_at(xp, gx, _index(nd, axis, sl), p)
        return (gx,)


def _check_pad(input, pad, mode, value):
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a pn.Tensor, got {type(input).__name__}")
    if not isinstance(pad, (tuple, list)) or not all(argcheck.is_int(p) for p in pad):
        bad = pad if not isinstance(pad, (tuple, list)) else next(p for p in pad if not argcheck.is_int(p))
        raise TypeError(f"pad: argument 'pad' must be a tuple of ints, got {type(bad).__name__} {bad!r}")
    if mode not in PAD_MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r} (expected one of "
                                  f"{', '.join(repr(m) for m in PAD_MODES)})")
    if len(pad) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pad)} ({tuple(pad)})")
    if len(pad) > 2 * input.ndim:
        raise ValueError(f"pad: padding length should be less than or equal to two times the input "
                         f"dimension but got padding length {len(pad)} and input of dimension "
                         f"{input.ndim}")
    if mode != "constant":
        if value is not None:
            raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument, got "
                             f"value={value!r}")
        k = len(pad) // 2
        if not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
            raise NotImplementedError(
                f"pad: padding size {len(pad)} is not supported for {input.ndim}D input tensor "
                f"in mode {mode!r}; supported: 2D or 3D input with padding size 2 (last axis), "
                "3D or 4D with size 4 (last 2 axes), 4D or 5D with size 6 (last 3 axes)")


def pad(input, pad, mode="constant", value=None):
    """Pad ``input``; ``pad`` = ``(left, right)`` sizes from the last axis backwards.

    Args:
        input: a Tensor.
        pad: even-length tuple of ints, at most ``2 * input.ndim`` long; negative sizes crop.
        mode: ``"constant"`` (any number of axes), or ``"reflect"``, ``"replicate"``,
            ``"circular"`` (the last 1, 2 or 3 axes of a batched or unbatched input,
            PyTorch's rules). ``reflect`` needs each size < the axis length, ``circular``
            <= it (sizes are checked after any negative ones have cropped).
        value: fill for ``"constant"`` (default 0); other modes refuse it.

    Example:
        >>> F.pad(pn.ones(1, 1, 2, 2), (1, 1, 1, 1), mode="replicate").shape
        (1, 1, 4, 4)
    """
    _check_pad(input, pad, mode, value)
    k = len(pad) // 2
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)]  # last axis first
    axes = [input.ndim - 1 - i for i in range(k)]
    full = [(0, 0)] * input.ndim
    for ax, (lo, hi) in zip(axes, pairs):
        full[ax] = (lo, hi)
        if mode == "constant" and input.shape[ax] + lo + hi < 0:
            raise ValueError(f"pad: padding {tuple(pad)} leaves a negative size "
                             f"{input.shape[ax] + lo + hi} on axis {ax} of input shape {input.shape}")
    if mode == "constant":
        if all(p == (0, 0) for p in full):
            return input
        v = 0.0 if value is None else py_scalar(value)
        return ConstantPad.apply(input, pads=tuple(full), value=v)
    # non-constant modes: crop the negative sizes first (PyTorch's order), then pad
    crop = [(min(lo, 0), min(hi, 0)) for lo, hi in full]
    x = input
    if any(c != (0, 0) for c in crop):
        if any(input.shape[a] + lo + hi <= 0 for a, (lo, hi) in enumerate(crop)):
            raise ValueError(f"pad: padding {tuple(pad)} crops input shape {input.shape} to nothing")
        x = ConstantPad.apply(input, pads=tuple(crop), value=0.0)
    for ax, (lo, hi) in zip(axes, pairs):
        lo, hi, n = max(lo, 0), max(hi, 0), x.shape[ax]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"pad: padding size should be less than the corresponding input "
                             f"dimension in mode 'reflect', but got padding ({lo}, {hi}) at "
                             f"dimension {ax} of input {tuple(x.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(f"pad: padding ({lo}, {hi}) at dimension {ax} of input "
                             f"{tuple(x.shape)} would wrap around more than once in mode 'circular'")
        if lo or hi:
            x = EdgePad.apply(x, axis=ax, lo=lo, hi=hi, mode=mode)
    return x
