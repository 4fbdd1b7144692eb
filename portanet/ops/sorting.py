"""Index-returning reductions and sorting: ``max``/``min`` (with a dim: values and
indices), ``amax``/``amin``, ``argmax``/``argmin``, ``sort``, ``argsort``, ``topk``.

PyTorch's gradient rules: ``max(x, dim)`` sends the gradient to the returned index
only, while ``amax``/``amin`` and the full reduction ``max(x)`` share it evenly among
tied elements.  Sorting's backward is a gather with the inverse permutation (the
argsort of the sort indices), so no scatter is needed on any backend.

Example:
    >>> _, predicted = pn.max(outputs, 1)          # indices, as in PyTorch
    >>> values, indices = pn.tensor([3.0, 1.0, 2.0]).topk(2)
"""
from __future__ import annotations

import builtins
from collections import namedtuple

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from . import reduce as R

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "sort", "argsort", "topk"]


# --------------------------------------------------------------- return types
def _return_type(name: str):
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"portanet.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": "portanet.return_types", "__qualname__": name})


class return_types:  # noqa: N801 - the namespace PyTorch calls torch.return_types
    """Named tuples ``(values, indices)`` returned by ``max``/``min`` with a dim, ``sort``
    and ``topk``, as ``torch.return_types``."""

    max = _return_type("max")
    min = _return_type("min")
    sort = _return_type("sort")
    topk = _return_type("topk")


# --------------------------------------------------------------- primitives
def _argsort(xp, a, axis, descending):
    """Stable argsort; descending as the ascending sort of ``-a`` (NumPy's own argsort
    has no ``descending``), which keeps tied elements in their original order."""
    if descending:
        k = dtype_name(a.dtype)
        if k == "bool" or k.startswith("uint"):
            a = xp.astype(a, xp.int64)
        a = -a
    return xp.argsort(a, axis=axis, stable=True)


def _along(xp, axis, n, ndim, dev):
    """``arange(n)`` shaped to broadcast along ``axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[axis] = n
    return xp.reshape(xp.arange(n, device=dev), tuple(shape))


def _device(a):
    import array_api_compat
    return array_api_compat.device(a)


class ExtremeDim(Function):
    """``max``/``min`` along one dim: (values, indices); the gradient goes to the index."""

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, axis, keepdim, largest):
        f = xp.argmax if largest else xp.argmin
        idx = f(a, axis=axis, keepdims=True)
        vals = xp.take_along_axis(a, idx, axis=axis)
        self.idx, self.axis, self.shape = idx, axis, a.shape
        if not keepdim:
            out_shape = a.shape[:axis] + a.shape[axis + 1:]
            vals, idx = xp.reshape(vals, out_shape), xp.reshape(idx, out_shape)
        return vals, idx

    def backward(self, xp, g, _gi):
        if g is None:
            return (None,)
        kshape = self.shape[:self.axis] + (1,) + self.shape[self.axis + 1:]
        g = xp.reshape(g, kshape)
        hit = _along(xp, self.axis, self.shape[self.axis], len(self.shape), _device(g)) == self.idx
        return (xp.where(hit, g, xp.zeros_like(g)),)


class Sort(Function):
    """Values sorted along ``axis`` (the first ``k`` for topk) and their indices."""

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, axis, descending, stable, k):
        perm = _argsort(xp, a, axis, descending)
        self.perm, self.axis, self.n, self.k = perm, axis, a.shape[axis], k
        idx = perm
        if k is not None:
            idx = perm[(slice(None),) * axis + (slice(0, k),) + (Ellipsis,)]
        return xp.take_along_axis(a, idx, axis=axis), idx

    def backward(self, xp, g, _gi):
        if g is None:
            return (None,)
        if self.k is not None and self.k < self.n:   # pad the top-k gradient back to n
            shape = list(g.shape)
            shape[self.axis] = self.n - self.k
            g = xp.concat([g, xp.zeros(tuple(shape), dtype=g.dtype, device=_device(g))],
                          axis=self.axis)
        inv = xp.argsort(self.perm, axis=self.axis)
        return (xp.take_along_axis(g, inv, axis=self.axis),)


# --------------------------------------------------------------- functions
def _dim(dim, ndim, who):
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{who}: dim must be an int, got {dim!r}")
    if not -builtins.max(ndim, 1) <= dim < builtins.max(ndim, 1):
        raise IndexError(f"{who}: Dimension out of range (expected to be in range of "
                         f"[{-builtins.max(ndim, 1)}, {builtins.max(ndim, 1) - 1}], but got {dim})")
    return dim % ndim if ndim else 0


def _extreme(who, largest, input, dim, keepdim, other, axis):
    if dim is None:
        dim = axis
    if isinstance(dim, Tensor):            # max(a, b): elementwise, as torch.max(input, other)
        dim, other = None, dim
    if other is not None:
        from .api import maximum, minimum
        return (maximum if largest else minimum)(input, other)
    if dim is None:
        return (R.Max if largest else R.Min).apply(input, axis=None, keepdims=False)
    if input.ndim == 0:
        i = Tensor.from_array(input._bk.xp.asarray(0, device=input._bk.device), input._bk)
        return getattr(return_types, who)(input, i)
    d = _dim(dim, input.ndim, who)
    vals, idx = ExtremeDim.apply(input, axis=d, keepdim=bool(keepdim), largest=largest)
    return getattr(return_types, who)(vals, idx)


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, axis=None):  # noqa: A001
    """``max(input)`` -> the largest value; ``max(input, dim, keepdim=False)`` -> the named
    tuple ``(values, indices)``; ``max(input, other)`` -> elementwise maximum (PyTorch).

    The gradient of ``max(input, dim)`` goes to the returned index; that of
    ``max(input)`` is shared among ties (use :func:`amax` for values along a dim).

    Example:
        >>> _, predicted = pn.max(pn.tensor([[0.1, 0.9], [0.8, 0.2]]), 1)
        >>> predicted
        tensor([1, 0])
    """
    return _extreme("max", True, input, dim, keepdim, other, axis)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, axis=None):  # noqa: A001
    """As :func:`max`, for the smallest values.

    Example:
        >>> pn.tensor([[2.0, 1.0]]).min(1).indices
        tensor([1])
    """
    return _extreme("min", False, input, dim, keepdim, other, axis)


def _axes(dim):
    if dim is None or dim == ():
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Largest values along ``dim`` (all dims by default); ties share the gradient evenly.

    Example:
        >>> pn.amax(pn.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=1)
        tensor([3., 2.])
    """
    return R.Max.apply(input, axis=_axes(dim), keepdims=bool(keepdim))


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest values along ``dim`` (all dims by default); ties share the gradient evenly."""
    return R.Min.apply(input, axis=_axes(dim), keepdims=bool(keepdim))


def _arg(input, dim, keepdim, largest):
    xp, bk = input._bk.xp, input._bk
    f = xp.argmax if largest else xp.argmin
    who = "argmax" if largest else "argmin"
    a = input.array
    if dim is None:
        out = f(xp.reshape(a, (-1,)))
        if keepdim:
            out = xp.reshape(out, (1,) * a.ndim)
    else:
        out = f(a, axis=_dim(dim, a.ndim, who), keepdims=bool(keepdim)) if a.ndim else \
            xp.asarray(0, device=bk.device)
    return Tensor.from_array(xp.astype(out, xp.int64), bk)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value along ``dim`` (of the flattened tensor when ``dim`` is
    None), int64; the first one among ties.

    Example:
        >>> pn.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=1)
        tensor([1, 0])
    """
    return _arg(input, dim, keepdim, True)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value along ``dim`` (flattened when ``dim`` is None)."""
    return _arg(input, dim, keepdim, False)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``; ``stable=True`` keeps ties in order.

    Example:
        >>> pn.sort(pn.tensor([3.0, 1.0, 2.0]), descending=True).indices
        tensor([0, 2, 1])
    """
    if input.ndim == 0:
        return return_types.sort(input, _arg(input, None, False, True))
    d = _dim(dim, input.ndim, "sort")
    vals, idx = Sort.apply(input, axis=d, descending=bool(descending), stable=True, k=None)
    return return_types.sort(vals, idx)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``).

    Example:
        >>> pn.argsort(pn.tensor([3.0, 1.0, 2.0]))
        tensor([1, 2, 0])
    """
    if input.ndim == 0:
        return _arg(input, None, False, True)
    xp = input._bk.xp
    d = _dim(dim, input.ndim, "argsort")
    out = _argsort(xp, input.array, d, bool(descending))
    return Tensor.from_array(xp.astype(out, xp.int64), input._bk)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their
    indices, as the named tuple ``(values, indices)``; always sorted.

    Example:
        >>> v, i = pn.tensor([1.0, 4.0, 2.0, 3.0]).topk(2)
        >>> i
        tensor([1, 3])
    """
    d = _dim(dim if dim is not None else -1, input.ndim, "topk")
    n = input.shape[d] if input.ndim else 1
    if not isinstance(k, int) or not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k!r}, size of dim {d} is {n})")
    if input.ndim == 0:
        return return_types.topk(input, _arg(input, None, False, True))
    vals, idx = Sort.apply(input, axis=d, descending=bool(largest), stable=True, k=k)
    return return_types.topk(vals, idx)


def _register():
    for fn in (max, min, amax, amin, argmax, argmin, sort, argsort, topk):
        setattr(Tensor, fn.__name__, fn)


_register()
