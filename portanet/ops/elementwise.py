"""Elementwise arithmetic and math primitives, each forward beside its backward."""
from __future__ import annotations

import math

from ..autograd.function import Function
from ._util import unbroadcast


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


class Exp(Function):
    def forward(self, xp, a):
        self.y = xp.exp(a)
        return self.y

    def backward(self, xp, g):
        return (g * self.y,)


class Log(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.log(a)

    def backward(self, xp, g):
        return (g / self.a,)


class Sqrt(Function):
    def forward(self, xp, a):
        self.y = xp.sqrt(a)
        return self.y

    def backward(self, xp, g):
        return (g / (2 * self.y),)


class Abs(Function):
    """|a|; the subgradient at 0 is 0, as in PyTorch."""

    def forward(self, xp, a):
        self.a = a
        return xp.abs(a)

    def backward(self, xp, g):
        return (g * xp.sign(self.a),)


class Clip(Function):
    """Clamp to [lo, hi]; the gradient passes where lo <= a <= hi (PyTorch's convention)."""

    def forward(self, xp, a, lo, hi):
        self.a, self.lo, self.hi = a, lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, xp, g):
        a = self.a
        mask = None
        if self.lo is not None:
            mask = a >= self.lo
        if self.hi is not None:
            m = a <= self.hi
            mask = m if mask is None else xp.logical_and(mask, m)
        if mask is None:
            return (g,)
        return (xp.where(mask, g, xp.zeros_like(g)),)


class Maximum(Function):
    """Elementwise max; ties send half the gradient to each input (PyTorch's rule)."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.maximum(a, b)

    def backward(self, xp, g):
        return _minmax_grads(xp, g, self.a, self.b, self.a > self.b, self.needs)


class Minimum(Function):
    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.minimum(a, b)

    def backward(self, xp, g):
        return _minmax_grads(xp, g, self.a, self.b, self.a < self.b, self.needs)


def _minmax_grads(xp, g, a, b, a_wins, needs):
    tie = a == b
    wa = xp.astype(a_wins, g.dtype) + 0.5 * xp.astype(tie, g.dtype)
    ga = unbroadcast(xp, g * wa, a.shape) if needs[0] else None
    gb = unbroadcast(xp, g * (1 - wa), b.shape) if needs[1] else None
    return ga, gb


class Where(Function):
    """``where(cond, a, b)``; ``cond`` is a raw boolean array (it takes no gradient)."""

    saves_inputs = False

    def forward(self, xp, a, b, cond):
        self.cond, self.sa, self.sb = cond, a.shape, b.shape
        return xp.where(cond, a, b)

    def backward(self, xp, g):
        z = xp.zeros_like(g)
        na, nb = self.needs
        return (unbroadcast(xp, xp.where(self.cond, g, z), self.sa) if na else None,
                unbroadcast(xp, xp.where(self.cond, z, g), self.sb) if nb else None)


class Cast(Function):
    saves_inputs = False

    def forward(self, xp, a, dtype):
        self.src = a.dtype
        return xp.astype(a, dtype)

    def backward(self, xp, g):
        return (xp.astype(g, self.src),)
