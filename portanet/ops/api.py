"""Tensor-level functions (``pn.exp``, ``pn.sum``, ``pn.sigmoid`` ...) and Tensor operators.

Every function here takes Tensors (Python numbers where noted) and returns a Tensor,
recording itself on the tape when an input requires a gradient.

Example:
    >>> x = pn.tensor([[1.0, -2.0]], requires_grad=True)
    >>> pn.relu(x).sum().backward()
"""
from __future__ import annotations

import builtins
import numbers
import warnings

from .. import argcheck
from ..autograd.tensor import Tensor, _wrap
from ..backend import dtype_name
from . import activations as A
from . import elementwise as E
from . import linalg as L
from . import reduce as R
from . import shape as S
from . import softmax as SM

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "sqrt", "abs",
    "clip", "clamp", "maximum", "minimum", "where", "reshape", "transpose", "permute",
    "flatten", "squeeze", "unsqueeze", "broadcast_to", "concat", "cat", "stack", "split",
    "chunk", "unbind", "sum",
    "mean", "max", "min", "var", "std", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
    "gelu", "silu", "softplus", "softmax", "log_softmax", "linear", "square",
]

_Number = numbers.Number
builtins_sum = builtins.sum  # this module defines its own sum/max/min


def _py(c):
    """NumPy scalars become Python numbers, so they cannot promote float32 to float64."""
    t = type(c)
    if t is float or t is int:
        return c
    return c.item() if hasattr(c, "item") else c


def _lift(x, like: Tensor) -> Tensor:
    """A raw array or number as a constant Tensor on ``like``'s backend."""
    if isinstance(x, Tensor):
        return x
    bk = like._bk
    if isinstance(x, _Number):
        return _wrap(bk.xp.asarray(x, dtype=like.dtype, device=bk.device), bk, False)
    return _wrap(bk.asarray(x), bk, False)


# ------------------------------------------------------------------ arithmetic
def add(a, b) -> Tensor:
    """``a + b`` with broadcasting."""
    if isinstance(b, _Number):
        return E.AddScalar.apply(a, c=_py(b))
    if isinstance(a, _Number):
        return E.AddScalar.apply(b, c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Add.apply(a, _lift(b, a))


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting."""
    if isinstance(b, _Number):
        return E.AddScalar.apply(a, c=-_py(b))
    if isinstance(a, _Number):
        return E.RSubScalar.apply(b, c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Sub.apply(a, _lift(b, a))


def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting."""
    if isinstance(b, _Number):
        return E.MulScalar.apply(a, c=_py(b))
    if isinstance(a, _Number):
        return E.MulScalar.apply(b, c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Mul.apply(a, _lift(b, a))


def div(a, b) -> Tensor:
    """``a / b`` with broadcasting."""
    if isinstance(b, _Number):
        return E.MulScalar.apply(a, c=1.0 / _py(b))
    if isinstance(a, _Number):
        return E.RDivScalar.apply(b, c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Div.apply(a, _lift(b, a))


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b``; ``b`` may be a number or a Tensor."""
    if isinstance(b, _Number):
        return E.PowScalar.apply(a, c=_py(b))
    if isinstance(a, _Number):
        return E.RPowScalar.apply(b, c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Pow.apply(a, _lift(b, a))


def square(a: Tensor) -> Tensor:
    """``a * a``."""
    return E.PowScalar.apply(a, c=2)


def neg(a: Tensor) -> Tensor:
    return E.Neg.apply(a)


def matmul(a, b) -> Tensor:
    """Matrix product with the Array API's ``matmul`` broadcasting rules."""
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return L.MatMul.apply(a, _lift(b, a))


def exp(a: Tensor) -> Tensor:
    return E.Exp.apply(a)


def log(a: Tensor) -> Tensor:
    return E.Log.apply(a)


def sqrt(a: Tensor) -> Tensor:
    return E.Sqrt.apply(a)


def abs(a: Tensor) -> Tensor:  # noqa: A001
    return E.Abs.apply(a)


def clip(a: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Clamp into ``[min, max]`` (either may be ``None``)."""
    return E.Clip.apply(a, lo=min, hi=max)


clamp = clip


def maximum(a, b) -> Tensor:
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Maximum.apply(a, _lift(b, a))


def minimum(a, b) -> Tensor:
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Minimum.apply(a, _lift(b, a))


def where(cond, a, b) -> Tensor:
    """``a`` where ``cond`` else ``b`` (``cond`` gets no gradient)."""
    like = a if isinstance(a, Tensor) else b
    a, b = _lift(a, like), _lift(b, like)
    c = cond.array if isinstance(cond, Tensor) else cond
    if not hasattr(c, "dtype") or c.dtype != like._bk.xp.bool:
        got = dtype_name(c.dtype) if hasattr(c, "dtype") else type(c).__name__
        raise TypeError(f"where: condition must be a boolean tensor, got {got}")
    return E.Where.apply(a, b, cond=c)


# ---------------------------------------------------------------- shapes
def reshape(a: Tensor, *shape) -> Tensor:
    """Reshape; one dimension may be ``-1``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return S.Reshape.apply(a, shape=tuple(shape))


def permute(a: Tensor, *axes) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if len(axes) != a.ndim:
        raise ValueError(f"permute: dims {tuple(axes)} must name each of the input's {a.ndim} "
                         f"dimensions once (input shape {a.shape})")
    axes = argcheck.dims("permute", axes, a.ndim, "dims")
    return S.Permute.apply(a, axes=tuple(ax % a.ndim for ax in axes))


def transpose(a: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (PyTorch); with no axes, reverse them all (NumPy)."""
    n = a.ndim
    if dim0 is None:
        axes = tuple(range(n - 1, -1, -1))
    else:
        dim0, dim1 = argcheck.dim("transpose", dim0, n, "dim0"), argcheck.dim("transpose", dim1, n, "dim1")
        axes = list(range(n))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return S.Permute.apply(a, axes=tuple(axes))


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
    return S.BroadcastTo.apply(a, shape=tuple(shape))


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
    return S.Concat.apply(*[_lift(t, tensors[0]) for t in tensors], axis=axis)


cat = concat


def stack(tensors, axis: int = 0, *, dim=None) -> Tensor:
    """Join along a new axis (``dim`` is PyTorch's name for ``axis``)."""
    tensors = list(tensors)
    axis = _joinable("stack", tensors, axis if dim is None else dim, new_axis=True)
    return S.Stack.apply(*[_lift(t, tensors[0]) for t in tensors], axis=axis)


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
        if any(s < 0 for s in sizes) or builtins_sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum to {n}, the "
                             f"size of dimension {dim}")
    return S.Split.apply(a, sizes=tuple(sizes), axis=dim)


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
    return split(a, builtins.max(-(-n // chunks), 1), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices of ``a`` along ``dim``, as a tuple (``torch.unbind``); one node.

    Example:
        >>> rows = pn.unbind(pn.ones(3, 2))
    """
    return S.Unbind.apply(a, axis=argcheck.dim("unbind", dim, a.ndim))


try:  # value checks that never stall a device (branch gpuready's portanet/checks.py)
    from .. import checks as _checks
except ImportError:  # pragma: no cover - until it lands: at once, as main's other value checks
    _checks = None


def _value_check(bk, ok, exc_type, message):
    """Require the 0-d boolean array ``ok``; through portanet.checks where it exists."""
    if _checks is not None:
        _checks.check(bk, ok, exc_type, message)
    elif not bool(ok):
        raise exc_type(message)


def getitem(a: Tensor, index, _in_range: bool = False) -> Tensor:
    """``a[index]``: ints, slices, ``None``, ``...``, integer arrays (Tensors) or a bool mask.

    Integer arrays follow PyTorch: an index in ``[-n, n)`` (negative counts from the
    end), anything else an IndexError; the range is a check on data values, so it goes
    through portanet.checks (deferred on accelerators).  ``_in_range=True`` skips it for
    callers whose indices are in range by construction (the losses' row/class picks).
    """
    if not isinstance(index, tuple):
        index = (index,)
    arrays = [i for i in index if isinstance(i, Tensor) or hasattr(i, "shape") or isinstance(i, list)]
    if not arrays:
        if Ellipsis not in index:  # the standard wants every axis named: x[1] -> x[1, ...]
            index = index + (Ellipsis,)
        return S.GetItem.apply(a, index=index)
    xp = a._bk.xp
    raw = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.array
        elif isinstance(i, list):
            i = a._bk.asarray(i)
        raw.append(i)
    if len(raw) == 1 and raw[0].dtype == xp.bool:
        if tuple(raw[0].shape) != tuple(a.shape[:raw[0].ndim]):
            raise IndexError(f"getitem: the shape of the mask {tuple(raw[0].shape)} does not match "
                             f"the shape of the indexed tensor {a.shape}")
        return S.GetItem.apply(a, index=raw[0])
    if not all(hasattr(i, "shape") for i in raw):
        raise IndexError("integer-array indexing supports only arrays in the leading "
                         "positions, e.g. x[idx] or x[rows, cols]")
    lead = len(raw)
    if lead > a.ndim:
        raise IndexError(f"getitem: too many indices ({lead}) for a tensor of dimension {a.ndim}")
    for k, i in enumerate(raw):
        if i.dtype == xp.bool or not dtype_name(i.dtype).startswith(("int", "uint")):
            raise IndexError("getitem: tensors used as indices must be long, int, byte or bool "
                             f"tensors, got {dtype_name(i.dtype)}")
        if not _in_range:
            n = a.shape[k]
            _value_check(a._bk, xp.all(xp.logical_and(i >= -n, i < n)), IndexError,
                         f"getitem: index out of bounds for dimension {k} with size {n} "
                         f"(indices must lie in [{-n}, {n}))")
    # negative indices count from the end (take and scatter-add want them in [0, n))
    raw = [xp.where(i < 0, i + a.shape[k], i) for k, i in enumerate(raw)]
    idx = raw[0]
    for k in range(1, lead):
        idx = idx * a.shape[k] + raw[k]
    out_shape = tuple(idx.shape) + tuple(a.shape[lead:])
    return S.Take.apply(a, idx=idx, lead=lead, out_shape=out_shape)


# ------------------------------------------------------------ reductions
def _axis(axis, dim, a=None, who: str = ""):
    """``dim`` (PyTorch's name) or ``axis``; checked against ``a``'s rank (IndexError
    naming ``who`` for an axis out of range, as PyTorch's "Dimension out of range")."""
    axis = dim if dim is not None else axis
    if axis is not None and a is not None:
        argcheck.dims(who, axis, a.ndim)
    return axis


def sum(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (``dim``/``keepdim`` accepted as PyTorch spells them).

    A bool tensor sums to an int64 count, as in PyTorch (``(pred == y).sum()``); the
    Array API refuses bool in ``sum``.
    """
    if a.array.dtype == a._bk.xp.bool:
        a = _wrap(a._bk.xp.astype(a.array, a._bk.xp.int64), a._bk, False)
    return R.Sum.apply(a, axis=_axis(axis, dim, a, "sum"), keepdims=keepdims if keepdim is None else keepdim)


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return R.Mean.apply(a, axis=_axis(axis, dim, a, "mean"), keepdims=keepdims if keepdim is None else keepdim)


def max(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum values along ``axis`` (values only; use ``argmax`` on the data for indices)."""
    return R.Max.apply(a, axis=_axis(axis, dim, a, "max"), keepdims=keepdims if keepdim is None else keepdim)


def min(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    return R.Min.apply(a, axis=_axis(axis, dim, a, "min"), keepdims=keepdims if keepdim is None else keepdim)


def var(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Variance; ``correction=1`` (Bessel) by default, as PyTorch's ``var``.

    As PyTorch: with ``n - correction <= 0`` (one element and Bessel's correction) the
    result is nan (or inf) with a UserWarning, not an error.
    """
    return _var(a, axis, keepdims, correction, dim, keepdim, unbiased, "var")


def _var(a, axis, keepdims, correction, dim, keepdim, unbiased, who):
    axis = _axis(axis, dim)
    keepdims = keepdims if keepdim is None else keepdim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
        raise TypeError(f"{who}: correction must be a number, got {type(correction).__name__}")
    axes = argcheck.dims(who, axis, a.ndim)
    n = 1
    for i in axes:
        n *= a.shape[i]
    if n - correction <= 0:
        warnings.warn(f"{who}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    m = mean(a, axis=axis, keepdims=True)
    d = a - m
    # PyTorch divides by max(0, n - correction): 0/0 -> nan, x/0 -> inf
    scale = 1.0 / (n - correction) if n - correction > 0 else float("inf")
    return sum(d * d, axis=axis, keepdims=keepdims) * scale


def std(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Standard deviation; the gradient of a constant slice is 0 (PyTorch's), not NaN."""
    return R.SqrtOfVar.apply(_var(a, axis, keepdims, correction, dim, keepdim, unbiased, "std"))


# ------------------------------------------------------------ activations
def sigmoid(a: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-a))``."""
    return A.Sigmoid.apply(a)


def tanh(a: Tensor) -> Tensor:
    return A.Tanh.apply(a)


def relu(a: Tensor) -> Tensor:
    """``max(a, 0)``; gradient 0 at 0."""
    return A.ReLU.apply(a)


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    if type(negative_slope) is not float:  # the common case skips the check's call
        argcheck.real("leaky_relu", "negative_slope", negative_slope)
    return A.LeakyReLU.apply(a, slope=negative_slope)


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    if type(alpha) is not float:
        argcheck.real("elu", "alpha", alpha)
    return A.ELU.apply(a, alpha=alpha)


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """GELU: exact erf form by default, ``approximate="tanh"`` as in PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.GELU.apply(a, approximate=approximate)


def silu(a: Tensor) -> Tensor:
    return A.SiLU.apply(a)


def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    if type(beta) is not float or type(threshold) is not float or beta == 0:
        if argcheck.real("softplus", "beta", beta) == 0:  # log(1 + exp(beta x)) / beta
            raise ValueError("softplus: beta must be non-zero, got 0")
        argcheck.real("softplus", "threshold", threshold)
    return A.Softplus.apply(a, beta=beta, threshold=threshold)


def softmax(a: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim`` (max-shifted; all -inf rows give 0/0-free output)."""
    argcheck.dim("softmax", dim, a.ndim)
    return SM.Softmax.apply(a, axis=dim)


def log_softmax(a: Tensor, dim: int = -1) -> Tensor:
    argcheck.dim("log_softmax", dim, a.ndim)
    return SM.LogSoftmax.apply(a, axis=dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one fused node (weight shape ``(out, in)``)."""
    if bias is None:
        return L.Linear.apply(x, weight)
    return L.Linear.apply(x, weight, bias)


# ------------------------------------------------------------ Tensor methods
def _cmp(op):
    def method(self, other):
        o = other.array if isinstance(other, Tensor) else other
        return _wrap(op(self.array, o), self._bk, False)
    return method


def _bind() -> None:
    T = Tensor
    T.__add__ = add
    T.__radd__ = lambda self, o: add(o, self)
    T.__sub__ = sub
    T.__rsub__ = lambda self, o: sub(o, self)
    T.__mul__ = mul
    T.__rmul__ = lambda self, o: mul(o, self)
    T.__truediv__ = div
    T.__rtruediv__ = lambda self, o: div(o, self)
    T.__pow__ = pow
    T.__rpow__ = lambda self, o: pow(o, self)
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, o: matmul(o, self)
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__getitem__ = getitem
    import operator
    for name in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(T, f"__{name}__", _cmp(getattr(operator, name)))
    for fn in (exp, log, sqrt, clip, clamp, reshape, permute, transpose, flatten, squeeze,
               unsqueeze, broadcast_to, split, chunk, unbind, sum, mean, max, min, var, std, sigmoid, tanh, relu,
               softmax, log_softmax, matmul, maximum, minimum, square):
        setattr(T, fn.__name__, fn)
    T.clamp = clip
    T.abs = abs
    T.view = reshape
    T.T = property(lambda self: transpose(self))
    T.mT = property(lambda self: transpose(self, -2, -1))


_bind()
