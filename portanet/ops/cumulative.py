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
from .mathargs import dname, tensor_arg
from .sorting import _dim, _return_type, return_types
from .util import device_of, register_methods

__all__ = ["cumsum", "cumprod", "diff", "cummax", "cummin", "logcumsumexp"]

return_types.cummax = _return_type("cummax")
return_types.cummin = _return_type("cummin")


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


def _shifted(xp, v, k, axis, fill):
    """``v`` moved ``k`` places forward along ``axis`` (position j holds v[j - k]), the
    first ``k`` places filled with ``fill`` (an array broadcasting to one slice)."""
    n = v.shape[axis]
    lead = (slice(None),) * axis
    head = xp.broadcast_to(fill, v[lead + (slice(0, k), Ellipsis)].shape)
    return xp.concat([head, v[lead + (slice(0, n - k), Ellipsis)]], axis=axis)


def _scan(xp, axis, combine, *arrays_and_fills):
    """Inclusive prefix scan along ``axis`` by recursive doubling (Hillis and Steele 1986):
    ceil(log2 n) rounds of ``combine(earlier, current)``; needs no scan primitive."""
    arrays = [a for a, _ in arrays_and_fills]
    fills = [f for _, f in arrays_and_fills]
    n = arrays[0].shape[axis]
    k = 1
    while k < n:
        earlier = [_shifted(xp, a, k, axis, f) for a, f in zip(arrays, fills)]
        arrays = combine(earlier, arrays)
        k *= 2
    return arrays


class CumExtreme(Function):
    """Running max (min) and the index where it was reached (the last one among ties, and
    the first NaN from there on, as PyTorch); the gradient of each output goes to its index."""

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, axis, largest):
        self.axis, self.shape = axis, a.shape
        dev = device_of(a)
        idx = xp.astype(xp.broadcast_to(_along(xp, axis, a.shape[axis], a.ndim, dev), a.shape),
                        xp.int64)
        if P.kind(a.dtype) >= 2:
            worst = xp.full((), -float("inf") if largest else float("inf"), dtype=a.dtype, device=dev)
        else:
            worst = xp.full((), _ilimit(xp, a.dtype, largest), dtype=a.dtype, device=dev)

        def combine(earlier, current):
            (ve, ie), (vc, ic) = earlier, current
            better = (vc >= ve) if largest else (vc <= ve)
            if P.kind(vc.dtype) >= 2:       # a NaN wins, the earliest NaN stays
                better = xp.logical_and(xp.logical_or(better, xp.isnan(vc)),
                                        xp.logical_not(xp.isnan(ve)))
            return [xp.where(better, vc, ve), xp.where(better, ic, ie)]
        v, i = _scan(xp, axis, combine, (a, worst),
                     (idx, xp.full((), -1, dtype=xp.int64, device=dev)))
        self.idx = i
        return v, i

    def backward(self, xp, g, _gi):
        if g is None:
            return (None,)
        axis = self.axis
        n = self.shape[axis]
        # grad_i = sum of g_j over the j whose index is i (a one-hot along the axis: n x n)
        gi = xp.moveaxis(g, axis, -1)[..., :, None]
        ii = xp.moveaxis(self.idx, axis, -1)[..., :, None]
        hit = ii == xp.reshape(xp.arange(n, device=device_of(g)), (1, n))
        out = xp.sum(xp.where(hit, gi, xp.zeros_like(gi)), axis=-2)
        return (xp.moveaxis(out, -1, axis),)


def _ilimit(xp, dtype, largest):
    if P.kind(dtype) == 0:                 # bool
        return not largest
    info = xp.iinfo(dtype)
    return info.min if largest else info.max


def _along(xp, axis, n, ndim, dev):
    shape = [1] * ndim
    shape[axis] = n
    return xp.reshape(xp.arange(n, device=dev), tuple(shape))


def _logaddexp(xp, x, y):
    m = xp.maximum(x, y)
    safe = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return xp.log(xp.exp(x - safe) + xp.exp(y - safe)) + safe


def _logcumsumexp(xp, a, axis):
    ninf = xp.full((), -float("inf"), dtype=a.dtype, device=device_of(a))
    return _scan(xp, axis, lambda e, c: [_logaddexp(xp, e[0], c[0])], (a, ninf))[0]


class LogCumSumExp(Function):
    """``log(cumsum(exp(a)))`` by a doubling scan of logaddexp (stable for any spread of
    values).  Backward, as PyTorch: ``grad_i = sum_{j>=i} g_j exp(a_i - y_j)``, with the
    positive and negative parts of ``g`` each summed in the log domain."""

    def forward(self, xp, a, axis):
        self.a, self.axis = a, axis
        self.y = y = _logcumsumexp(xp, a, axis)
        return y

    def backward(self, xp, g):
        a, y, axis = self.a, self.y, self.axis
        ninf = xp.full_like(g, -float("inf"))

        def part(mask):
            lg = xp.where(mask, xp.log(xp.where(mask, xp.abs(g), xp.ones_like(g))), ninf)
            rev = xp.flip(_logcumsumexp(xp, xp.flip(lg - y, axis=axis), axis), axis=axis)
            return xp.exp(rev + a)
        return (part(g > 0) - part(g < 0),)


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


def _cum_extreme(who, input, dim, largest):
    tensor_arg(who, input)
    axis = _dim(dim, input.ndim, who)
    make = getattr(return_types, who)
    if input.ndim == 0:
        xp = input._bk.xp
        return make(input.clone(), Tensor.from_array(xp.full((), 0, dtype=xp.int64,
                                                                device=input._bk.device), input._bk))
    return make(*CumExtreme.apply(input, axis=axis, largest=largest))


def cummax(input: Tensor, dim: int):  # noqa: A002
    """Running maximum along ``dim`` and where it was reached, as the named tuple
    ``(values, indices)``; ties take the later index, as PyTorch.  The backward sums the
    gradient per index through a one-hot along ``dim`` (memory: the dim's size squared).

    Example:
        >>> pn.cummax(pn.tensor([1.0, 3.0, 2.0, 5.0]), 0).indices     # tensor([0, 1, 1, 3])
    """
    return _cum_extreme("cummax", input, dim, True)


def cummin(input: Tensor, dim: int):  # noqa: A002
    """Running minimum along ``dim`` and where it was reached (``(values, indices)``).

    Example:
        >>> pn.cummin(pn.tensor([3.0, 1.0, 2.0]), 0).values           # tensor([3., 1., 1.])
    """
    return _cum_extreme("cummin", input, dim, False)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(input), dim))`` without overflow or underflow.

    Example:
        >>> pn.logcumsumexp(pn.tensor([-1000.0, 1000.0]), 0)          # tensor([-1000., 1000.])
    """
    from .mathargs import floating
    tensor_arg("logcumsumexp", input)
    axis = _dim(dim, input.ndim, "logcumsumexp")
    a = floating(input)
    if a.ndim == 0:
        return a.clone()
    return LogCumSumExp.apply(a, axis=axis)


register_methods(cumsum, cumprod, diff, cummax, cummin, logcumsumexp)


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (cumsum, cumprod):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))


_bind_inplace()
