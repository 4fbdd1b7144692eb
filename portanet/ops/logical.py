"""Predicates and logic: isnan/isinf/isfinite/isposinf/isneginf/isreal, logical_and/or/
xor/not, bitwise_and/or/xor/not (and the ``& | ^ ~`` operators), isclose, allclose, equal.

Results are bool tensors outside the graph (no gradient), as in PyTorch.  ``allclose``
and ``equal`` return a Python bool: they read the device (a host synchronization, as
PyTorch's do), so keep them out of a training step.

Example:
    >>> m = pn.isfinite(x) & (x > 0)
    >>> pn.allclose(pn.tensor([1.0]), pn.tensor([1.0 + 1e-9]))      # True
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from . import promote as P
from .mathargs import dname, operands, tensor_arg
from .util import register_methods

__all__ = ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "logical_and",
           "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "isclose", "allclose", "equal"]


def _out(t: Tensor, array) -> Tensor:
    return Tensor.from_array(array, t._bk)


def _predicate(name, f, doc):
    def fn(input: Tensor) -> Tensor:  # noqa: A002
        tensor_arg(name, input)
        xp, a = input._bk.xp, input.array
        if P.kind(a.dtype) < 2:     # integers and bools are always finite, never NaN
            return _out(input, f(xp, xp.astype(a, input._bk.float_dtype)))
        return _out(input, f(xp, a))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


isnan = _predicate("isnan", lambda xp, a: xp.isnan(a), """True where input is NaN.

    Example:
        >>> pn.isnan(pn.tensor([1.0, float("nan")]))        # tensor([False,  True])
    """)
isinf = _predicate("isinf", lambda xp, a: xp.isinf(a), """True where input is +-inf.

    Example:
        >>> pn.isinf(pn.tensor([1.0, -float("inf")]))       # tensor([False,  True])
    """)
isfinite = _predicate("isfinite", lambda xp, a: xp.isfinite(a), """True where input is neither
    NaN nor infinite.

    Example:
        >>> pn.isfinite(pn.tensor([1.0, float("nan")]))     # tensor([ True, False])
    """)
isposinf = _predicate("isposinf", lambda xp, a: a == float("inf"), """True where input is +inf.

    Example:
        >>> pn.isposinf(pn.tensor([float("inf"), -float("inf")]))   # tensor([ True, False])
    """)
isneginf = _predicate("isneginf", lambda xp, a: a == -float("inf"), """True where input is -inf.

    Example:
        >>> pn.isneginf(pn.tensor([float("inf"), -float("inf")]))   # tensor([False,  True])
    """)
isreal = _predicate("isreal", lambda xp, a: xp.ones(a.shape, dtype=xp.bool, device=a.device),
                    """True everywhere for real dtypes (portanet has no complex tensors).

    Example:
        >>> pn.isreal(pn.tensor([1.0]))                     # tensor([True])
    """)


def _truth(xp, a):
    return a if P.kind(a.dtype) == 0 else a != 0


def _logical(name, f, doc):
    def fn(input, other) -> Tensor:  # noqa: A002
        tensor_arg(name, input)
        tensor_arg(name, other, "other")
        a, b = operands(name, input, other)
        xp = a._bk.xp
        return _out(a, f(xp, _truth(xp, a.array), _truth(xp, b.array)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


logical_and = _logical("logical_and", lambda xp, a, b: xp.logical_and(a, b),
                       """Elementwise AND of the truth values (nonzero is True); a bool tensor.

    Example:
        >>> pn.logical_and(pn.tensor([1, 0]), pn.tensor([2, 3]))   # tensor([ True, False])
    """)
logical_or = _logical("logical_or", lambda xp, a, b: xp.logical_or(a, b),
                      """Elementwise OR of the truth values.

    Example:
        >>> pn.logical_or(pn.tensor([1, 0]), pn.tensor([0, 0]))    # tensor([ True, False])
    """)
logical_xor = _logical("logical_xor", lambda xp, a, b: xp.logical_xor(a, b),
                       """Elementwise XOR of the truth values.

    Example:
        >>> pn.logical_xor(pn.tensor([1, 0]), pn.tensor([1, 1]))   # tensor([False,  True])
    """)


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise NOT of the truth values; a bool tensor.

    Example:
        >>> pn.logical_not(pn.tensor([0.0, 2.0]))                   # tensor([ True, False])
    """
    tensor_arg("logical_not", input)
    xp = input._bk.xp
    return _out(input, xp.logical_not(_truth(xp, input.array)))


def _bitwise(name, f, doc):
    def fn(input, other) -> Tensor:  # noqa: A002
        a, b = operands(name, input, other)
        if P.kind(a.array.dtype) >= 2:
            raise NotImplementedError(f"{name}(): not implemented for '{dname(a)}' (integer and "
                                      "bool tensors only)")
        xp = a._bk.xp
        if P.kind(a.array.dtype) == 0:
            return _out(a, getattr(xp, f.replace("bitwise", "logical"))(a.array, b.array))
        return _out(a, getattr(xp, f)(a.array, b.array))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


bitwise_and = _bitwise("bitwise_and", "bitwise_and", """Bitwise AND of integer or bool tensors
    (the ``&`` operator; logical on bools).

    Example:
        >>> pn.bitwise_and(pn.tensor([12, 10]), 6)                  # tensor([4, 2])
    """)
bitwise_or = _bitwise("bitwise_or", "bitwise_or", """Bitwise OR (the ``|`` operator).

    Example:
        >>> pn.tensor([True, False]) | pn.tensor([False, False])    # tensor([ True, False])
    """)
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor", """Bitwise XOR (the ``^`` operator).

    Example:
        >>> pn.bitwise_xor(pn.tensor([12]), pn.tensor([10]))        # tensor([6])
    """)


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """Bitwise NOT of an integer tensor, logical NOT of a bool tensor (the ``~`` operator).

    Example:
        >>> ~pn.tensor([True, False])                               # tensor([False,  True])
    """
    tensor_arg("bitwise_not", input)
    xp, a = input._bk.xp, input.array
    k = P.kind(a.dtype)
    if k >= 2:
        raise NotImplementedError(f"bitwise_not(): not implemented for '{dname(input)}' (integer "
                                  "and bool tensors only)")
    return _out(input, xp.logical_not(a) if k == 0 else xp.bitwise_invert(a))


def _tolerances(who, rtol, atol):
    for name, v in (("rtol", rtol), ("atol", atol)):
        argcheck.real(who, name, v)
        if not v >= 0:
            raise RuntimeError(f"{who}(): {name} must be greater than or equal to zero, but got {v}")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:  # noqa: A002
    """``|input - other| <= atol + rtol * |other|`` elementwise (infinities close only to
    themselves; NaN close to NaN only with ``equal_nan``).

    Example:
        >>> pn.isclose(pn.tensor([1.0, 2.0]), pn.tensor([1.0 + 1e-7, 2.1]))  # [True, False]
    """
    tensor_arg("isclose", input)
    tensor_arg("isclose", other, "other")
    _tolerances("isclose", rtol, atol)
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(f"isclose(): {dname(input)} did not match {dname(other)}")
    a, b = operands("isclose", input, other)
    xp = a._bk.xp
    x, y = a.array, b.array
    if P.kind(x.dtype) < 2:
        f = a._bk.float_dtype if P.kind(x.dtype) == 0 else xp.float64
        x, y = xp.astype(x, f), xp.astype(y, f)
    exact = x == y
    fin = xp.logical_and(xp.isfinite(x), xp.isfinite(y))
    close = xp.logical_and(fin, xp.abs(x - y) <= atol + rtol * xp.abs(y))
    out = xp.logical_or(exact, close)
    if equal_nan:
        out = xp.logical_or(out, xp.logical_and(xp.isnan(x), xp.isnan(y)))
    return _out(a, out)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:  # noqa: A002
    """True if ``isclose`` holds everywhere: a Python bool, so it reads the device (a host
    synchronization, as PyTorch's).

    Example:
        >>> pn.allclose(pn.tensor([1.0]), pn.tensor([1.0 + 1e-9]))  # True
    """
    c = isclose(input, other, rtol, atol, equal_nan)
    return bool(Tensor.from_array(c._bk.xp.all(c.array), c._bk).item())


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True if both have the same shape and the same values: a Python bool (a host read).

    Example:
        >>> pn.equal(pn.tensor([1, 2]), pn.tensor([1, 2]))          # True
    """
    tensor_arg("equal", input)
    tensor_arg("equal", other, "other")
    if tuple(input.shape) != tuple(other.shape):
        return False
    a, b = operands("equal", input, other)
    return bool(Tensor.from_array(a._bk.xp.all(a.array == b.array), a._bk).item())


register_methods(isnan, isinf, isfinite, isposinf, isneginf, isreal, logical_and, logical_or,
                 logical_xor, logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not,
                 isclose, allclose, equal,
                 __and__=bitwise_and, __or__=bitwise_or, __xor__=bitwise_xor,
                 __rand__=lambda self, o: bitwise_and(o, self),
                 __ror__=lambda self, o: bitwise_or(o, self),
                 __rxor__=lambda self, o: bitwise_xor(o, self),
                 __invert__=bitwise_not)


def _bind_inplace() -> None:
    from .inplace import _inplace
    for fn in (logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or,
               bitwise_xor, bitwise_not):
        setattr(Tensor, fn.__name__ + "_", _inplace(fn, fn.__name__ + "_"))
    Tensor.__iand__ = _inplace(bitwise_and, "bitwise_and_")
    Tensor.__ior__ = _inplace(bitwise_or, "bitwise_or_")
    Tensor.__ixor__ = _inplace(bitwise_xor, "bitwise_xor_")


_bind_inplace()
