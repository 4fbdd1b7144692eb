"""PyTorch's other spellings of the arithmetic and comparisons, and their options:
``add``/``sub`` with ``alpha``, ``div`` with ``rounding_mode``, ``rsub``, ``addcmul``/
``addcdiv``, ``clamp_min``/``clamp_max``, and the aliases
``absolute``, ``negative``, ``positive``, ``multiply``, ``subtract``, ``divide``,
``greater``/``greater_equal``/``less``/``less_equal``/``not_equal``; the in-place forms
PyTorch has for them and for the existing trigonometry (``sin_`` ...), ``square_`` and the
comparisons (``gt_`` ... write 0/1 in the tensor's own dtype).

Example:
    >>> pn.add(x, y, alpha=0.5)                 # x + 0.5 * y
    >>> pn.div(pn.tensor([-7, 7]), 2, rounding_mode="trunc")   # tensor([-3, 3])
"""
from __future__ import annotations

import numbers

from ..autograd.tensor import Tensor
from . import arith
from . import promote as P
from .mathargs import operands, tensor_arg
from .rounding import Flat, floor_divide
from .util import register_methods

__all__ = ["add", "sub", "div", "rsub", "absolute", "negative", "positive", "multiply",
           "subtract", "divide", "greater", "greater_equal", "less", "less_equal", "not_equal",
           "addcmul", "addcdiv", "clamp_min", "clamp_max"]


def _alpha(who, other, alpha):
    if alpha == 1:
        return other
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Number):
        raise TypeError(f"{who}(): argument 'alpha' must be Number, not {type(alpha).__name__}")
    if isinstance(other, Tensor) and isinstance(alpha, float) and P.kind(other.array.dtype) < 2:
        raise RuntimeError(f"{who}(): for integral input tensors, argument alpha must not be a "
                           "floating point number.")
    return arith.mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def add(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion.

    Example:
        >>> pn.add(pn.tensor([1.0, 2.0]), pn.tensor([10.0, 10.0]), alpha=0.5)   # [6., 7.]
    """
    return arith.add(input, _alpha("add", other, alpha))


def sub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``input - alpha * other``.

    Example:
        >>> pn.sub(pn.tensor([1.0, 2.0]), 1.0, alpha=2)                          # [-1., 0.]
    """
    return arith.sub(input, _alpha("sub", other, alpha))


def rsub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """``other - alpha * input``.

    Example:
        >>> pn.rsub(pn.tensor([1.0, 2.0]), 5.0)                                  # [4., 3.]
    """
    return arith.sub(other, _alpha("rsub", input, alpha))


def _trunc_div(xp, a, b):
    if P.kind(a.dtype) >= 2:
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)            # exact on integers; one up where the signs differ
    fix = xp.logical_and(xp.remainder(a, b) != 0, (a < 0) != (b < 0))
    return xp.where(fix, q + 1, q)


def div(input, other, *, rounding_mode=None) -> Tensor:  # noqa: A002
    """``input / other``; ``rounding_mode="trunc"`` rounds toward zero, ``"floor"`` down
    (integers then stay integers, and the gradient is zero, as PyTorch).

    Example:
        >>> pn.div(pn.tensor([-7.0, 7.0]), 2, rounding_mode="floor")            # [-4., 3.]
    """
    if rounding_mode is None:
        return arith.div(input, other)
    if rounding_mode == "floor":
        a, b = operands("div", input, other)
        if P.kind(a.array.dtype) < 2:
            return floor_divide(a, b)
        return Flat.apply(arith.div(a, b), f=lambda xp, q: xp.floor(q))
    if rounding_mode == "trunc":
        a, b = operands("div", input, other)
        if P.kind(a.array.dtype) < 2:
            xp = a._bk.xp
            return Tensor.from_array(_trunc_div(xp, a.array, b.array), a._bk)
        return Flat.apply(arith.div(a, b), f=lambda xp, q: xp.trunc(q))
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2`` (broadcasting).

    Example:
        >>> pn.addcmul(pn.zeros(2), pn.tensor([1.0, 2.0]), pn.tensor([3.0, 4.0]), value=0.5)
    """
    return _addc("addcmul", input, tensor1, tensor2, value, lambda x, y: x * y)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2`` (the step of Adam-like updates).

    Example:
        >>> pn.addcdiv(pn.zeros(2), pn.tensor([1.0, 2.0]), pn.tensor([4.0, 4.0]), value=2)
    """
    for name, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        if isinstance(t, Tensor) and P.kind(t.array.dtype) < 2:
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                               "future release addcdiv will perform a true division of tensor1 "
                               "and tensor2. Use true_divide or floor_divide instead.")
    return _addc("addcdiv", input, tensor1, tensor2, value, lambda x, y: x / y)


def _addc(who, input, t1, t2, value, op):
    for name, t in (("input", input), ("tensor1", t1), ("tensor2", t2)):
        tensor_arg(who, t, name)
    if not isinstance(value, numbers.Number) or isinstance(value, bool):
        raise TypeError(f"{who}(): argument 'value' must be a number, not {type(value).__name__}")
    prod = op(*operands(who, t1, t2, names=("tensor1", "tensor2")))
    if value != 1:
        prod = prod * value
    return input + prod


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A001,A002
    """``clamp(input, min=min)``. Example: ``pn.clamp_min(x, 0.0)`` is ReLU's value."""
    from .elementwise import clamp
    return clamp(tensor_arg("clamp_min", input), min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A001,A002
    """``clamp(input, max=max)``. Example: ``pn.clamp_max(x, 1.0)``."""
    from .elementwise import clamp
    return clamp(tensor_arg("clamp_max", input), max=max)


def _comparison(name, op):
    from . import views
    fn = getattr(views, op)

    def alias(input, other) -> Tensor:  # noqa: A002
        return fn(input, other)
    alias.__name__ = alias.__qualname__ = name
    alias.__doc__ = f"Alias of ``{op}``. Example: ``pn.{name}(pn.tensor([1, 3]), 2)``."
    return alias


greater = _comparison("greater", "gt")
greater_equal = _comparison("greater_equal", "ge")
less = _comparison("less", "lt")
less_equal = _comparison("less_equal", "le")
not_equal = _comparison("not_equal", "ne")


def absolute(input: Tensor) -> Tensor:  # noqa: A002
    """Alias of ``abs``. Example: ``pn.absolute(pn.tensor([-1.0]))``."""
    from .elementwise import abs as _abs
    return _abs(input)


def negative(input: Tensor) -> Tensor:  # noqa: A002
    """Alias of ``neg``. Example: ``pn.negative(pn.tensor([1.0]))``."""
    return arith.neg(input)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` itself (bool tensors are refused, as PyTorch).

    Example:
        >>> x = pn.tensor([1.0]); pn.positive(x) is x
        True
    """
    if isinstance(input, Tensor) and P.kind(input.array.dtype) == 0:
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def multiply(input, other) -> Tensor:  # noqa: A002
    """Alias of ``mul``. Example: ``pn.multiply(pn.tensor([2.0]), 3)``."""
    return arith.mul(input, other)


def subtract(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    """Alias of ``sub``. Example: ``pn.subtract(pn.tensor([2.0]), 3)``."""
    return sub(input, other, alpha=alpha)


def divide(input, other, *, rounding_mode=None) -> Tensor:  # noqa: A002
    """Alias of ``div``. Example: ``pn.divide(pn.tensor([7]), 2, rounding_mode="floor")``."""
    return div(input, other, rounding_mode=rounding_mode)


register_methods(add, sub, div, rsub, absolute, negative, positive, multiply, subtract, divide,
                 greater, greater_equal, less, less_equal, not_equal, addcmul, addcdiv, clamp_min,
                 clamp_max)


def _bind_inplace() -> None:
    from . import trig, views
    from .inplace import _inplace
    pairs = {"addcmul_": addcmul, "addcdiv_": addcdiv, "clamp_min_": clamp_min,
             "clamp_max_": clamp_max, "absolute_": absolute,
             "negative_": negative, "multiply_": multiply, "subtract_": subtract,
             "divide_": divide, "square_": arith.square, "sin_": trig.sin, "cos_": trig.cos,
             "tan_": trig.tan, "sinh_": trig.sinh, "cosh_": trig.cosh, "atan2_": trig.atan2,
             "arctan2_": trig.atan2}
    for op in ("gt", "ge", "lt", "le", "eq", "ne"):
        pairs[op + "_"] = getattr(views, op)
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
        pairs[name + "_"] = globals()[name]
    for name, fn in pairs.items():
        setattr(Tensor, name, _inplace(fn, name))


_bind_inplace()
