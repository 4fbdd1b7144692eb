"""Rounding and integer-style division: ceil, floor, round (decimals), trunc, sign, sgn,
fmod, remainder, floor_divide, true_divide, and the ``%`` and ``//`` operators.

PyTorch's sign rules: ``remainder`` (and ``%``) takes the sign of the divisor, as Python's
``%``; ``fmod`` the sign of the dividend, as C's ``fmod``.  Rounding functions have a zero
gradient (PyTorch's); ``floor_divide`` has none (PyTorch raises at backward: so do we).

Example:
    >>> pn.remainder(pn.tensor([-3, 3]), 2)     # tensor([1, 1])
    >>> pn.fmod(pn.tensor([-3.0, 3.0]), 2)      # tensor([-1.,  1.])
    >>> pn.round(pn.tensor([2.5, 0.125]), decimals=2)   # tensor([2.5000, 0.1200])
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from . import promote as P
from .mathargs import dname, operands, tensor_arg
from .util import register_methods, unbroadcast

__all__ = ["ceil", "floor", "round", "trunc", "fix", "sign", "sgn", "fmod", "remainder",
           "floor_divide", "true_divide"]


class Flat(Function):
    """A piecewise-constant function of ``a``: its gradient is zero everywhere (PyTorch's
    convention for ceil/floor/round/trunc/sign, including at the jumps)."""

    saves_inputs = False

    def forward(self, xp, a, f):
        return f(xp, a)

    def backward(self, xp, g):
        return (xp.zeros_like(g),)


def _round(xp, a, decimals):
    if decimals == 0:
        return xp.round(a)
    # PyTorch's formula: scale, round half to even, unscale (with a division for d > 0,
    # which rounds 0.125 * 100 back to 0.12 exactly as PyTorch does)
    s = 10.0 ** abs(decimals)
    return xp.round(a * s) / s if decimals > 0 else xp.round(a / s) * s


class Fmod(Function):
    """``a - trunc(a / b) * b`` computed exactly, as ``copysign(remainder(|a|, |b|), a)``."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        r = xp.remainder(xp.abs(a), xp.abs(b))
        if P.kind(a.dtype) >= 2:
            return xp.copysign(r, a)
        return xp.where(a < 0, -r, r)

    def backward(self, xp, g):
        na, nb = self.needs
        return (unbroadcast(xp, g, self.a.shape) if na else None,
                unbroadcast(xp, -g * xp.trunc(self.a / self.b), self.b.shape) if nb else None)


class Remainder(Function):
    """Python's ``%``: the result has the sign of ``b``; d/db = -floor(a / b)."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.remainder(a, b)

    def backward(self, xp, g):
        na, nb = self.needs
        return (unbroadcast(xp, g, self.a.shape) if na else None,
                unbroadcast(xp, -g * xp.floor(self.a / self.b), self.b.shape) if nb else None)


class NotDifferentiable(Function):
    """A value PyTorch gives no derivative for: backward raises PyTorch's RuntimeError."""

    saves_inputs = False

    def forward(self, xp, *arrays, f, name):
        self.name = name
        return f(xp, *arrays)

    def backward(self, xp, g):
        raise RuntimeError(f"derivative for aten::{self.name} is not implemented")


# ------------------------------------------------------------------ functions
def _flat(name, f, doc):
    def fn(input: Tensor) -> Tensor:  # noqa: A002
        return Flat.apply(tensor_arg(name, input), f=f)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


ceil = _flat("ceil", lambda xp, a: xp.ceil(a), """Smallest integer >= input (zero gradient).

    Example:
        >>> pn.ceil(pn.tensor([-0.5, 1.2]))          # tensor([-0., 2.])
    """)
floor = _flat("floor", lambda xp, a: xp.floor(a), """Largest integer <= input (zero gradient).

    Example:
        >>> pn.floor(pn.tensor([-0.5, 1.2]))         # tensor([-1., 1.])
    """)
trunc = _flat("trunc", lambda xp, a: xp.trunc(a), """Rounds toward zero (zero gradient).

    Example:
        >>> pn.trunc(pn.tensor([-1.7, 1.7]))         # tensor([-1., 1.])
    """)
sign = _flat("sign", lambda xp, a: xp.sign(a), """-1, 0 or 1 by the sign of input (zero gradient).

    Example:
        >>> pn.sign(pn.tensor([-2.0, 0.0, 3.0]))     # tensor([-1., 0., 1.])
    """)


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """``sign`` extended to complex numbers (``x / |x|``); for real tensors it is ``sign``.

    Example:
        >>> pn.sgn(pn.tensor([-2.0, 3.0]))           # tensor([-1., 1.])
    """
    tensor_arg("sgn", input)
    if P.kind(input.array.dtype) == 3:
        raise NotImplementedError("sgn: complex tensors are not supported by portanet")
    return sign(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` places (negative: to tens, hundreds ...).

    Example:
        >>> pn.round(pn.tensor([0.5, 1.5, 1234.5]), decimals=-2)   # tensor([0., 0., 1200.])
    """
    tensor_arg("round", input)
    if not argcheck.is_int(decimals):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals != 0 and P.kind(input.array.dtype) < 2:
        raise NotImplementedError(f"round(): decimals != 0 not implemented for '{dname(input)}'")
    return Flat.apply(input, f=lambda xp, a: _round(xp, a, int(decimals)))


def fmod(input, other) -> Tensor:
    """C's remainder: ``input - trunc(input / other) * other`` (sign of ``input``).

    Integer division by zero gives what the backend gives (NumPy: 0 with a warning),
    where PyTorch raises ZeroDivisionError: checking would read the divisor back.

    Example:
        >>> pn.fmod(pn.tensor([-3.0, 3.0]), -2.0)    # tensor([-1., 1.])
    """
    a, b = operands("fmod", input, other)
    return Fmod.apply(a, b)


def remainder(input, other) -> Tensor:
    """Python's modulus: ``input - floor(input / other) * other`` (sign of ``other``), also
    the ``%`` operator.  ``input`` may be a number (``pn.remainder(5, t)``).

    Example:
        >>> pn.remainder(pn.tensor([-3.0, 3.0]), 2)  # tensor([1., 1.])
    """
    a, b = operands("remainder", input, other)
    return Remainder.apply(a, b)


def floor_divide(input, other) -> Tensor:
    """``floor(input / other)`` (the ``//`` operator), integers staying integers; no
    gradient (PyTorch raises at backward: so does this).

    Example:
        >>> pn.floor_divide(pn.tensor([-7, 7]), 2)   # tensor([-4, 3])
    """
    a, b = operands("floor_divide", input, other)
    return NotDifferentiable.apply(a, b, f=lambda xp, x, y: xp.floor_divide(x, y),
                                   name="floor_divide")


def true_divide(input, other) -> Tensor:
    """``input / other`` always in floating point: an alias of ``pn.div``.

    Example:
        >>> pn.true_divide(pn.tensor([1, 2]), 2)     # tensor([0.5, 1.])
    """
    from .arith import div
    return div(input, other)


fix = trunc   # NumPy's name, which PyTorch keeps as an alias
register_methods(ceil, floor, trunc, sign, sgn, round, fmod, remainder, floor_divide,
                 true_divide, fix=trunc, __round__=lambda self, ndigits=None: round(self, decimals=ndigits or 0),
                 __mod__=remainder, __rmod__=lambda self, other: remainder(other, self),
                 __floordiv__=floor_divide,
                 __rfloordiv__=lambda self, other: floor_divide(other, self))


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (ceil, floor, trunc, sign, sgn, round, fmod, remainder, floor_divide,
               true_divide):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))
    Tensor.fix_ = _inplace(trunc, "fix_")
    Tensor.__imod__ = _inplace(remainder, "remainder_")
    Tensor.__ifloordiv__ = _inplace(floor_divide, "floor_divide_")


_bind_inplace()
