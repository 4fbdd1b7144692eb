"""Shape primitives: reshape, permute, broadcast, concat, stack, split, unbind.

Backward of each is another shape operation (no arithmetic): ``saves_inputs = False``.

Example:
    >>> x = pn.arange(6.0).reshape(2, 3)
    >>> a, b = pn.split(x.T, [1, 2])
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .util import device_of, lift, register_methods, unbroadcast

__all__ = ["reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze",
           "broadcast_to", "concat", "cat", "stack", "split", "chunk", "unbind"]


class Reshape(Function):
    saves_inputs = False

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.reshape(a, shape)

    def backward(self, xp, g):
        return (xp.reshape(g, self.shape),)


class Permute(Function):
    saves_inputs = False

    def forward(self, xp, a, axes):
        self.axes = axes
        return xp.permute_dims(a, axes)

    def backward(self, xp, g):
        inv = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inv[a] = i
        return (xp.permute_dims(g, tuple(inv)),)


class BroadcastTo(Function):
    saves_inputs = False

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.broadcast_to(a, shape)

    def backward(self, xp, g):
        return (unbroadcast(xp, g, self.shape),)


class Concat(Function):
    saves_inputs = False

    def forward(self, xp, *arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return xp.concat(arrays, axis=axis)

    def backward(self, xp, g):
        out, start = [], 0
        ax = self.axis % g.ndim
        for n, need in zip(self.sizes, self.needs):
            if need:
                sl = (slice(None),) * ax + (slice(start, start + n), ...)
                out.append(g[sl])
            else:
                out.append(None)
            start += n
        return tuple(out)


class Stack(Function):
    saves_inputs = False

    def forward(self, xp, *arrays, axis):
        self.axis = axis
        return xp.stack(arrays, axis=axis)

    def backward(self, xp, g):
        ax = self.axis % g.ndim
        return tuple(g[(slice(None),) * ax + (i, ...)] if need else None
                     for i, need in enumerate(self.needs))


class Split(Function):
    """``a`` cut along ``axis`` into pieces of ``sizes``: one node, one output per piece.

    Backward joins the pieces' gradients with one ``concat`` (zeros for pieces that got
    none), so each slice of the input gradient is written once.
    """

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, sizes, axis):
        self.axis, self.sizes = axis, sizes
        self.shape, self.dtype = a.shape, a.dtype
        out, start = [], 0
        lead = (slice(None),) * axis
        for n in sizes:
            out.append(a[lead + (slice(start, start + n), ...)])
            start += n
        return tuple(out)

    def backward(self, xp, *grads):
        ref = next(g for g in grads if g is not None)
        parts = []
        for n, g in zip(self.sizes, grads):
            if g is None:
                shape = self.shape[:self.axis] + (n,) + self.shape[self.axis + 1:]
                g = xp.zeros(shape, dtype=ref.dtype, device=device_of(ref))
            parts.append(g)
        return (xp.concat(parts, axis=self.axis) if len(parts) > 1 else parts[0],)


class Unbind(Function):
    """The slices ``a[..., i, ...]`` along ``axis``, one output each; backward stacks them."""

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, axis):
        self.axis, self.shape = axis, a.shape
        lead = (slice(None),) * axis
        return tuple(a[lead + (i, ...)] for i in range(a.shape[axis]))

    def backward(self, xp, *grads):
        ref = next(g for g in grads if g is not None)
        zero = None
        parts = []
        for g in grads:
            if g is None:
                if zero is None:
                    zero = xp.zeros(ref.shape, dtype=ref.dtype, device=device_of(ref))
                g = zero
            parts.append(g)
        return (xp.stack(parts, axis=self.axis),)


# ------------------------------------------------------------------ functions
def reshape(a: Tensor, *shape) -> Tensor:
    """Reshape; one dimension may be ``-1``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape.apply(a, shape=tuple(shape))


def permute(a: Tensor, *axes) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return Permute.apply(a, axes=tuple(ax % a.ndim for ax in axes))


def transpose(a: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (PyTorch); with no axes, reverse them all (NumPy)."""
    n = a.ndim
    if dim0 is None:
        axes = tuple(range(n - 1, -1, -1))
    else:
        axes = list(range(n))
        axes[dim0 % n], axes[dim1 % n] = axes[dim1 % n], axes[dim0 % n]
    return Permute.apply(a, axes=tuple(axes))


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shp = a.shape
    if not shp:
        return reshape(a, (1,))
    s, e = start_dim % len(shp), end_dim % len(shp)
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(a, shp[:s] + (n,) + shp[e + 1:])


def squeeze(a: Tensor, dim: int | None = None) -> Tensor:
    shp = a.shape
    if dim is None:
        return reshape(a, tuple(d for d in shp if d != 1))
    dim = dim % len(shp)
    if shp[dim] != 1:
        return a
    return reshape(a, shp[:dim] + shp[dim + 1:])


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    shp = a.shape
    dim = dim % (len(shp) + 1)
    return reshape(a, shp[:dim] + (1,) + shp[dim:])


def broadcast_to(a: Tensor, shape) -> Tensor:
    return BroadcastTo.apply(a, shape=tuple(shape))


def concat(tensors, axis: int = 0) -> Tensor:
    """Join along an existing axis (``pn.cat`` is the PyTorch name)."""
    tensors = list(tensors)
    return Concat.apply(*[lift(t, tensors[0]) for t in tensors], axis=axis)


cat = concat


def stack(tensors, axis: int = 0) -> Tensor:
    """Join along a new axis."""
    tensors = list(tensors)
    return Stack.apply(*[lift(t, tensors[0]) for t in tensors], axis=axis)


def split(a: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Cut ``a`` along ``dim`` into pieces of ``split_size_or_sections`` (an int: equal
    pieces, the last one smaller; a list: those sizes), as ``torch.split``; one node.

    Example:
        >>> a, b = pn.split(pn.arange(5.0), [2, 3])
    """
    n = a.shape[dim]
    dim = dim % a.ndim
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive integer, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        sizes = sizes or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum to {n}, the "
                             f"size of dimension {dim}")
    return Split.apply(a, sizes=tuple(sizes), axis=dim)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Cut ``a`` into ``chunks`` nearly equal pieces along ``dim`` (``torch.chunk``: pieces of
    ``ceil(n / chunks)``, so there may be fewer than ``chunks``).

    Example:
        >>> i, f, g, o = pn.chunk(gates, 4, dim=1)
    """
    if not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    n = a.shape[dim]
    return split(a, max(-(-n // chunks), 1), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices of ``a`` along ``dim``, as a tuple (``torch.unbind``); one node.

    Example:
        >>> rows = pn.unbind(pn.ones(3, 2))
    """
    return Unbind.apply(a, axis=dim % a.ndim)


register_methods(reshape, permute, transpose, flatten, squeeze, unsqueeze, broadcast_to, split,
                 chunk, unbind, view=reshape,
                 T=property(lambda self: transpose(self)),
                 mT=property(lambda self: transpose(self, -2, -1)))
