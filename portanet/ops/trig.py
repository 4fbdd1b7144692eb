"""Trigonometric and hyperbolic functions: ``sin``, ``cos``, ``tan``, ``sinh``, ``cosh``,
``atan2``, each Function with its forward beside its backward, its public function and
its Tensor method.

Example:
    >>> x = pn.linspace(-math.pi, math.pi, 5, requires_grad=True)
    >>> pn.sin(x).sum().backward()        # x.grad == cos(x)
"""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .util import unbroadcast

__all__ = ["sin", "cos", "tan", "sinh", "cosh", "atan2", "arctan2"]


class Sin(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.sin(a)

    def backward(self, xp, g):
        return (g * xp.cos(self.a),)


class Cos(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.cos(a)

    def backward(self, xp, g):
        return (-g * xp.sin(self.a),)


class Tan(Function):
    def forward(self, xp, a):
        self.y = xp.tan(a)
        return self.y

    def backward(self, xp, g):
        return (g * (1 + self.y * self.y),)


class Sinh(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.sinh(a)

    def backward(self, xp, g):
        return (g * xp.cosh(self.a),)


class Cosh(Function):
    def forward(self, xp, a):
        self.a = a
        return xp.cosh(a)

    def backward(self, xp, g):
        return (g * xp.sinh(self.a),)


class Atan2(Function):
    """``atan2(a, b)``, the angle of the point ``(b, a)``; d/da = b/r², d/db = -a/r²."""

    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return xp.atan2(a, b)

    def backward(self, xp, g):
        a, b = self.a, self.b
        r2 = a * a + b * b
        na, nb = self.needs
        return (unbroadcast(xp, g * b / r2, a.shape) if na else None,
                unbroadcast(xp, -g * a / r2, b.shape) if nb else None)


def _float(t: Tensor) -> Tensor:
    """Integer inputs compute in the default float dtype, as PyTorch's ``torch.sin(int)``."""
    from .promote import kind
    return t if kind(t.array.dtype) >= 2 else t.astype(t._bk.float_dtype)


def sin(input: Tensor) -> Tensor:
    """Elementwise sine. Example: ``pn.sin(pn.linspace(-3.14, 3.14, 2000))``."""
    return Sin.apply(_float(input))


def cos(input: Tensor) -> Tensor:
    """Elementwise cosine."""
    return Cos.apply(_float(input))


def tan(input: Tensor) -> Tensor:
    """Elementwise tangent."""
    return Tan.apply(_float(input))


def sinh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic sine."""
    return Sinh.apply(_float(input))


def cosh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic cosine."""
    return Cosh.apply(_float(input))


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``atan2(input, other)`` (quadrant-aware ``atan(input / other)``).

    Example:
        >>> pn.atan2(pn.tensor([1.0]), pn.tensor([-1.0]))
        tensor([2.3561945])
    """
    from .promote import pair
    from .util import lift
    if not isinstance(input, Tensor):
        input = lift(input, other)
    a, b = pair(_float(input), _float(lift(other, input)))
    return Atan2.apply(a, b)


arctan2 = atan2

for _fn in (sin, cos, tan, sinh, cosh, atan2, arctan2):
    setattr(Tensor, _fn.__name__, _fn)
