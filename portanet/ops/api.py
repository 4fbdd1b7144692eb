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
import operator

from ..autograd.tensor import Tensor, _wrap
from . import activations as A
from . import elementwise as E
from . import linalg as L
from . import reduce as R
from . import shape as S
from . import promote as P
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
    if t is bool:    # True counts as 1 (PyTorch); the standard refuses bools with numbers
        return int(c)
    return c.item() if hasattr(c, "item") else c


def _lift(x, like: Tensor) -> Tensor:
    """A raw array or number as a constant Tensor on ``like``'s backend."""
    if isinstance(x, Tensor):
        return x
    bk = like._bk
    if isinstance(x, _Number):
        return _wrap(bk.xp.asarray(x, dtype=like.array.dtype, device=bk.device), bk, False)
    return _wrap(bk.asarray(x), bk, False)


# ------------------------------------------------------------------ arithmetic
# PyTorch's type promotion (ops/promote.py) without slowing the common case: the op runs
# first when the dtypes agree (a Python int or float with a tensor, or two tensors of one
# dtype), and only a result of another dtype (NumPy's int / int -> float64, int + 0.5 ->
# float64) or a refusal (array_api_strict's int + 0.5, bool + bool) takes the slow path
# that casts the operands first.
_REFUSED = (TypeError, OverflowError)


def _scalar_slow(fn, a, c, op, **params):
    if type(c) is bool and P.kind(a.array.dtype) == 0 and op in "+*":
        return P.bool_op(a, c, op)
    c = _py(c)
    a = P.scalar(a, c, op == "/")
    if op == "-":
        if type(c) is int and P.kind(a.array.dtype) == 1:   # -c may not fit an unsigned dtype
            return E.Sub.apply(a, _lift(c, a))
        return E.AddScalar.apply(a, c=-c)
    if op == "/":
        return E.MulScalar.apply(a, c=1.0 / c)
    return fn.apply(a, c=c, **params)


def _pair_slow(fn, a, b, op):
    a, b = P.pair(a, b, op == "/")
    if op in "+*" and P.kind(a.array.dtype) == 0:
        return P.bool_op(a, b, op)
    return fn.apply(a, b)


def add(a, b) -> Tensor:
    """``a + b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, _Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = E.AddScalar.apply(a, c=b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(E.AddScalar, a, b, "+")
    if isinstance(a, _Number):
        return add(b, a)
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    b = _lift(b, a)
    if a.array.dtype is b.array.dtype:   # one dtype in, the same dtype out
        try:
            return E.Add.apply(a, b)
        except _REFUSED:
            pass
    return _pair_slow(E.Add, a, b, "+")


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, _Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = E.AddScalar.apply(a, c=-b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(E.AddScalar, a, b, "-")
    if isinstance(a, _Number):
        a = _py(a)
        return E.RSubScalar.apply(P.scalar(b, a), c=a)
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    b = _lift(b, a)
    if a.array.dtype is b.array.dtype:   # one dtype in, the same dtype out
        try:
            return E.Sub.apply(a, b)
        except _REFUSED:
            pass
    return _pair_slow(E.Sub, a, b, "-")


def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, _Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = E.MulScalar.apply(a, c=b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(E.MulScalar, a, b, "*")
    if isinstance(a, _Number):
        return mul(b, a)
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    b = _lift(b, a)
    if a.array.dtype is b.array.dtype:   # one dtype in, the same dtype out
        try:
            return E.Mul.apply(a, b)
        except _REFUSED:
            pass
    return _pair_slow(E.Mul, a, b, "*")


def div(a, b) -> Tensor:
    """``a / b`` with broadcasting; integers divide to the default float dtype (PyTorch)."""
    if isinstance(b, _Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = E.MulScalar.apply(a, c=1.0 / b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(E.MulScalar, a, b, "/")
    if isinstance(a, _Number):
        return E.RDivScalar.apply(P.scalar(b, a, True), c=_py(a))
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    b = _lift(b, a)
    if a.array.dtype is b.array.dtype:
        try:
            out = E.Div.apply(a, b)
            if out.array.dtype is a.array.dtype:
                return out
        except _REFUSED:
            pass
    return _pair_slow(E.Div, a, b, "/")


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b``; ``b`` may be a number or a Tensor."""
    if isinstance(b, _Number):
        b = _py(b)
        return E.PowScalar.apply(P.scalar(a, b), c=b)
    if isinstance(a, _Number):
        a = _py(a)
        return E.RPowScalar.apply(P.scalar(b, a), c=a)
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Pow.apply(*P.pair(a, _lift(b, a)))


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
    return E.Maximum.apply(*P.pair(a, _lift(b, a)))


def minimum(a, b) -> Tensor:
    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return E.Minimum.apply(*P.pair(a, _lift(b, a)))


def where(cond, a, b) -> Tensor:
    """``a`` where ``cond`` else ``b`` (``cond`` gets no gradient)."""
    like = a if isinstance(a, Tensor) else b
    a, b = _lift(a, like), _lift(b, like)
    c = cond.array if isinstance(cond, Tensor) else cond
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
    return S.Permute.apply(a, axes=tuple(ax % a.ndim for ax in axes))


def transpose(a: Tensor, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap two axes (PyTorch); with no axes, reverse them all (NumPy)."""
    n = a.ndim
    if dim0 is None:
        axes = tuple(range(n - 1, -1, -1))
    else:
        axes = list(range(n))
        axes[dim0 % n], axes[dim1 % n] = axes[dim1 % n], axes[dim0 % n]
    return S.Permute.apply(a, axes=tuple(axes))


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
    return S.BroadcastTo.apply(a, shape=tuple(shape))


def concat(tensors, axis: int = 0) -> Tensor:
    """Join along an existing axis (``pn.cat`` is the PyTorch name)."""
    tensors = list(tensors)
    return S.Concat.apply(*[_lift(t, tensors[0]) for t in tensors], axis=axis)


cat = concat


def stack(tensors, axis: int = 0) -> Tensor:
    """Join along a new axis."""
    tensors = list(tensors)
    return S.Stack.apply(*[_lift(t, tensors[0]) for t in tensors], axis=axis)


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
    n = a.shape[dim]
    return split(a, builtins.max(-(-n // chunks), 1), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    """The slices of ``a`` along ``dim``, as a tuple (``torch.unbind``); one node.

    Example:
        >>> rows = pn.unbind(pn.ones(3, 2))
    """
    return S.Unbind.apply(a, axis=dim % a.ndim)


def getitem(a: Tensor, index) -> Tensor:
    """``a[index]``: ints, slices, ``None``, ``...``, integer arrays (Tensors) or a bool mask."""
    if not isinstance(index, tuple):
        index = (index,)
    arrays = [i for i in index if isinstance(i, Tensor) or hasattr(i, "shape") or isinstance(i, list)]
    if not arrays:
        if Ellipsis not in index:  # the standard wants every axis named: x[1] -> x[1, ...]
            index = index + (Ellipsis,)
        out = S.GetItem.apply(a, index=index)
        out._base, out._vidx = a, index  # a view, as in PyTorch: writes into it reach ``a``
        return out
    xp = a._bk.xp
    raw = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.array
        elif isinstance(i, list):
            i = a._bk.asarray(i)
        raw.append(i)
    if len(raw) == 1 and raw[0].dtype == xp.bool:
        return S.GetItem.apply(a, index=raw[0])
    if not all(hasattr(i, "shape") for i in raw):
        raise IndexError("integer-array indexing supports only arrays in the leading "
                         "positions, e.g. x[idx] or x[rows, cols]")
    lead = len(raw)
    # negative indices count from the end (take and scatter-add want them in [0, n))
    raw = [xp.where(i < 0, i + a.shape[k], i) for k, i in enumerate(raw)]
    idx = raw[0]
    for k in range(1, lead):
        idx = idx * a.shape[k] + raw[k]
    out_shape = tuple(idx.shape) + tuple(a.shape[lead:])
    return S.Take.apply(a, idx=idx, lead=lead, out_shape=out_shape)


# ------------------------------------------------------------ reductions
def _axis(axis, dim):
    return dim if dim is not None else axis


def sum(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (``dim``/``keepdim`` accepted as PyTorch spells them).

    A bool tensor sums to an int64 count, as in PyTorch (``(pred == y).sum()``); the
    Array API refuses bool in ``sum``.
    """
    if a.array.dtype == a._bk.xp.bool:
        a = _wrap(a._bk.xp.astype(a.array, a._bk.xp.int64), a._bk, False)
    return R.Sum.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def mean(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return R.Mean.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def max(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    """Maximum values along ``axis`` (values only; use ``argmax`` on the data for indices)."""
    return R.Max.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def min(a: Tensor, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:  # noqa: A001
    return R.Min.apply(a, axis=_axis(axis, dim), keepdims=keepdims if keepdim is None else keepdim)


def var(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None, unbiased=None) -> Tensor:
    """Variance; ``correction=1`` (Bessel) by default, as PyTorch's ``var``."""
    axis = _axis(axis, dim)
    keepdims = keepdims if keepdim is None else keepdim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    m = mean(a, axis=axis, keepdims=True)
    d = a - m
    from ._util import norm_axis
    n = 1
    for i in norm_axis(axis, a.ndim):
        n *= a.shape[i]
    return sum(d * d, axis=axis, keepdims=keepdims) * (1.0 / (n - correction))


def std(a: Tensor, axis=None, keepdims: bool = False, correction: int = 1, *, dim=None,
        keepdim=None) -> Tensor:
    return sqrt(var(a, axis, keepdims, correction, dim=dim, keepdim=keepdim))


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
    return A.LeakyReLU.apply(a, slope=negative_slope)


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    return A.ELU.apply(a, alpha=alpha)


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """GELU: exact erf form by default, ``approximate="tanh"`` as in PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return A.GELU.apply(a, approximate=approximate)


def silu(a: Tensor) -> Tensor:
    return A.SiLU.apply(a)


def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return A.Softplus.apply(a, beta=beta, threshold=threshold)


def softmax(a: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim`` (max-shifted; all -inf rows give 0/0-free output)."""
    return SM.Softmax.apply(a, axis=dim)


def log_softmax(a: Tensor, dim: int = -1) -> Tensor:
    return SM.LogSoftmax.apply(a, axis=dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one fused node (weight shape ``(out, in)``)."""
    if bias is None:
        return L.Linear.apply(x, weight)
    return L.Linear.apply(x, weight, bias)


# ------------------------------------------------------------ Tensor methods
def _cmp(op):
    ordered = op not in (operator.eq, operator.ne)

    def method(self, other):
        if isinstance(other, Tensor):
            a, b = P.pair(self, other)
            a, b = a.array, b.array
        elif isinstance(other, _Number):
            b = _py(other)
            a = P.scalar(self, b).array
        else:
            return _wrap(op(self.array, other), self._bk, False)
        if ordered and P.kind(a.dtype) == 0:    # PyTorch orders bools; the standard does not
            xp = self._bk.xp
            a = xp.astype(a, xp.int8)
            b = xp.astype(b, xp.int8) if hasattr(b, "dtype") else int(b)
        return _wrap(op(a, b), self._bk, False)
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

# Index-returning reductions and sorting (issue 11): PyTorch's max/min with a dim return
# (values, indices); these replace the values-only forms above.
from .sorting import (amax, amin, argmax, argmin, argsort, max, min, return_types, sort,  # noqa: E402,F811
                      topk)

__all__ += ["amax", "amin", "argmax", "argmin", "argsort", "sort", "topk"]

from . import inplace as _inplace  # noqa: E402,F401  (in-place methods, item assignment)
from .inplace import masked_fill  # noqa: E402

__all__ += ["masked_fill"]

# Trigonometry, einsum and the everyday shape/copy conveniences (issue 11 item 6)
from .einsum import einsum  # noqa: E402
from .trig import arctan2, atan2, cos, cosh, sin, sinh, tan  # noqa: E402
from .views import bmm, clone, eq, ge, gt, le, lt, meshgrid, ne, swapaxes, swapdims, t  # noqa: E402

__all__ += ["einsum", "atan2", "arctan2", "sin", "cos", "tan", "sinh", "cosh", "bmm", "clone",
            "eq", "ne", "gt", "lt", "ge", "le", "meshgrid", "swapaxes", "swapdims", "t"]
