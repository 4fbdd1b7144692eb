"""Arithmetic: ``+ - * / **`` and negation, their Functions, functions and operators.

Each binary op has a tensor-tensor Function (gradients reduced over broadcast axes) and,
for Python numbers, a scalar Function that keeps the number out of the graph (and out
of dtype promotion: ``x * 0.5`` stays float32).

Example:
    >>> x = pn.tensor([1.0, 2.0], requires_grad=True)
    >>> (2 * x ** 2 - x / 4).sum().backward()
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from .util import Number, lift, py_scalar, register_methods, unbroadcast

__all__ = ["add", "sub", "mul", "div", "pow", "neg", "square"]


class Add(Function):
    saves_inputs = False

    def forward(self, xp, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a + b

    def backward(self, xp, g):
        na, nb = self.needs
        return (unbroadcast(xp, g, self.sa) if na else None,
                unbroadcast(xp, g, self.sb) if nb else None)


class Sub(Function):
    saves_inputs = False

    def forward(self, xp, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a - b

    def backward(self, xp, g):
        na, nb = self.needs
        return (unbroadcast(xp, g, self.sa) if na else None,
                unbroadcast(xp, -g, self.sb) if nb else None)


class Mul(Function):
    def forward(self, xp, a, b):
        needs = self.needs
        if needs:  # keep only what the wanted gradients use
            self.a = a if needs[1] else None
            self.b = b if needs[0] else None
            self.sa, self.sb = a.shape, b.shape
        return a * b

    def backward(self, xp, g):
        na, nb = self.needs
        return (unbroadcast(xp, g * self.b, self.sa) if na else None,
                unbroadcast(xp, g * self.a, self.sb) if nb else None)


class Div(Function):
    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, xp, g):
        na, nb = self.needs
        a, b = self.a, self.b
        ga = unbroadcast(xp, g / b, a.shape) if na else None
        gb = unbroadcast(xp, -g * a / (b * b), b.shape) if nb else None
        return ga, gb


class Pow(Function):
    """``a ** b`` with both tensors; d/db needs ``log a`` (defined for a > 0)."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, xp, g):
        na, nb = self.needs
        a, b, y = self.a, self.b, self.y
        ga = unbroadcast(xp, g * b * a ** (b - 1), a.shape) if na else None
        gb = None
        if nb:
            safe = xp.where(a > 0, a, xp.ones_like(a))
            gb = unbroadcast(xp, g * y * xp.log(safe), b.shape)
        return ga, gb


class AddScalar(Function):
    saves_inputs = False

    def forward(self, xp, a, c):
        return a + c

    def backward(self, xp, g):
        return (g,)


class MulScalar(Function):
    saves_inputs = False

    def forward(self, xp, a, c):
        self.c = c
        return a * c

    def backward(self, xp, g):
        return (g * self.c,)


class RSubScalar(Function):
    """``c - a``."""

    saves_inputs = False

    def forward(self, xp, a, c):
        return c - a

    def backward(self, xp, g):
        return (-g,)


class RDivScalar(Function):
    """``c / a``."""

    def forward(self, xp, a, c):
        self.a, self.c = a, c
        return c / a

    def backward(self, xp, g):
        a = self.a
        return (-g * self.c / (a * a),)


class PowScalar(Function):
    """``a ** c`` for a Python number ``c``."""

    def forward(self, xp, a, c):
        self.a, self.c = a, c
        return a ** c

    def backward(self, xp, g):
        c = self.c
        if c == 2:
            return (g * (2 * self.a),)
        return (g * (c * self.a ** (c - 1)),)


class RPowScalar(Function):
    """``c ** a`` for a Python number ``c > 0``."""

    def forward(self, xp, a, c):
        self.y = c ** a
        self.logc = math.log(c)
        return self.y

    def backward(self, xp, g):
        return (g * self.y * self.logc,)


class Neg(Function):
    saves_inputs = False

    def forward(self, xp, a):
        return -a

    def backward(self, xp, g):
        return (-g,)


# ------------------------------------------------------------------ functions

def _mismatch(who: str, a: Tensor, b: Tensor, error: Exception) -> Exception:
    """The error to raise for a failed binary op: ValueError naming ``who`` and both shapes
    when they do not broadcast (each backend words this its own way), else ``error``.
    Runs only after a failure: no cost on the hot path."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    ok = all(x == y or x == 1 or y == 1 for x, y in zip(sa[::-1], sb[::-1]))
    if ok:
        return error
    return ValueError(f"{who}: shapes {sa} and {sb} do not broadcast (the sizes of each trailing "
                      "dimension must be equal or 1)")


# PyTorch's type promotion (ops/promote.py) without slowing the common case: the op runs
# first when the dtypes agree (a Python int or float with a tensor, or two tensors of one
# dtype), and only a result of another dtype (NumPy's int / int -> float64, int + 0.5 ->
# float64) or a refusal (array_api_strict's int + 0.5, bool + bool) takes the slow path
# that casts the operands first.
_REFUSED = (TypeError, OverflowError)


def _scalar_slow(fn, a, c, op, **params):
    if type(c) is bool and P.kind(a.array.dtype) == 0 and op in "+*":
        return P.bool_op(a, c, op)
    c = py_scalar(c)
    a = P.scalar(a, c, op == "/")
    if op == "-":
        if type(c) is int and P.kind(a.array.dtype) == 1:   # -c may not fit an unsigned dtype
            return Sub.apply(a, lift(c, a))
        return AddScalar.apply(a, c=-c)
    if op == "/":
        return MulScalar.apply(a, c=1.0 / c)
    return fn.apply(a, c=c, **params)


def _pair_slow(fn, a, b, op):
    a, b = P.pair(a, b, op == "/")
    if op in "+*" and P.kind(a.array.dtype) == 0:
        return P.bool_op(a, b, op)
    return fn.apply(a, b)


def _pair(fn, a: Tensor, b: Tensor, op: str, who: str) -> Tensor:
    """Two tensors: the op itself when the dtypes agree (one dtype in, the same out), else
    PyTorch's promotion first; a failure that is a shape mismatch is said in our words."""
    try:
        if a.array.dtype is b.array.dtype:
            try:
                return fn.apply(a, b)
            except _REFUSED:
                pass
        return _pair_slow(fn, a, b, op)
    except Exception as e:  # noqa: BLE001 - a shape mismatch in our words, not the backend's
        raise _mismatch(who, a, b, e) from None


def add(a, b) -> Tensor:
    """``a + b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = AddScalar.apply(a, c=b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(AddScalar, a, b, "+")
    if isinstance(a, Number):
        return add(b, a)
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    return _pair(Add, a, b, "+", "add")


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = AddScalar.apply(a, c=-b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(AddScalar, a, b, "-")
    if isinstance(a, Number):
        a = py_scalar(a)
        return RSubScalar.apply(P.scalar(b, a), c=a)
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    return _pair(Sub, a, b, "-", "sub")


def mul(a, b) -> Tensor:
    """``a * b`` with broadcasting and PyTorch's type promotion."""
    if isinstance(b, Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = MulScalar.apply(a, c=b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(MulScalar, a, b, "*")
    if isinstance(a, Number):
        return mul(b, a)
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    return _pair(Mul, a, b, "*", "mul")


def div(a, b) -> Tensor:
    """``a / b`` with broadcasting; integers divide to the default float dtype (PyTorch)."""
    if isinstance(b, Number):
        t = type(b)
        if t is float or t is int:
            try:
                out = MulScalar.apply(a, c=1.0 / b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _scalar_slow(MulScalar, a, b, "/")
    if isinstance(a, Number):
        return RDivScalar.apply(P.scalar(b, a, True), c=py_scalar(a))
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    try:
        if a.array.dtype is b.array.dtype:
            try:
                out = Div.apply(a, b)
                if out.array.dtype is a.array.dtype:
                    return out
            except _REFUSED:
                pass
        return _pair_slow(Div, a, b, "/")
    except Exception as e:  # noqa: BLE001 - a shape mismatch in our words, not the backend's
        raise _mismatch("div", a, b, e) from None


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """``a ** b``; ``b`` may be a number or a Tensor."""
    if isinstance(b, Number):
        b = py_scalar(b)
        return PowScalar.apply(P.scalar(a, b), c=b)
    if isinstance(a, Number):
        a = py_scalar(a)
        return RPowScalar.apply(P.scalar(b, a), c=a)
    if not isinstance(a, Tensor):
        a = lift(a, b)
    b = lift(b, a)
    try:
        return Pow.apply(*P.pair(a, b))
    except Exception as e:  # noqa: BLE001 - a shape mismatch in our words, not the backend's
        raise _mismatch("pow", a, b, e) from None


def square(a: Tensor) -> Tensor:
    """``a * a``."""
    return PowScalar.apply(a, c=2)


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


register_methods(
    square,
    __add__=add, __radd__=lambda self, o: add(o, self),
    __sub__=sub, __rsub__=lambda self, o: sub(o, self),
    __mul__=mul, __rmul__=lambda self, o: mul(o, self),
    __truediv__=div, __rtruediv__=lambda self, o: div(o, self),
    __pow__=pow, __rpow__=lambda self, o: pow(o, self),
    __neg__=neg, __pos__=lambda self: self,
)
