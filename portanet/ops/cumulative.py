"""Running sums and products and finite differences: cumsum, cumprod, diff.

``cumsum``'s backward is the reversed running sum of the gradient.  ``cumprod``'s is exact
with zeros in the input (PyTorch's rule): before the first zero of a slice the usual
``revcumsum(g * y) / a``; at the first zero the running product with that zero left out;
after it, zero.  Integers and bools accumulate in int64, as PyTorch.

Example:
    >>> x = pn.tensor([1.0, 2.0, 0.0, 4.0], requires_grad=True)
    >>> pn.cumprod(x, dim=0).sum().backward()
    >>> x.grad                      # tensor([ 3.,  1., 10.,  0.])
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import resolve_dtype
from . import promote as P
from .pointwise import dname, tensor_arg
from .sorting import _dim
from .util import register_methods

__all__ = ["cumsum", "cumprod", "diff"]


def _revcumsum(xp, g, axis):
    return xp.flip(xp.cumulative_sum(xp.flip(g, axis=axis), axis=axis), axis=axis)


class CumSum(Function):
    saves_inputs = False

    def forward(self, xp, a, axis):
        self.axis = axis
        return xp.cumulative_sum(a, axis=axis)

    def backward(self, xp, g):
        return (_revcumsum(xp, g, self.axis),)


class CumProd(Function):
    def forward(self, xp, a, axis):
        self.a, self.axis = a, axis
        self.y = y = xp.cumulative_prod(a, axis=axis)
        return y

    def backward(self, xp, g):
        a, y, axis = self.a, self.y, self.axis
        zero = a == 0
        seen = xp.cumulative_sum(xp.astype(zero, xp.int32), axis=axis)   # zeros up to here
        before = seen == 0
        first = xp.logical_and(zero, seen == 1)
        one = xp.ones_like(a)
        plain = _revcumsum(xp, g * y, axis) / xp.where(before, a, one)
        # the first zero: the running product with that zero replaced by 1
        y1 = xp.cumulative_prod(xp.where(first, one, a), axis=axis)
        at_zero = _revcumsum(xp, xp.where(seen >= 1, g * y1, xp.zeros_like(g)), axis)
        return (xp.where(before, plain, xp.where(first, at_zero, xp.zeros_like(g))),)


def _prepare(who, input, dim, dtype):
    tensor_arg(who, input)
    if dim is None:
        raise TypeError(f"{who}(): argument 'dim' must be int, not NoneType")
    axis = _dim(dim, input.ndim, who)
    if dtype is not None:
        input = input.astype(resolve_dtype(dtype, input._bk.xp))
    elif P.kind(input.array.dtype) < 2 and dname(input) != "int64":
        input = input.astype("int64")
    return input, axis


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Running sum along ``dim``.

    Example:
        >>> pn.cumsum(pn.tensor([1, 2, 3]), dim=0)                  # tensor([1, 3, 6])
    """
    a, axis = _prepare("cumsum", input, dim, dtype)
    if a.ndim == 0:
        return a.clone()
    return CumSum.apply(a, axis=axis)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Running product along ``dim`` (gradients exact with zeros in the input).

    Example:
        >>> pn.cumprod(pn.tensor([1.0, 2.0, 3.0]), dim=0)           # tensor([1., 2., 6.])
    """
    a, axis = _prepare("cumprod", input, dim, dtype)
    if a.ndim == 0:
        return a.clone()
    return CumProd.apply(a, axis=axis)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:  # noqa: A002
    """The ``n``-th forward difference along ``dim``, after concatenating ``prepend`` and
    ``append`` (Tensors) there; bools differ by XOR, as PyTorch.

    Example:
        >>> pn.diff(pn.tensor([1, 3, 6, 10]), n=2)                 # tensor([1, 1])
    """
    from .api import cat
    from .logical import logical_xor
    tensor_arg("diff", input)
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"diff(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = _dim(dim, input.ndim, "diff")
    parts = []
    for name, t in (("prepend", prepend), (None, input), ("append", append)):
        if t is None:
            continue
        if name is not None:
            tensor_arg("diff", t, name)
            if t.ndim != input.ndim:
                raise RuntimeError(f"diff expects prepend or append to be the same dimension as "
                                   f"input, got {t.ndim} and {input.ndim}")
        parts.append(t)
    x = cat(parts, dim=axis) if len(parts) > 1 else input
    lead = (slice(None),) * axis
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        hi, lo = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = logical_xor(hi, lo) if P.kind(x.array.dtype) == 0 else hi - lo
    return x


register_methods(cumsum, cumprod, diff)


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (cumsum, cumprod):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))


_bind_inplace()
