"""Argument handling shared by the mathops families (pointwise, rounding, binary, logical,
reductions): PyTorch's TypeError for a non-Tensor, its dtype names in messages, and the
promotion of two operands (Tensors or Python numbers) to PyTorch's result dtype.

Example:
    >>> a, b = operands("hypot", pn.tensor([3, 4]), 2.5)    # both float32 tensors
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend import dtype_name
from . import promote as P
from .util import Number, py_scalar

__all__ = ["floating", "dname", "tensor_arg", "operands"]


def floating(a: Tensor) -> Tensor:
    """``a`` cast to the default float dtype when it is bool or integer (PyTorch's rule for
    functions that only make sense on real numbers)."""
    if P.kind(a.array.dtype) < 2:
        return a.astype(a._bk.float_dtype)
    return a


def dname(t: Tensor) -> str:
    """``t``'s dtype as PyTorch users read it in messages: ``float32``, ``int64``."""
    return dtype_name(t.array.dtype)


def tensor_arg(who: str, a, name: str = "input") -> Tensor:
    """``a`` if it is a Tensor, else PyTorch's TypeError naming ``who`` and the argument."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(a).__name__}")
    return a


def _scalar(c, like: Tensor) -> Tensor:
    """The Python number ``c`` as a 0-d Tensor of ``like``'s dtype and device, made on the
    device (``full``), not uploaded: an upload is a synchronizing copy on CUDA."""
    bk = like._bk
    return Tensor.from_array(bk.xp.full((), c, dtype=like.array.dtype, device=bk.device), bk)


def operands(who: str, a, b, float_only: bool = False, names=("input", "other")):
    """``(a, b)`` as two Tensors of PyTorch's result dtype for a binary op named ``who``:
    a Python number takes part as PyTorch's scalars do (``int_tensor`` with ``0.5`` gives
    the default float dtype); ``float_only`` casts integer results to the default float.
    TypeError naming ``who`` when neither is a Tensor."""
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f"{who}(): argument '{names[0]}' must be Tensor, not {type(a).__name__}")
        if not isinstance(a, Number):
            raise TypeError(f"{who}(): argument '{names[0]}' must be Tensor or a number, not "
                            f"{type(a).__name__}")
        c = py_scalar(a)
        b = P.scalar(b, c)
        a = _scalar(c, b)
    elif not isinstance(b, Tensor):
        if not isinstance(b, Number):
            raise TypeError(f"{who}(): argument '{names[1]}' must be Tensor or a number, not "
                            f"{type(b).__name__}")
        c = py_scalar(b)
        a = P.scalar(a, c)
        b = _scalar(c, a)
    else:
        if not a._bk.same_place(b._bk):
            raise RuntimeError(f"{who}(): expected both tensors on the same backend and device, "
                               f"got {a._bk!r} and {b._bk!r}")
        a, b = P.pair(a, b)
    if float_only and P.kind(a.array.dtype) < 2:
        a, b = floating(a), floating(b)
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa != sb and not all(x == y or x == 1 or y == 1 for x, y in zip(sa[::-1], sb[::-1])):
        raise RuntimeError(f"{who}(): the size of tensor a {list(sa)} must match the size of "
                           f"tensor b {list(sb)} at each non-singleton dimension (broadcasting)")
    return a, b
