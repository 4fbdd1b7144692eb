"""Shape primitives: reshape, permute, broadcast, concat, stack, split, unbind.

Backward of each is another shape operation (no arithmetic): ``saves_inputs = False``.

Example:
    >>> x = pn.arange(6.0).reshape(2, 3)
    >>> a, b = pn.split(x.T, [1, 2])
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote
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
    shape = tuple(shape)
    try:
        return Reshape.apply(a, shape=shape)
    except Exception as e:  # noqa: BLE001 - in our words (each backend has its own); no cost until then
        raise _bad_reshape(a, shape, e) from None


def _bad_reshape(a: Tensor, shape: tuple, error: Exception) -> Exception:
    if not all(argcheck.is_int(n) for n in shape):
        return TypeError(f"reshape: shape must be a tuple of ints, got {shape!r}")
    numel = 1
    for n in a.shape:
        numel *= n
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    if (shape.count(-1) > 1 or any(n < -1 for n in shape)
            or (numel != known if -1 not in shape else (known == 0 or numel % known))):
        return ValueError(f"reshape: shape {shape} is invalid for input of size {numel} "
                          f"(shape {a.shape})")
    return error


def permute(a: Tensor, *axes) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if len(axes) != a.ndim:
        raise ValueError(f"permute: dims {tuple(axes)} must name each of the input's {a.ndim} "
                         f"dimensions once (input shape {a.shape})")
    axes = argcheck.dims("permute", axes, a.ndim, "dims")
    return Permute.apply(a, axes=tuple(ax % a.ndim for ax in axes))


def transpose(a: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (PyTorch); with no axes, reverse them all (NumPy)."""
    n = a.ndim
    if dim0 is None:
        axes = tuple(range(n - 1, -1, -1))
    else:
        dim0, dim1 = argcheck.dim("transpose", dim0, n, "dim0"), argcheck.dim("transpose", dim1, n, "dim1")
        axes = list(range(n))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(a, axes=tuple(axes))


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shp = a.shape
    s = argcheck.dim("flatten", start_dim, len(shp), "start_dim")
    e = argcheck.dim("flatten", end_dim, len(shp), "end_dim")
    if not shp:
        return reshape(a, (1,))
    if s > e:
        raise ValueError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim}) "
                         f"for an input of shape {shp}")
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(a, shp[:s] + (n,) + shp[e + 1:])


def squeeze(a: Tensor, dim: int | None = None) -> Tensor:
    shp = a.shape
    if dim is None:
        return reshape(a, tuple(d for d in shp if d != 1))
    dim = argcheck.dim("squeeze", dim, len(shp))
    if not shp or shp[dim] != 1:
        return a
    return reshape(a, shp[:dim] + shp[dim + 1:])


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    shp = a.shape
    dim = argcheck.dim("unsqueeze", dim, len(shp) + 1)
    return reshape(a, shp[:dim] + (1,) + shp[dim:])


def broadcast_to(a: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    sa = tuple(a.shape)
    if len(sa) > len(shape) or any(x != y and x != 1 for x, y in zip(sa[::-1], shape[::-1])):
        raise ValueError(f"broadcast_to: a tensor of shape {sa} cannot be expanded to {shape} "
                         "(each trailing dimension must equal the target or be 1)")
    return BroadcastTo.apply(a, shape=shape)


def _joinable(who: str, tensors: list, axis, new_axis: bool) -> int:
    """Check a cat/stack: a non-empty list of Tensors whose shapes agree (except along
    ``axis`` for cat), ``axis`` in range; returns ``axis`` as a non-negative int."""
    if not tensors:
        raise ValueError(f"{who}: expected a non-empty list of Tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    if first is None:
        raise TypeError(f"{who}: expected a list of Tensors, got {type(tensors[0]).__name__}")
    shapes = [tuple(t.shape) if isinstance(t, Tensor) else () for t in tensors]
    ref = shapes[0]
    axis = argcheck.dim(who, axis, len(ref) + 1 if new_axis else len(ref))
    for i, s in enumerate(shapes[1:], 1):
        same = (s == ref if new_axis else
                len(s) == len(ref) and all(a == b for k, (a, b) in enumerate(zip(s, ref)) if k != axis))
        if not same:
            want = "equal size" if new_axis else f"sizes that match except in dimension {axis}"
            raise ValueError(f"{who}: expects each tensor to have {want}, but got {ref} at "
                             f"entry 0 and {s} at entry {i}")
    return axis


def concat(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Join along an existing axis (``pn.cat`` is the PyTorch name; ``dim`` is ``axis``)."""
    tensors = list(tensors)
    axis = _joinable("cat", tensors, axis if dim is None else dim, new_axis=False)
    return Concat.apply(*promote.common([lift(t, tensors[0]) for t in tensors]), axis=axis)


cat = concat


def stack(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Join along a new axis (``dim`` is PyTorch's name for ``axis``)."""
    tensors = list(tensors)
    axis = _joinable("stack", tensors, axis if dim is None else dim, new_axis=True)
    return Stack.apply(*promote.common([lift(t, tensors[0]) for t in tensors]), axis=axis)


def split(a: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Cut ``a`` along ``dim`` into pieces of ``split_size_or_sections`` (an int: equal
    pieces, the last one smaller; a list: those sizes), as ``torch.split``; one node.

    Example:
        >>> a, b = pn.split(pn.arange(5.0), [2, 3])
    """
    dim = argcheck.dim("split", dim, a.ndim)
    n = a.shape[dim]
    if argcheck.is_int(split_size_or_sections):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive integer, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        sizes = sizes or [0]
    else:
        if not isinstance(split_size_or_sections, (tuple, list)) or not all(
                argcheck.is_int(s) for s in split_size_or_sections):
            raise TypeError("split: split_size_or_sections must be an int or a list of ints, got "
                            f"{type(split_size_or_sections).__name__} {split_size_or_sections!r}")
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
    dim = argcheck.dim("chunk", dim, a.ndim)
    n = a.shape[dim]
    return split(a, max(-(-n // chunks), 1), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices of ``a`` along ``dim``, as a tuple (``torch.unbind``); one node.

    Example:
        >>> rows = pn.unbind(pn.ones(3, 2))
    """
    return Unbind.apply(a, axis=argcheck.dim("unbind", dim, a.ndim))


register_methods(reshape, permute, transpose, flatten, squeeze, unsqueeze, broadcast_to, split,
                 chunk, unbind, view=reshape,
                 T=property(lambda self: transpose(self)),
                 mT=property(lambda self: transpose(self, -2, -1)))
