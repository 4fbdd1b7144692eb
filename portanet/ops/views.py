"""Shape and copy conveniences PyTorch scripts use every day, composed from the shape
primitives (so they are differentiable): ``expand``, ``expand_as``, ``repeat``, ``t``,
``view_as``, ``reshape_as``, ``swapaxes``, ``clone``, ``contiguous``, ``type_as``,
``bmm``, ``meshgrid``, and the comparison functions ``eq``/``ne``/``gt``/``lt``/``ge``/``le``.

Example:
    >>> x = pn.arange(3.0)
    >>> x.expand(2, 3).shape, x.repeat(2, 2).shape
    ((2, 3), (4, 6))
    >>> gx, gy = pn.meshgrid(pn.arange(3), pn.arange(2), indexing="xy")
"""
from __future__ import annotations

import operator

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .viewlinks import is_contiguous

__all__ = ["clone", "bmm", "meshgrid", "swapaxes", "swapdims", "eq", "ne", "gt", "lt", "ge",
           "le", "t", "numel"]


class Clone(Function):
    """A copy with its own array; the gradient passes unchanged."""

    saves_inputs = False

    def forward(self, xp, a):
        return xp.asarray(a, copy=True)

    def backward(self, xp, g):
        return (g,)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that stays on the graph (``torch.clone``)."""
    return Clone.apply(input)


def _sizes(sizes):
    return tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes


def expand(self: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` (``-1`` keeps a dimension), as ``Tensor.expand``."""
    from .api import broadcast_to
    sizes = _sizes(sizes)
    lead = len(sizes) - self.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({self.ndim})")
    shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(self, shape)


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other.shape)


def repeat(self: Tensor, *sizes) -> Tensor:
    """Tile ``self`` ``sizes[i]`` times along each dimension (``Tensor.repeat``)."""
    from .api import broadcast_to, reshape
    reps = _sizes(sizes)
    if len(reps) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(reps) - self.ndim) + self.shape
    inter = tuple(v for s in shape for v in (1, s))
    big = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    out = broadcast_to(reshape(self, inter), big)
    return reshape(out, tuple(r * s for r, s in zip(reps, shape)))


def t(input: Tensor) -> Tensor:
    """Transpose of a 2-D tensor (0-D and 1-D are returned as they are)."""
    from .api import transpose
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return input if input.ndim < 2 else transpose(input, 0, 1)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    from .api import transpose
    return transpose(input, axis0, axis1)


swapdims = swapaxes


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of ``(b, n, m)`` and ``(b, m, p)`` tensors."""
    from .api import matmul
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor and batch2 a 3D tensor, got "
                           f"{input.ndim}D and {mat2.ndim}D")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"bmm: expected shapes (b, n, m) and (b, m, p), got "
                           f"{list(input.shape)} and {list(mat2.shape)}")
    return matmul(input, mat2)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors; ``indexing="ij"`` (PyTorch's default) or ``"xy"``.

    Example:
        >>> xs, ys = pn.meshgrid(pn.arange(3), pn.arange(2), indexing="ij")
        >>> xs.shape
        (3, 2)
    """
    from .api import broadcast_to, reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be one of 'xy' or 'ij', got {indexing!r}")
    ts = [reshape(x, (-1,)) for x in tensors]
    shape = [x.shape[0] for x in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, x in enumerate(ts):
        pos = (1 - i if i < 2 else i) if swap else i
        view = [1] * len(ts)
        view[pos] = -1
        out.append(broadcast_to(reshape(x, tuple(view)), tuple(shape)))
    return tuple(out)


def _cmpfn(name):
    op = getattr(operator, name)

    def fn(input, other):
        return op(input, other)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``input {name} other`` as a bool tensor (``torch.{name}``)."
    return fn


eq, ne, gt, lt, ge, le = (_cmpfn(n) for n in ("eq", "ne", "gt", "lt", "ge", "le"))
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def numel(input: Tensor) -> int:
    """Number of elements."""
    return input.numel()


def contiguous(self: Tensor, memory_format=None) -> Tensor:
    """``self`` when its layout is contiguous, else a copy on the graph (PyTorch's rule: a
    write into ``x.t().contiguous()`` must not reach ``x``, one into ``x.contiguous()``
    does).

    Example:
        >>> y = x.t().contiguous()     # its own values
    """
    return self if is_contiguous(self) else clone(self)


def _bind() -> None:
    T = Tensor
    for fn in (clone, expand, expand_as, repeat, t, swapaxes, swapdims, bmm, eq, ne, gt, lt,
               ge, le):
        setattr(T, fn.__name__, fn)
    from . import api as F
    for fn in (F.add, F.sub, F.mul, F.div, F.pow, F.neg, F.log, F.exp, F.sqrt, F.abs,
               F.softplus, F.gelu, F.silu, F.elu, F.leaky_relu):
        if not hasattr(T, fn.__name__):
            setattr(T, fn.__name__, fn)
    T.subtract, T.multiply, T.divide, T.negative = F.sub, F.mul, F.div, F.neg
    T.view_as = lambda self, other: self.reshape(other.shape)
    T.reshape_as = lambda self, other: self.reshape(other.shape)
    T.contiguous = contiguous
    T.is_contiguous = lambda self, memory_format=None: is_contiguous(self)
    T.type_as = lambda self, other: self.type(other.array.dtype)
    T.greater, T.less, T.greater_equal, T.less_equal, T.not_equal = gt, lt, ge, le, ne


_bind()
