"""Gather and scatter along a dimension, as PyTorch: ``gather``, ``scatter`` (``scatter_``),
``take_along_dim``, ``take``, ``put`` (``put_``); ``scatter_add`` and ``scatter_reduce``
are in :mod:`portanet.ops.scatter_reduce`.

Every op here works on *flat positions*: ``index`` plus the coordinates of its own
elements give, for each element, its position in the flattened ``input``.  Gathering is
then a ``take`` of the flat input and scattering an ``index_add`` into zeros
(:func:`portanet.ops.indexing.index_add`: ``np.add.at`` / ``cupyx.scatter_add`` /
``.at[].add`` as fast paths, a one-hot product generically), so no op assigns into an
array and all run on immutable backends.

Repeated positions: PyTorch leaves ``scatter``'s winner undefined; here the *last* of
the elements that point at a position wins, on every backend (a stable sort of the
positions, then only the last of each run is added).  ``scatter_add`` and
``scatter_reduce`` combine all of them, as in PyTorch.

Example:
    >>> x = pn.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> pn.gather(x, 1, pn.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    >>> pn.zeros(2, 4).scatter_(1, pn.tensor([[1], [3]]), 1.0)     # one-hot rows
    tensor([[0., 1., 0., 0.],
            [0., 0., 0., 1.]])
"""
from __future__ import annotations

import numbers

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .indexing import Take, index_add as _index_add
from .inplace import _inplace as _inplace_base
from .util import const, register_methods

__all__ = ["gather", "scatter", "take_along_dim", "take", "put"]


def _inplace(fn, why: str):
    """The in-place form of ``fn`` (ops/inplace.py's machinery: version stamps, the leaf
    check, rebasing on the graph).  A ``self`` that is off the graph enters ``fn`` as a
    detached alias, so the node that ``self`` is then rebound to does not list ``self``
    among its own inputs (a cycle that would drop the other operands' gradients)."""
    def call(self, *args, **kwargs):
        if self._node is None and not self.requires_grad:
            self = self.detach()
        return fn(self, *args, **kwargs)
    return _inplace_base(call, why)


# ------------------------------------------------------------------ positions
def _index_array(who: str, index, self: Tensor, name: str = "index"):
    """``index`` (a Tensor of an integer dtype) as an int64 array of ``self``'s backend."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(index).__name__}")
    xp = self._bk.xp
    dt = dtype_name(index.array.dtype)
    if dt == "bool" or not dt.startswith(("int", "uint")):
        raise RuntimeError(f"{who}(): Expected dtype int64 for {name}, got {dt}")
    return xp.astype(index.array, xp.int64) if dt != "int64" else index.array


def _check_range(self: Tensor, who: str, idx, size: int, dim: int) -> None:
    """Every index in ``[0, size)``: a check on data values, deferred on accelerators."""
    xp = self._bk.xp
    checks.check(self._bk, xp.all(xp.logical_and(idx >= 0, idx < size)), RuntimeError,
                 f"{who}(): index out of bounds for dimension {dim} with size {size}")


def _positions(xp, shape, dim: int, idx):
    """Flat position in an array of ``shape`` of element ``i`` of ``idx`` along ``dim``:
    ``idx[i]`` on ``dim``, ``i``'s own coordinate on every other axis."""
    dev = _device(idx)
    pos, stride = None, 1
    for d in range(len(shape) - 1, -1, -1):
        if d == dim:
            coord = idx
        else:
            view = [1] * len(shape)
            view[d] = idx.shape[d]
            coord = xp.reshape(xp.arange(idx.shape[d], dtype=xp.int64, device=dev), tuple(view))
        term = coord * stride if stride != 1 else coord
        pos = term if pos is None else pos + term
        stride *= shape[d]
    if pos is None:                        # a 0-d input: position 0
        return xp.zeros(idx.shape, dtype=xp.int64, device=dev) + idx
    return xp.broadcast_to(pos, tuple(idx.shape))


def _device(a):
    import array_api_compat
    return array_api_compat.device(a)


def _shapes(who: str, self: Tensor, dim, index: Tensor, src: Tensor | None = None):
    """PyTorch's shape rules: ``index`` has ``self``'s number of dims (a 0-d one counts as
    1-d), is no larger than ``src`` anywhere and no larger than ``self`` off ``dim``."""
    nd = max(self.ndim, 1)
    d = argcheck.dim(who, dim, self.ndim)
    ishape = tuple(index.shape) if index.ndim else (1,) * nd
    if len(ishape) != nd and index.numel():
        raise RuntimeError(f"{who}(): Index tensor must have the same number of dimensions as "
                           f"{'self' if src is None else 'self'} tensor (index has {index.ndim}, "
                           f"self has {self.ndim})")
    sshape = tuple(self.shape) or (1,)
    for k in range(nd):
        if k != d and ishape[k] > sshape[k]:
            raise RuntimeError(f"{who}(): Size does not match at dimension {k} expected index "
                               f"{list(ishape)} to be smaller than self {list(sshape)} apart "
                               f"from dimension {d}")
    if src is not None and isinstance(src, Tensor):
        rshape = tuple(src.shape) or (1,)
        if len(rshape) != nd or any(ishape[k] > rshape[k] for k in range(nd)):
            raise RuntimeError(f"{who}(): Expected index {list(ishape)} to be smaller than self "
                               f"{list(sshape)} apart from dimension {d} and to be smaller size "
                               f"than src {list(rshape)}")
    return d, ishape


def _flat_pos(who: str, self: Tensor, dim, index: Tensor, src=None):
    """(flat positions of ``index``'s elements in ``self``, the index shape) after the checks."""
    raw = _index_array(who, index, self)
    d, ishape = _shapes(who, self, dim, index, src)
    xp = self._bk.xp
    idx = xp.reshape(raw, ishape)
    size = self.shape[d] if self.ndim else 1
    _check_range(self, who, idx, size, d)
    return _positions(xp, tuple(self.shape) or (1,), d, idx), ishape


def _src_block(src: Tensor, ishape) -> Tensor:
    """The leading block of ``src`` with the index's shape (PyTorch reads only that part)."""
    if src.ndim == 0:
        return src.reshape(ishape)
    if tuple(src.shape) == tuple(ishape):
        return src
    return src[tuple(slice(0, n) for n in ishape)]


# ------------------------------------------------------------------ primitives
class IndexAddFlat(Function):
    """``zeros(n).index_add(0, pos, v)`` reshaped to ``shape``; backward takes at ``pos``."""

    saves_inputs = False

    def forward(self, xp, v, pos, n, shape):
        self.pos = xp.reshape(pos, (-1,))
        self.vshape = v.shape
        return xp.reshape(_index_add(xp, n, self.pos, xp.reshape(v, (-1,))), shape)

    def backward(self, xp, g):
        return (xp.reshape(xp.take(xp.reshape(g, (-1,)), self.pos, axis=0), self.vshape),)


def _take_flat(a: Tensor, pos) -> Tensor:
    """``a.flatten()[pos]`` (positions known to be in range), differentiable."""
    return Take.apply(a.reshape(-1), idx=pos, lead=1, out_shape=tuple(pos.shape))


def _scatter_sum(self: Tensor, pos, v: Tensor) -> Tensor:
    """Sum of ``v``'s elements at flat positions ``pos`` of a zero tensor like ``self``."""
    return IndexAddFlat.apply(v, pos=pos, n=self.numel(), shape=tuple(self.shape))


def _hits(self: Tensor, pos):
    """Bool array: which elements of ``self`` some position names."""
    xp = self._bk.xp
    ones = xp.ones((_numel(pos),), dtype=self._bk.float_dtype, device=self._bk.device)
    cnt = _index_add(xp, self.numel(), xp.reshape(pos, (-1,)), ones)
    return xp.reshape(cnt > 0, tuple(self.shape)), xp.reshape(cnt, tuple(self.shape))


def _numel(a) -> int:
    n = 1
    for s in a.shape:
        n *= s
    return n


def _scalar_like(self: Tensor, value) -> Tensor:
    """``value`` as a 0-d Tensor of ``self``'s dtype: a cached constant (util.const), so
    no host-to-device upload at every call."""
    return Tensor.from_array(const(self._bk.xp, self.array, value), self._bk)


def _where(mask, a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import where
    return where(Tensor.from_array(mask, a._bk if isinstance(a, Tensor) else b._bk), a, b)


# ------------------------------------------------------------------ functions
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (``input[i][index[i][j]]`` for
    ``dim=1`` ...), as ``torch.gather``; the gradient scatter-adds back (repeated indices
    sum).  ``index`` has ``input``'s number of dims and is no larger off ``dim``.

    Example:
        >>> pn.gather(pn.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, pn.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    if sparse_grad:
        raise ValueError("gather: sparse_grad=True is not supported (portanet has no sparse "
                         "tensors); the gradient is dense")
    pos, ishape = _flat_pos("gather", input, dim, index)
    out = _take_flat(input, pos)
    return out.reshape(tuple(index.shape)) if index.ndim != len(ishape) else out


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (broadcasting the two off ``dim``),
    as ``torch.take_along_dim``; ``dim=None`` indexes the flattened input.

    Example:
        >>> x = pn.tensor([[10.0, 30.0, 20.0]])
        >>> pn.take_along_dim(x, pn.argsort(x, dim=1), dim=1)
        tensor([[10., 20., 30.]])
    """
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = argcheck.dim("take_along_dim", dim, input.ndim)
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and "
                           f"{indices.ndim} dimensions for indices")
    ishape, ixshape = list(input.shape), list(indices.shape)
    try:
        bshape = [max(a, b) if k != d else 0 for k, (a, b) in enumerate(zip(ishape, ixshape))]
        for k, (a, b) in enumerate(zip(ishape, ixshape)):
            if k != d and a != b and 1 not in (a, b):
                raise ValueError
    except ValueError:
        raise RuntimeError(f"take_along_dim(): input {ishape} and indices {ixshape} cannot be "
                           f"broadcast apart from dimension {d}") from None
    from .views import expand
    xs = tuple(ishape[k] if k == d else bshape[k] for k in range(input.ndim))
    ix = tuple(ixshape[k] if k == d else bshape[k] for k in range(input.ndim))
    if xs != tuple(ishape):
        input = expand(input, xs)
    if ix != tuple(ixshape):
        indices = Tensor.from_array(indices._bk.xp.broadcast_to(indices.array, ix), indices._bk)
    return gather(input, d, indices)


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input.flatten()[index]`` with ``index``'s shape, as ``torch.take``.

    Example:
        >>> pn.take(pn.tensor([[1.0, 2.0], [3.0, 4.0]]), pn.tensor([0, 3]))
        tensor([1., 4.])
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    return gather(input.reshape(-1), 0, index.reshape(-1)).reshape(tuple(index.shape))


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src``'s elements (or the number ``value``) written at
    ``index`` along ``dim`` (``out[index[i][j]][j] = src[i][j]`` for ``dim=0``), as
    ``torch.scatter``.  Repeated positions: the last element (in ``index``'s order) wins
    on every backend (PyTorch: undefined).  ``reduce='add'``/``'multiply'`` (deprecated in
    PyTorch) are :func:`scatter_reduce` with ``'sum'``/``'prod'``.

    Gradients as PyTorch: ``input`` gets ``grad`` with the written positions zeroed,
    ``src`` gets ``grad.gather(dim, index)``.

    Example:
        >>> pn.zeros(2, 3).scatter(1, pn.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is None:
        src = value
    elif value is not None:
        raise TypeError("scatter(): give either src or value, not both")
    if src is None:
        raise TypeError("scatter(): missing the argument 'src' (a Tensor) or 'value' (a number)")
    if reduce is not None:
        r = {"add": "sum", "multiply": "prod"}.get(reduce)
        if r is None:
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, "
                               f"got {reduce!r}")
        if not isinstance(src, Tensor):
            src = _scalar_like(input, src).expand(tuple(index.shape))
        return scatter_reduce(input, dim, index, src, r)
    if not isinstance(src, (Tensor, numbers.Number)):
        raise TypeError(f"scatter(): argument 'src' must be Tensor or a number, not "
                        f"{type(src).__name__}")
    pos, ishape = _flat_pos("scatter", input, dim, index, src)
    xp = input._bk.xp
    if isinstance(src, Tensor):
        if src.array.dtype != input.array.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype "
                               f"(got {input.dtype} and {src.dtype})")
        v = _src_block(src, ishape)
    else:
        v = _scalar_like(input, src).expand(ishape)
    if dtype_name(input.array.dtype) == "bool":      # no sums of bools: through int8
        return scatter(input.astype(xp.int8), dim, index, v.astype(xp.int8)).astype(xp.bool)
    return ScatterFlat.apply(input, v, pos=pos)


class ScatterFlat(Function):
    """``a`` with ``v``'s elements written at flat positions ``pos`` (the last of repeated
    positions wins).  PyTorch's gradients: ``a`` gets ``g`` with the written positions
    zeroed, ``v`` gets ``g`` at its positions (every one, the overwritten too)."""

    saves_inputs = False

    def forward(self, xp, a, v, pos):
        flat = xp.reshape(pos, (-1,))
        self.pos, self.vshape = flat, v.shape
        n = _numel(a)
        perm = xp.argsort(flat, stable=True)
        sp = xp.take(flat, perm, axis=0)
        k = sp.shape[0]
        dev = _device(a)
        last = xp.concat([sp[1:] != sp[:k - 1], xp.ones((min(k, 1),), dtype=xp.bool, device=dev)])
        vs = xp.take(xp.reshape(v, (-1,)), perm, axis=0)
        vs = xp.where(last, vs, xp.zeros_like(vs))
        placed = _index_add(xp, n, sp, vs)
        cnt = _index_add(xp, n, flat, xp.ones((k,), dtype=xp.float32, device=dev))
        self.hit = hit = xp.reshape(cnt > 0, a.shape)
        return xp.where(hit, xp.reshape(placed, a.shape), a)

    def backward(self, xp, g):
        na, nv = self.needs
        ga = xp.where(self.hit, xp.zeros_like(g), g) if na else None
        gv = xp.reshape(xp.take(xp.reshape(g, (-1,)), self.pos, axis=0), self.vshape) if nv else None
        return ga, gv


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``source``'s elements written at the flat positions ``index`` (of
    the input seen as 1-D; negative ones count from the end), added when ``accumulate``,
    as ``torch.put``.  Repeated positions without ``accumulate``: the last wins.

    Example:
        >>> pn.zeros(2, 2).put(pn.tensor([3, 0]), pn.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 1.]])
    """
    xp = input._bk.xp
    idx = xp.reshape(_index_array("put", index, input), (-1,))
    if not isinstance(source, Tensor):
        raise TypeError(f"put(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.numel() != idx.shape[0]:
        raise RuntimeError(f"put(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source.numel()}, "
                           f"index.numel() = {idx.shape[0]}")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(f"put(): self ({input.dtype}) and source ({source.dtype}) must have "
                           f"the same scalar type")
    n = input.numel()
    checks.check(input._bk, xp.all(xp.logical_and(idx >= -n, idx < n)), IndexError,
                 f"put(): index out of range for a tensor of {n} elements (indices must lie "
                 f"in [{-n}, {n}))")
    pos = xp.where(idx < 0, idx + n, idx)
    v = source.reshape(-1)
    if accumulate:
        return input + IndexAddFlat.apply(v, pos=pos, n=n, shape=tuple(input.shape))
    return ScatterFlat.apply(input.reshape(-1), v, pos=pos).reshape(tuple(input.shape))


register_methods(gather, scatter, take_along_dim, take, put)
register_methods(scatter_=_inplace(scatter, "scatter_"), put_=_inplace(put, "put_"))

from .scatter_reduce import scatter_add, scatter_reduce  # noqa: E402,F401  (scatter's reduce=)
