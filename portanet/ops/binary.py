"""Binary pointwise math: logaddexp/logaddexp2, hypot, copysign, xlogy, fmax/fmin, lerp,
heaviside, float_power (addcmul/addcdiv, clamp_min/clamp_max: ops/aliases.py).

Operands follow PyTorch's type promotion (a Python number on either side where PyTorch
takes one); gradients are PyTorch's, including its conventions at the edges: ``fmax``
gives a tie to ``input``, ``copysign`` sends nothing to ``other``, ``xlogy(0, y)`` has a
zero gradient in ``x`` where ``y <= 0``.

Example:
    >>> a = pn.tensor([0.0, -1.0], requires_grad=True)
    >>> pn.logaddexp(a, pn.tensor([1.0, 2.0])).sum().backward()
"""
from __future__ import annotations

import math
import numbers

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from .mathargs import dname, operands, tensor_arg
from .util import const, register_methods, unbroadcast

__all__ = ["logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "fmax", "fmin", "lerp",
           "heaviside", "float_power"]

_LN2 = math.log(2.0)


class Binary(Function):
    """``y = f(a, b)``; backward gives ``g * da(xp, a, b, y)`` and ``g * db(...)``, each
    summed over the axes broadcasting stretched."""

    f = da = db = None

    def forward(self, xp, a, b):
        y = self.f(xp, a, b)
        self.a, self.b, self.y = a, b, y
        return y

    def backward(self, xp, g):
        na, nb = self.needs
        a, b, y = self.a, self.b, self.y
        return (unbroadcast(xp, g * self.da(xp, a, b, y), a.shape) if na else None,
                unbroadcast(xp, g * self.db(xp, a, b, y), b.shape) if nb else None)


def binary(name, f, da, db) -> type:
    return type(name, (Binary,), {"f": staticmethod(f), "da": staticmethod(da),
                                  "db": staticmethod(db)})


def _logaddexp(xp, a, b):
    # max + log1p(exp(-|a - b|)); equal arguments (incl. both -inf or +inf) as a + log 2
    m = xp.maximum(a, b)
    same = a == b
    d = xp.where(same, xp.zeros_like(a), a - b)
    return xp.where(same, a + _LN2, m + xp.log1p(xp.exp(-xp.abs(d))))


def _logaddexp2(xp, a, b):
    m = xp.maximum(a, b)
    same = a == b
    d = xp.where(same, xp.zeros_like(a), a - b)
    return xp.where(same, a + 1, m + xp.log1p(xp.pow(const(xp, a, 2.0), -xp.abs(d))) / _LN2)


def _xlogy(xp, x, y):
    # 0 * log(y) is 0 for every y but NaN (PyTorch's rule)
    zero = xp.logical_and(x == 0, xp.logical_not(xp.isnan(y)))
    safe = xp.where(zero, xp.ones_like(y), y)
    return xp.where(zero, xp.zeros_like(x), x * xp.log(safe))


def _dxlogy_dx(xp, x, y, out):
    dead = xp.logical_and(x == 0, y <= 0)
    return xp.where(dead, xp.zeros_like(y), xp.log(xp.where(dead, xp.ones_like(y), y)))


def _dcopysign(xp, a, b, y):
    zero = a == 0
    return xp.where(zero, xp.zeros_like(a), y / xp.where(zero, xp.ones_like(a), a))


def _fmax(xp, a, b):
    return xp.where(xp.isnan(a), b, xp.where(xp.isnan(b), a, xp.maximum(a, b)))


def _fmin(xp, a, b):
    return xp.where(xp.isnan(a), b, xp.where(xp.isnan(b), a, xp.minimum(a, b)))


def _first_wins(cmp):
    """d fmax/da: 1 where ``a`` is chosen (``a >= b`` or ``b`` NaN), as PyTorch."""
    def da(xp, a, b, y):
        return xp.astype(xp.logical_or(cmp(a, b), xp.isnan(b)), a.dtype)

    def db(xp, a, b, y):
        return 1 - da(xp, a, b, y)
    return da, db


LogAddExp = binary("LogAddExp", _logaddexp, lambda xp, a, b, y: xp.exp(a - y),
                   lambda xp, a, b, y: xp.exp(b - y))
LogAddExp2 = binary("LogAddExp2", _logaddexp2,
                    lambda xp, a, b, y: xp.pow(const(xp, a, 2.0), a - y),
                    lambda xp, a, b, y: xp.pow(const(xp, a, 2.0), b - y))
Hypot = binary("Hypot", lambda xp, a, b: xp.hypot(a, b), lambda xp, a, b, y: a / y,
               lambda xp, a, b, y: b / y)
CopySign = binary("CopySign", lambda xp, a, b: xp.copysign(a, b), _dcopysign,
                  lambda xp, a, b, y: xp.zeros_like(y))
XLogY = binary("XLogY", _xlogy, _dxlogy_dx, lambda xp, x, y, out: x / y)
FMax = binary("FMax", _fmax, *_first_wins(lambda a, b: a >= b))
FMin = binary("FMin", _fmin, *_first_wins(lambda a, b: a <= b))


class Lerp(Function):
    """``start + weight * (end - start)``, in PyTorch's two-sided form (exact at both ends:
    weight 1 gives ``end`` itself)."""

    def forward(self, xp, s, e, w):
        self.s, self.e, self.w = s, e, w
        d = e - s
        return xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w))

    def backward(self, xp, g):
        ns, ne, nw = self.needs
        s, e, w = self.s, self.e, self.w
        return (unbroadcast(xp, g * (1 - w), s.shape) if ns else None,
                unbroadcast(xp, g * w, e.shape) if ne else None,
                unbroadcast(xp, g * (e - s), w.shape) if nw else None)


# ------------------------------------------------------------------ functions
def _float_pair(cls, who):
    def fn(input, other) -> Tensor:  # noqa: A002
        return cls.apply(*operands(who, input, other, float_only=True))
    fn.__name__ = fn.__qualname__ = who
    return fn


logaddexp = _float_pair(LogAddExp, "logaddexp")
logaddexp.__doc__ = """``log(exp(input) + exp(other))`` without overflow.

    Example:
        >>> pn.logaddexp(pn.tensor([1000.0]), pn.tensor([1000.0]))   # tensor([1000.6931])
    """
logaddexp2 = _float_pair(LogAddExp2, "logaddexp2")
logaddexp2.__doc__ = """``log2(2**input + 2**other)`` without overflow.

    Example:
        >>> pn.logaddexp2(pn.tensor([3.0]), pn.tensor([3.0]))        # tensor([4.])
    """
hypot = _float_pair(Hypot, "hypot")
hypot.__doc__ = """``sqrt(input**2 + other**2)`` without overflow.

    Example:
        >>> pn.hypot(pn.tensor([3.0]), pn.tensor([4.0]))             # tensor([5.])
    """
copysign = _float_pair(CopySign, "copysign")
copysign.__doc__ = """``|input|`` with the sign of ``other`` (integers give floats); no
    gradient reaches ``other``, as in PyTorch.

    Example:
        >>> pn.copysign(pn.tensor([1.0, -2.0]), -1.0)                # tensor([-1., -2.])
    """
xlogy = _float_pair(XLogY, "xlogy")
xlogy.__doc__ = """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN).

    Example:
        >>> pn.xlogy(pn.tensor([0.0, 2.0]), pn.tensor([0.0, 3.0]))   # tensor([0.0000, 2.1972])
    """


def fmax(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); a tie sends the
    gradient to ``input``, as in PyTorch.

    Example:
        >>> pn.fmax(pn.tensor([1.0, float("nan")]), pn.tensor([2.0, 0.0]))  # tensor([2., 0.])
    """
    tensor_arg("fmax", input)
    tensor_arg("fmax", other, "other")
    a, b = operands("fmax", input, other)
    if P.kind(a.array.dtype) < 2:
        return Tensor.from_array(a._bk.xp.maximum(a.array, b.array), a._bk)
    return FMax.apply(a, b)


def fmin(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores NaN; ties send the gradient to ``input``.

    Example:
        >>> pn.fmin(pn.tensor([1.0, float("nan")]), pn.tensor([2.0, 0.0]))  # tensor([1., 0.])
    """
    tensor_arg("fmin", input)
    tensor_arg("fmin", other, "other")
    a, b = operands("fmin", input, other)
    if P.kind(a.array.dtype) < 2:
        return Tensor.from_array(a._bk.xp.minimum(a.array, b.array), a._bk)
    return FMin.apply(a, b)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``; ``weight`` a number or a Tensor (floats only).

    Example:
        >>> pn.lerp(pn.tensor([0.0, 10.0]), pn.tensor([10.0, 20.0]), 0.25)   # tensor([2.5, 12.5])
    """
    tensor_arg("lerp", input)
    tensor_arg("lerp", end, "end")
    if not isinstance(weight, (Tensor, numbers.Real)) or isinstance(weight, bool):
        raise TypeError(f"lerp(): argument 'weight' must be Tensor or float, not "
                        f"{type(weight).__name__}")
    for name, t in (("input", input), ("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and P.kind(t.array.dtype) < 2:
            raise RuntimeError(f"lerp(): expected a floating point tensor for '{name}', got "
                               f"{dname(t)}")
    if input.array.dtype != end.array.dtype:
        raise RuntimeError(f"lerp(): expected dtype {dname(input)} for `end` but got dtype "
                           f"{dname(end)}")
    s, e = operands("lerp", input, end)
    w, _ = operands("lerp", weight, s)
    return Lerp.apply(s, e, w)


def heaviside(input: Tensor, values: Tensor) -> Tensor:  # noqa: A002
    """The step function: 0 for ``input < 0``, ``values`` at 0, 1 above; no gradient (PyTorch
    raises at backward: so does this).  ``input`` and ``values`` must share a dtype.

    Example:
        >>> pn.heaviside(pn.tensor([-1.0, 0.0, 2.0]), pn.tensor([0.5]))   # tensor([0.0, 0.5, 1.0])
    """
    from .rounding import NotDifferentiable
    tensor_arg("heaviside", input)
    tensor_arg("heaviside", values, "values")
    if input.array.dtype != values.array.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    operands("heaviside", input, values)      # the shapes must broadcast

    def f(xp, x, v):
        step = xp.astype(x > 0, x.dtype)
        return xp.where(x == 0, v, step)
    return NotDifferentiable.apply(input, values, f=f, name="heaviside")


def float_power(input, exponent) -> Tensor:  # noqa: A002
    """``input ** exponent`` computed in float64 (PyTorch's: the result is float64).

    Example:
        >>> pn.float_power(pn.tensor([2]), 0.5).dtype                  # portanet.float64
    """
    from .arith import pow as _pow
    a, b = operands("float_power", input, exponent, names=("input", "exponent"))
    return _pow(a.astype("float64"), b.astype("float64"))


register_methods(logaddexp, logaddexp2, hypot, copysign, xlogy, fmax, fmin, lerp, heaviside,
                 float_power)


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (hypot, copysign, xlogy, lerp, heaviside):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))
    inplace_power = _inplace(float_power, "float_power_")

    def float_power_(self, exponent):
        if self.dtype != "float64":
            raise RuntimeError(f"the base given to float_power_ has dtype {dname(self)} but the "
                               "operation's result requires dtype float64")
        return inplace_power(self, exponent)
    Tensor.float_power_ = float_power_


_bind_inplace()
