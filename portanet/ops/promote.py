"""PyTorch's type promotion at the entry of the arithmetic ops, the same on every backend.

NumPy would compute ``float32 ** int64`` in float64 and ``int64 + 0.5`` in float64, and
array_api_strict refuses both; PyTorch keeps float32 and gives the default float dtype.
The binary ops call :func:`scalar` (a Tensor and a Python number) or :func:`pair` (two
Tensors) first, which cast the operands to :func:`portanet.result_type` when it differs;
the common case (same dtypes, a float tensor and a float) costs one identity test.

Example:
    >>> (pn.tensor([1, 2]) + 0.5).dtype
    portanet.float32
"""
from __future__ import annotations

from ..dtypes import as_dtype, promote_types, result_type

__all__ = ["scalar", "pair", "common", "kind", "BOOL_IDS", "bool_op"]

_BY_ID: dict = {}
BOOL_IDS: set = set()   # ids of the bool dtype objects seen: ``id(dt) in BOOL_IDS`` is cheap


def kind(dt) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex, for a backend dtype object (memoized by
    identity: dtype objects are long-lived, and this is on the hot path)."""
    e = _BY_ID.get(id(dt))
    if e is not None and e[0] is dt:
        return e[1]
    k = as_dtype(dt)._cat
    _BY_ID[id(dt)] = (dt, k)
    if k == 0:
        BOOL_IDS.add(id(dt))
    return k


def _cast(t, bk, name):
    from ..backend import resolve_dtype
    return t.astype(resolve_dtype(name, bk.xp))


def scalar(t, c, true_div: bool = False):
    """``t``, cast where PyTorch's result of ``t`` with the Python number ``c`` has another
    dtype: an integer/bool tensor with a float (or a true division) -> the default float
    dtype; a bool tensor with an int -> int64."""
    k = kind(t.array.dtype)
    if k >= 2:
        return t
    tc = type(c)
    if tc is float or true_div:
        return _cast(t, t._bk, as_dtype(t._bk.float_dtype).name)
    if k == 0 and tc is int:
        return _cast(t, t._bk, "int64")
    return t


def pair(a, b, true_div: bool = False):
    """``(a, b)`` cast to their PyTorch result dtype when they differ (and to the default
    float dtype for a true division of integers)."""
    da, db = a.array.dtype, b.array.dtype
    if da is db or (type(da) is type(db) and da == db):
        if true_div and kind(da) < 2:
            name = as_dtype(a._bk.float_dtype).name
            return _cast(a, a._bk, name), _cast(b, b._bk, name)
        return a, b
    name = result_type(a, b).name
    if true_div and as_dtype(name)._cat < 2:
        name = as_dtype(a._bk.float_dtype).name
    if as_dtype(da).name != name:
        a = _cast(a, a._bk, name)
    if as_dtype(db).name != name:
        b = _cast(b, b._bk, name)
    return a, b


def common(tensors: list) -> list:
    """``tensors`` cast to their common PyTorch dtype when they differ, as ``torch.cat``
    and ``torch.stack`` do (``cat([int64, float32])`` is float32, where NumPy gives
    float64 and array_api_strict refuses)."""
    first = tensors[0].array.dtype
    if all(t.array.dtype == first for t in tensors):
        return tensors
    to = as_dtype(first)
    for t in tensors[1:]:
        to = promote_types(to, as_dtype(t.array.dtype))
    return [t if as_dtype(t.array.dtype).name == to.name else _cast(t, t._bk, to.name)
            for t in tensors]


def bool_op(a, b, op: str):
    """``a + b`` (logical or) and ``a * b`` (logical and) of bool tensors, which PyTorch
    keeps bool and the standard refuses; ``b`` may be a Python bool."""
    from ..autograd.tensor import Tensor
    bk = a._bk
    xp = bk.xp
    if a.array.dtype is not None and kind(a.array.dtype) != 0:
        return None
    if isinstance(b, Tensor):
        if kind(b.array.dtype) != 0:
            return None
        barr = b.array
    else:
        barr = xp.asarray(b, dtype=xp.bool, device=bk.device)
    f = xp.logical_or if op == "+" else xp.logical_and
    return Tensor.from_array(f(a.array, barr), bk)
