"""Unary pointwise math PyTorch has and the first op families lacked: reciprocal, rsqrt,
log10/log2/log1p, expm1/exp2, erf/erfc/erfinv, sinc, deg2rad/rad2deg, frac, nan_to_num.

Each primitive is one small ``Function`` made by :func:`unary` from its value and its
derivative (written from the input ``a`` and the output ``y``).  Integer and bool inputs
are computed in the default float dtype, as PyTorch does (``torch.log2(int_tensor)`` is
float32).

Example:
    >>> x = pn.tensor([0.5, 2.0], requires_grad=True)
    >>> (pn.log1p(x) + x.rsqrt()).sum().backward()
"""
from __future__ import annotations

import math

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from . import special
from .mathargs import floating, tensor_arg
from .util import clip_bounds, const, register_methods

__all__ = ["reciprocal", "rsqrt", "log10", "log2", "log1p", "expm1", "exp2", "erf", "erfc",
           "erfinv", "sinc", "deg2rad", "rad2deg", "frac", "nan_to_num", "asin", "acos", "atan",
           "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
           "arctanh", "logit", "signbit"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Unary(Function):
    """``y = f(a)``; backward multiplies by ``df(xp, a, y)``."""

    f = df = None

    def forward(self, xp, a):
        y = self.f(xp, a)
        self.a, self.y = a, y
        return y

    def backward(self, xp, g):
        return (g * self.df(xp, self.a, self.y),)


def unary(name: str, f, df) -> type:
    """A ``Unary`` Function class named ``name`` computing ``f`` with derivative ``df``."""
    return type(name, (Unary,), {"f": staticmethod(f), "df": staticmethod(df)})


def _erfinv(xp, y):
    """erf^-1: Giles' single-precision approximation ("Approximating the erfinv function",
    GPU Computing Gems, 2011), then two Newton steps on ``erf(x) - y`` with the portable
    ``erf`` (quadratic convergence: float64 accuracy away from |y| -> 1); +-inf at +-1 and
    NaN outside [-1, 1], as PyTorch."""
    one = const(xp, y, 1.0)
    ay = xp.abs(y)
    edge = ay >= 1                    # +-1 and beyond: set at the end; 0.5 stands in
    ay = xp.where(edge, const(xp, y, 0.5), ay)
    w = -xp.log((one - ay) * (one + ay))
    c = w - 2.5
    p1 = 2.81022636e-08
    for k in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p1 = k + p1 * c
    s = xp.sqrt(w) - 3.0
    p2 = -0.000200214257
    for k in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p2 = k + p2 * s
    x = xp.where(w < 5.0, p1, p2) * ay
    for _ in range(2):
        x = x - (special.erf(xp, x) - ay) / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
    x = xp.where(edge, const(xp, y, math.inf), x)
    x = xp.where(xp.abs(y) > 1, const(xp, y, math.nan), x)   # (NaN stays NaN)
    return xp.where(y < 0, -x, x)


def _sinc(xp, a):
    pa = math.pi * a
    zero = a == 0
    safe = xp.where(zero, xp.ones_like(pa), pa)
    return xp.where(zero, xp.ones_like(a), xp.sin(safe) / safe)


def _dsinc(xp, a, y):
    zero = a == 0
    safe = xp.where(zero, xp.ones_like(a), a)
    return xp.where(zero, xp.zeros_like(a), (xp.cos(math.pi * safe) - y) / safe)


Reciprocal = unary("Reciprocal", lambda xp, a: 1 / a, lambda xp, a, y: -(y * y))
Rsqrt = unary("Rsqrt", lambda xp, a: 1 / xp.sqrt(a), lambda xp, a, y: -0.5 * y * y * y)
Log10 = unary("Log10", lambda xp, a: xp.log10(a), lambda xp, a, y: 1 / (a * _LN10))
Log2 = unary("Log2", lambda xp, a: xp.log2(a), lambda xp, a, y: 1 / (a * _LN2))
Log1p = unary("Log1p", lambda xp, a: xp.log1p(a), lambda xp, a, y: 1 / (1 + a))
Expm1 = unary("Expm1", lambda xp, a: xp.expm1(a), lambda xp, a, y: y + 1)
Exp2 = unary("Exp2", lambda xp, a: xp.pow(const(xp, a, 2.0), a), lambda xp, a, y: y * _LN2)
Erf = unary("Erf", special.erf, lambda xp, a, y: _TWO_OVER_SQRT_PI * xp.exp(-a * a))
Erfc = unary("Erfc", special.erfc, lambda xp, a, y: -_TWO_OVER_SQRT_PI * xp.exp(-a * a))
Erfinv = unary("Erfinv", _erfinv, lambda xp, a, y: (math.sqrt(math.pi) / 2) * xp.exp(y * y))
Sinc = unary("Sinc", _sinc, _dsinc)
Asin = unary("Asin", lambda xp, a: xp.asin(a), lambda xp, a, y: 1 / xp.sqrt(1 - a * a))
Acos = unary("Acos", lambda xp, a: xp.acos(a), lambda xp, a, y: -1 / xp.sqrt(1 - a * a))
Atan = unary("Atan", lambda xp, a: xp.atan(a), lambda xp, a, y: 1 / (1 + a * a))
Asinh = unary("Asinh", lambda xp, a: xp.asinh(a), lambda xp, a, y: 1 / xp.sqrt(a * a + 1))
Acosh = unary("Acosh", lambda xp, a: xp.acosh(a), lambda xp, a, y: 1 / xp.sqrt((a - 1) * (a + 1)))
Atanh = unary("Atanh", lambda xp, a: xp.atanh(a), lambda xp, a, y: 1 / (1 - a * a))
Frac = unary("Frac", lambda xp, a: a - xp.trunc(a), lambda xp, a, y: xp.ones_like(a))


class NanToNum(Function):
    """NaN, +inf, -inf replaced by numbers; the gradient passes where ``a`` is finite."""

    def forward(self, xp, a, nan, posinf, neginf):
        self.a = a
        fi = xp.finfo(a.dtype)
        posinf = fi.max if posinf is None else posinf
        neginf = fi.min if neginf is None else neginf
        y = xp.where(xp.isnan(a), const(xp, a, nan), a)
        y = xp.where(y == math.inf, const(xp, a, posinf), y)
        return xp.where(y == -math.inf, const(xp, a, neginf), y)

    def backward(self, xp, g):
        return (xp.where(xp.isfinite(self.a), g, xp.zeros_like(g)),)


class Logit(Function):
    """``log(z / (1 - z))`` of ``z = clamp(a, eps, 1 - eps)``; with ``eps`` the gradient is
    0 outside ``[eps, 1 - eps]`` (PyTorch's)."""

    def forward(self, xp, a, eps):
        self.a, self.eps = a, eps
        z = a if eps is None else clip_bounds(xp, a, eps, 1 - eps)
        return xp.log(z / (1 - z))

    def backward(self, xp, g):
        a, eps = self.a, self.eps
        d = g / (a * (1 - a))
        if eps is None:
            return (d,)
        inside = xp.logical_and(a >= eps, a <= 1 - eps)
        return (xp.where(inside, d, xp.zeros_like(d)),)


# ------------------------------------------------------------------ functions
def _make(cls, name: str, doc: str):
    def fn(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument name
        return cls.apply(floating(tensor_arg(name, input)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


reciprocal = _make(Reciprocal, "reciprocal", """``1 / input`` (integers give floats).

    Example:
        >>> pn.reciprocal(pn.tensor([2.0, 4.0]))     # tensor([0.5, 0.25])
    """)
rsqrt = _make(Rsqrt, "rsqrt", """``1 / sqrt(input)``.

    Example:
        >>> pn.rsqrt(pn.tensor([4.0]))               # tensor([0.5])
    """)
log10 = _make(Log10, "log10", """Base-10 logarithm. Example: ``pn.log10(pn.tensor([100.0]))``.""")
log2 = _make(Log2, "log2", """Base-2 logarithm. Example: ``pn.log2(pn.tensor([8.0]))``.""")
log1p = _make(Log1p, "log1p", """``log(1 + input)``, accurate for small inputs.

    Example:
        >>> pn.log1p(pn.tensor([1e-10]))             # tensor([1.0000e-10])
    """)
expm1 = _make(Expm1, "expm1", """``exp(input) - 1``, accurate for small inputs.

    Example:
        >>> pn.expm1(pn.tensor([1e-10]))
    """)
exp2 = _make(Exp2, "exp2", """``2 ** input``. Example: ``pn.exp2(pn.tensor([3.0]))`` is 8.""")
erf = _make(Erf, "erf", """The error function (portable series/continued fraction).

    Example:
        >>> pn.erf(pn.tensor([0.5]))                 # tensor([0.5205])
    """)
erfc = _make(Erfc, "erfc", """``1 - erf(input)``, accurate in the tail (no cancellation).

    Example:
        >>> pn.erfc(pn.tensor([5.0]))                # tensor([1.5375e-12])
    """)
erfinv = _make(Erfinv, "erfinv", """Inverse error function on [-1, 1] (+-inf at +-1, NaN
    outside), by Giles' approximation refined with Newton steps (near float64 accuracy
    except within ~1e-10 of +-1, where the refinement loses digits).

    Example:
        >>> pn.erfinv(pn.tensor([0.5]))              # tensor([0.4769])
    """)
sinc = _make(Sinc, "sinc", """Normalized sinc ``sin(pi x) / (pi x)``, 1 at 0.

    Example:
        >>> pn.sinc(pn.tensor([0.0, 0.5]))           # tensor([1.0000, 0.6366])
    """)
frac = _make(Frac, "frac", """Fractional part ``input - trunc(input)`` (sign of the input).

    Example:
        >>> pn.frac(pn.tensor([-1.5, 2.25]))         # tensor([-0.5, 0.25])
    """)


asin = _make(Asin, "asin", """Inverse sine (NaN outside [-1, 1]). Example: ``pn.asin(pn.tensor([1.0]))``.""")
acos = _make(Acos, "acos", """Inverse cosine. Example: ``pn.acos(pn.tensor([0.0]))`` is pi/2.""")
atan = _make(Atan, "atan", """Inverse tangent. Example: ``pn.atan(pn.tensor([1.0]))`` is pi/4.""")
asinh = _make(Asinh, "asinh", """Inverse hyperbolic sine. Example: ``pn.asinh(pn.tensor([0.5]))``.""")
acosh = _make(Acosh, "acosh", """Inverse hyperbolic cosine (input >= 1). Example: ``pn.acosh(pn.tensor([2.0]))``.""")
atanh = _make(Atanh, "atanh", """Inverse hyperbolic tangent (|input| < 1). Example: ``pn.atanh(pn.tensor([0.5]))``.""")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def logit(input: Tensor, eps=None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``, the inverse of sigmoid; ``eps`` clamps ``p`` into
    ``[eps, 1 - eps]`` first (then the gradient is 0 outside it).

    Example:
        >>> pn.logit(pn.tensor([0.5, 0.75]))                         # tensor([0.0000, 1.0986])
    """
    a = floating(tensor_arg("logit", input))
    if eps is not None:
        eps = argcheck.real("logit", "eps", eps, lo=0, hi=0.5)
    return Logit.apply(a, eps=eps)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    """True where the sign bit is set (negative numbers and -0.0); a bool tensor.

    Example:
        >>> pn.signbit(pn.tensor([-1.0, -0.0, 2.0]))                 # tensor([ True,  True, False])
    """
    tensor_arg("signbit", input)
    xp, a = input._bk.xp, input.array
    if P.kind(a.dtype) < 2:
        return Tensor.from_array(a < 0 if P.kind(a.dtype) == 1 else xp.zeros_like(a), input._bk)
    return Tensor.from_array(xp.signbit(a), input._bk)


def deg2rad(input: Tensor) -> Tensor:  # noqa: A002
    """Degrees to radians. Example: ``pn.deg2rad(pn.tensor([180.0]))`` is pi."""
    return floating(tensor_arg("deg2rad", input)) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:  # noqa: A002
    """Radians to degrees. Example: ``pn.rad2deg(pn.tensor([math.pi]))`` is 180."""
    return floating(tensor_arg("rad2deg", input)) * (180.0 / math.pi)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:  # noqa: A002
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest
    and lowest finite values); integer tensors are returned unchanged, as PyTorch.

    Example:
        >>> pn.nan_to_num(pn.tensor([float("nan"), float("inf")]), posinf=1.0)  # [0., 1.]
    """
    tensor_arg("nan_to_num", input)
    argcheck.real("nan_to_num", "nan", nan)
    for name, v in (("posinf", posinf), ("neginf", neginf)):
        if v is not None:
            argcheck.real("nan_to_num", name, v)
    if P.kind(input.array.dtype) < 2:
        return input.clone()
    return NanToNum.apply(input, nan=float(nan), posinf=posinf, neginf=neginf)


_INVERSE_TRIG = (asin, acos, atan, asinh, acosh, atanh)
register_methods(reciprocal, rsqrt, log10, log2, log1p, expm1, exp2, erf, erfc, erfinv, sinc,
                 deg2rad, rad2deg, frac, nan_to_num, logit, signbit, *_INVERSE_TRIG,
                 **{"arc" + f.__name__[1:]: f for f in _INVERSE_TRIG})


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (reciprocal, rsqrt, log10, log2, log1p, expm1, exp2, erf, erfc, erfinv, sinc,
               deg2rad, rad2deg, frac, nan_to_num, logit, *_INVERSE_TRIG):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))
    for fn in _INVERSE_TRIG:
        name = "arc" + fn.__name__[1:] + "_"
        setattr(Tensor, name, _inplace(fn, name))


_bind_inplace()
