"""Reordering, repeating and joining, as PyTorch: ``flip``, ``fliplr``, ``flipud``,
``roll``, ``rot90``, ``movedim``/``moveaxis``, ``narrow``, ``select``, ``unflatten``,
``Tensor.unfold``, ``repeat_interleave``, ``tile``, ``hstack``/``vstack``/``dstack``/
``column_stack``, ``broadcast_tensors``/``broadcast_shapes``, ``atleast_1d/2d/3d``.

``flip`` and ``roll`` are primitives (their backward is the same op reversed); the rest
are built from the shape primitives and indexing, so their gradients come from those.

Example:
    >>> x = pn.arange(6.0).reshape(2, 3)
    >>> pn.flip(x, [1])
    tensor([[2., 1., 0.],
            [5., 4., 3.]])
    >>> pn.arange(5.0).unfold(0, 2, 1).shape        # sliding windows
    (4, 2)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .util import register_methods

__all__ = ["flip", "fliplr", "flipud", "roll", "rot90", "movedim", "moveaxis", "narrow",
           "select", "unflatten", "repeat_interleave", "tile", "hstack", "vstack", "dstack",
           "column_stack", "row_stack", "broadcast_tensors", "broadcast_shapes", "atleast_1d",
           "atleast_2d", "atleast_3d"]


class Flip(Function):
    saves_inputs = False

    def forward(self, xp, a, axes):
        self.axes = axes
        return xp.flip(a, axis=axes)

    def backward(self, xp, g):
        return (xp.flip(g, axis=self.axes),)


class Roll(Function):
    saves_inputs = False

    def forward(self, xp, a, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp.roll(a, shifts, axis=axes)

    def backward(self, xp, g):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (xp.roll(g, back, axis=self.axes),)


def int_arg(who: str, name: str, v) -> int:
    """``v`` as an int (not a bool), else TypeError naming ``who`` and ``name``."""
    if not argcheck.is_int(v):
        raise TypeError(f"{who}: {name} must be an integer, got {type(v).__name__} {v!r}")
    return int(v)


def _dimlist(dims):
    return tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)


def flip(input: Tensor, dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (``torch.flip``; a copy).

    Example:
        >>> pn.flip(pn.tensor([1.0, 2.0, 3.0]), dims=(0,))
        tensor([3., 2., 1.])
    """
    axes = argcheck.dims("flip", _dimlist(dims), input.ndim, "dims")
    if not axes or input.ndim == 0:
        return input + 0 if input.array.dtype != input._bk.xp.bool else input.clone()
    return Flip.apply(input, axes=axes)


def fliplr(input: Tensor) -> Tensor:
    """Flip left-right (dimension 1); ``input`` must be at least 2-D."""
    if input.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Flip up-down (dimension 0); ``input`` must be at least 1-D."""
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    ``dims`` is None), as ``torch.roll``.

    Example:
        >>> pn.roll(pn.tensor([1.0, 2.0, 3.0]), 1)
        tensor([3., 1., 2.])
    """
    if dims is None:
        if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims: 0")
        s = shifts[0] if isinstance(shifts, (tuple, list)) else shifts
        return Roll.apply(input.reshape(-1), shifts=int(s), axes=None).reshape(input.shape)
    sh, ds = _dimlist(shifts), _dimlist(dims)
    if len(sh) != len(ds):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, "
                           f"dims: {len(ds)}")
    axes = tuple(argcheck.dim("roll", d, input.ndim, "dims") for d in ds)
    if not all(argcheck.is_int(s) for s in sh):
        raise TypeError(f"roll: shifts must be ints, got {shifts!r}")
    return Roll.apply(input, shifts=tuple(int(s) for s in sh), axes=axes)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first axis
    towards the second (``torch.rot90``).

    Example:
        >>> pn.rot90(pn.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[2., 4.],
                [1., 3.]])
    """
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (argcheck.dim("rot90", d, input.ndim, "dims") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{d0} and dim1 = {d1}")
    k = int_arg("rot90", "k", k) % 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input + 0


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move the dims ``source`` to the positions ``destination`` (``torch.movedim``).

    Example:
        >>> pn.zeros(2, 3, 4).movedim(0, -1).shape
        (3, 4, 2)
    """
    src, dst = _dimlist(source), _dimlist(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    n = input.ndim
    src = argcheck.dims("movedim", src, n, "source")
    dst = argcheck.dims("movedim", dst, n, "destination")
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [next(rest) if o is None else o for o in order]
    if order == list(range(n)):
        return input
    return input.permute(*order)


moveaxis = movedim


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` elements of ``input`` along ``dim`` from ``start`` (a view, as
    ``torch.narrow``; ``narrow_copy`` is the same here).

    Example:
        >>> pn.arange(5.0).narrow(0, 1, 3)
        tensor([1., 2., 3.])
    """
    d = argcheck.dim("narrow", dim, input.ndim)
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        start = start.item()
    n = input.shape[d]
    start = int_arg("narrow", "start", start)
    length = int_arg("narrow", "length", length)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start ({start}) out of range (expected to be in range of "
                         f"[{-n}, {n}])")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim (``torch.select``)."""
    d = argcheck.dim("select", dim, input.ndim)
    n = input.shape[d]
    index = int_arg("select", "index", index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return input[(slice(None),) * d + (index % n,)]


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1), as ``torch.unflatten``.

    Example:
        >>> pn.zeros(2, 12).unflatten(1, (3, -1)).shape
        (2, 3, 4)
    """
    d = argcheck.dim("unflatten", dim, input.ndim)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n, known = input.shape[d], 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({n}) in the input tensor")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return input.reshape(tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Sliding windows of ``size`` elements every ``step`` along ``dimension``: that dim
    becomes the number of windows and a new last dim of ``size`` is added
    (``Tensor.unfold``; a copy here, a view in PyTorch).

    Example:
        >>> pn.arange(5.0).unfold(0, 3, 2)
        tensor([[0., 1., 2.],
                [2., 3., 4.]])
    """
    d = argcheck.dim("unfold", dimension, self.ndim, "dimension")
    n = self.shape[d] if self.ndim else 1
    size = int_arg("unfold", "size", size)
    step = argcheck.positive_int("unfold", "step", step)
    if not 0 <= size <= n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                           f"size is {size}")
    count = (n - size) // step + 1
    starts = [i * step for i in range(count)]
    idx = [s + j for s in starts for j in range(size)]
    from .index_dim import index_select
    xp, bk = self._bk.xp, self._bk
    x = self if self.ndim else self.reshape(1)
    picked = index_select(x, d, Tensor.from_array(xp.asarray(idx, dtype=xp.int64, device=bk.device), bk))
    out = picked.unflatten(d, (count, size)).movedim(d + 1, -1)
    return out if self.ndim else out.reshape(size)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened input when
    ``dim`` is None), as ``torch.repeat_interleave``; ``repeats`` an int or a 1-D Tensor
    (one count per element).  A Tensor of counts makes the output's length depend on its
    values: this reads them (as PyTorch does, unless ``output_size`` is given).

    Example:
        >>> pn.tensor([1.0, 2.0]).repeat_interleave(2)
        tensor([1., 1., 2., 2.])
    """
    if repeats is None:         # repeat_interleave(repeats): the indices 0..n-1 repeated
        counts = input
        return repeat_interleave(_arange_like(counts, counts.shape[0] if counts.ndim else 1), counts)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else argcheck.dim("repeat_interleave", dim, input.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or (repeats.ndim == 1 and repeats.shape[0] not in (1, n)):
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim ({n}), got {list(repeats.shape)}")
        counts = repeats.tolist()    # the output's length depends on these values
        counts = [counts] * n if repeats.ndim == 0 else (counts * n if len(counts) == 1 else counts)
        if any(c < 0 for c in counts):
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        idx = [i for i, c in enumerate(counts) for _ in range(c)]
        if output_size is not None and output_size != len(idx):
            raise RuntimeError(f"repeat_interleave: output_size ({output_size}) does not match "
                               f"the sum of repeats ({len(idx)})")
        from .index_dim import index_select
        return index_select(x, d, _index_tensor(x, idx))
    r = argcheck.nonneg_int("repeat_interleave", "repeats", repeats)
    shape = tuple(x.shape)
    wide = x.unsqueeze(d + 1).expand(shape[:d + 1] + (r,) + shape[d + 1:])
    return wide.reshape(shape[:d] + (n * r,) + shape[d + 1:])


def _arange_like(t: Tensor, n: int) -> Tensor:
    xp = t._bk.xp
    return Tensor.from_array(xp.arange(n, dtype=xp.int64, device=t._bk.device), t._bk)


def _index_tensor(like: Tensor, idx) -> Tensor:
    xp = like._bk.xp
    return Tensor.from_array(xp.asarray(idx, dtype=xp.int64, device=like._bk.device), like._bk)


def tile(input: Tensor, dims) -> Tensor:
    """Repeat ``input`` ``dims[i]`` times along each dim; shorter ``dims`` are padded with
    leading 1s (``torch.tile``, unlike ``Tensor.repeat``).

    Example:
        >>> pn.tile(pn.tensor([1.0, 2.0]), (2,))
        tensor([1., 2., 1., 2.])
    """
    dims = _dimlist(dims)
    if not all(argcheck.is_int(r) and r >= 0 for r in dims):
        raise RuntimeError(f"tile: dims must be non-negative integers, got {dims!r}")
    dims = (1,) * (input.ndim - len(dims)) + tuple(dims)
    return input.repeat(*dims)


from .joining import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,  # noqa: E402
                      broadcast_tensors, column_stack, dstack, hstack, row_stack, vstack)

register_methods(flip, fliplr, flipud, roll, rot90, movedim, moveaxis, narrow, select,
                 unflatten, unfold, repeat_interleave, tile, moveaxis=movedim,
                 narrow_copy=narrow)
