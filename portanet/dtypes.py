"""dtype objects as PyTorch spells them (``pn.float32``, ``pn.long`` ...) and PyTorch's
type promotion, the same on every backend.

A :class:`dtype` names a data type independently of the array library: it compares equal
to its name (``"float32"``), to any library's dtype object of that type, and to itself,
and it is accepted wherever portanet takes a dtype.  ``Tensor.dtype`` returns one.

Promotion (:func:`result_type`) follows PyTorch, not NumPy: categories bool < integer <
floating; a tensor with dimensions outranks a 0-d tensor of the same category, which
outranks a Python number; a Python float (or a 0-d float tensor) meeting integer tensors
gives the default float dtype (float32), not float64.  So ``float32 ** int64`` stays
float32 and ``int64 + 0.5`` is float32 on NumPy, torch, array_api_strict and JAX alike.

Example:
    >>> pn.tensor([1, 2]).dtype == pn.long
    True
    >>> pn.tensor([1, 2]).float().dtype
    portanet.float32
    >>> pn.result_type(pn.tensor([1, 2]), 0.5)
    portanet.float32
"""
from __future__ import annotations

from typing import Any

from .backend import dtype_name

__all__ = ["dtype", "float32", "float64", "float16", "half", "float", "double", "int64",
           "long", "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64",
           "complex128", "get_default_dtype", "set_default_dtype", "result_type",
           "promote_types", "is_floating_point", "as_dtype"]

_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
            "int": "int32", "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
# category rank: bool < integer < floating < complex
_CAT = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


class dtype:
    """A data type (``pn.float32``); equal to its name and to every library's same type.

    Attributes:
        name: ``"float32"``, ``"int64"``, ``"bool"`` ...
        is_floating_point, is_complex, is_signed: as in PyTorch.
        itemsize: bytes per element.
    """

    __slots__ = ("name", "is_floating_point", "is_complex", "is_signed", "itemsize", "_cat")
    __portanet_dtype__ = True    # how the backend layer recognizes one without importing this

    def __init__(self, name: str, itemsize: int):
        self.name = name
        kind = "b" if name == "bool" else name[0]
        self._cat = _CAT[kind]
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind in "ifc"
        self.itemsize = itemsize

    def __repr__(self) -> str:
        return f"portanet.{self.name}"

    __str__ = __repr__

    def __eq__(self, other: Any) -> bool:
        if other is self:
            return True
        if isinstance(other, dtype):
            return other.name == self.name
        if isinstance(other, str):
            return _ALIASES.get(other, other) == self.name
        try:
            return _BY_NAME.get(dtype_name(other)) is self
        except Exception:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return (as_dtype, (self.name,))


float32 = dtype("float32", 4)
float64 = dtype("float64", 8)
float16 = dtype("float16", 2)
int64 = dtype("int64", 8)
int32 = dtype("int32", 4)
int16 = dtype("int16", 2)
int8 = dtype("int8", 1)
uint8 = dtype("uint8", 1)
bool = dtype("bool", 1)  # noqa: A001 - PyTorch's name
complex64 = dtype("complex64", 8)
complex128 = dtype("complex128", 16)
float, double, half = float32, float64, float16  # noqa: A001
long, int, short = int64, int32, int16  # noqa: A001

_BY_NAME = {d.name: d for d in (float32, float64, float16, int64, int32, int16, int8, uint8,
                                bool, complex64, complex128)}
_BY_NAME.update({"uint16": dtype("uint16", 2), "uint32": dtype("uint32", 4),
                 "uint64": dtype("uint64", 8)})
_OF_ARRAY_DTYPE: dict = {}


def as_dtype(d: Any) -> dtype:
    """The :class:`dtype` for a name, a :class:`dtype`, or any library's dtype object.

    Example:
        >>> pn.dtypes.as_dtype(numpy.float64)
        portanet.float64
    """
    if isinstance(d, dtype):
        return d
    # the hot path: Tensor.dtype of a backend dtype.  The key holds the type, so dtypes
    # of two libraries never meet in one comparison
    key = (type(d), d)
    try:
        return _OF_ARRAY_DTYPE[key]
    except (KeyError, TypeError):
        pass
    name = d if isinstance(d, str) else dtype_name(d)
    out = _BY_NAME.get(_ALIASES.get(name, name))
    if out is None:
        raise TypeError(f"unknown dtype {d!r}; use one of {', '.join(_BY_NAME)}")
    if not isinstance(d, str):
        try:
            _OF_ARRAY_DTYPE[key] = out
        except TypeError:  # unhashable dtype objects are looked up afresh
            pass
    return out


# ------------------------------------------------------------------ default dtype
_DEFAULT = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype of new tensors made from Python floats (float32 unless set).

    Example:
        >>> pn.get_default_dtype()
        portanet.float32
    """
    return _DEFAULT[0]


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (float32 or float64) the dtype of new floating tensors, on every backend.

    Example:
        >>> pn.set_default_dtype(pn.float64)
    """
    d = as_dtype(d)
    if not d.is_floating_point or d.name == "float16":
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported as the "
                        f"default floating point dtype, got {d}")
    from .backend.registry import set_default_float
    _DEFAULT[0] = d
    set_default_float(d.name)


def is_floating_point(t) -> "bool":
    """True for a tensor of a floating dtype (``torch.is_floating_point``)."""
    return as_dtype(t.array.dtype).is_floating_point


# ------------------------------------------------------------------ promotion
def promote_types(a: Any, b: Any) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``).

    Example:
        >>> pn.promote_types(pn.uint8, pn.int8)
        portanet.int16
    """
    a, b = as_dtype(a), as_dtype(b)
    if a is b:
        return a
    if a._cat != b._cat:
        hi, lo = (a, b) if a._cat > b._cat else (b, a)
        if hi.is_complex and lo.name == "float64":
            return complex128
        return hi
    if a._cat == 1 and a.is_signed != b.is_signed:   # uint8 with a signed int
        u, s = (a, b) if not a.is_signed else (b, a)
        return s if s.itemsize > u.itemsize else _BY_NAME[f"int{min(2 * u.itemsize, 8) * 8}"]
    return a if a.itemsize >= b.itemsize else b


def result_type(*operands: Any) -> dtype:
    """PyTorch's result dtype for tensors and Python numbers (``torch.result_type``).

    Tensors with dimensions decide first, then 0-d tensors, then Python numbers; a lower
    group changes the result only when its category (bool < int < float) is higher, and
    then a Python float (or int meeting bool) gives the default dtype of that category.

    Example:
        >>> pn.result_type(pn.tensor([1.0]), pn.tensor([2], dtype=pn.long))
        portanet.float32
    """
    groups: list = [None, None, None]   # dimensioned tensors, 0-d tensors, Python numbers
    for x in operands:
        if hasattr(x, "array"):
            d, g = as_dtype(x.array.dtype), 0 if x.array.ndim else 1
        elif isinstance(x, (dtype, str)):
            d, g = as_dtype(x), 0
        else:
            d, g = _scalar_dtype(x), 2
        groups[g] = d if groups[g] is None else promote_types(groups[g], d)
    out = None
    for g, d in enumerate(groups):
        if d is None:
            continue
        if out is None:
            out = d
        elif d._cat > out._cat:
            # a 0-d tensor keeps its own dtype; a Python number the default of its kind
            out = d if g == 1 else _default_of(d._cat)
    return out


def _scalar_dtype(x: Any) -> dtype:
    t = type(x)
    if t is type(True):
        return bool
    if t is type(1):
        return int64
    if t is type(1.0):
        return _DEFAULT[0]
    if t is type(1j):
        return complex64
    if hasattr(x, "dtype"):        # a NumPy scalar: its kind, the default size
        return _default_of(as_dtype(x.dtype)._cat)
    raise TypeError(f"cannot take the dtype of {type(x).__name__} {x!r}")


def _default_of(cat: "int") -> dtype:
    return (bool, int64, _DEFAULT[0], complex64)[cat]
