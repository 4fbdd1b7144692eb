"""Dtype names and objects across libraries: ``"float32"`` <-> each namespace's float32.

Example:
    >>> resolve_dtype("float64", numpy)
    <class 'numpy.float64'>
    >>> dtype_name(torch.float32)
    'float32'
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["resolve_dtype", "dtype_name", "DTYPE_NAMES", "DEFAULT_FLOAT"]

# the floating dtype of new tensors on every backend (pn.set_default_dtype changes it)
DEFAULT_FLOAT = ["float32"]

DTYPE_NAMES = ("float32", "float64", "float16", "int8", "int16", "int32", "int64",
               "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128")
_ALIASES = {"float": "float32", "double": "float64", "long": "int64", "int": "int32",
            "half": "float16"}


def resolve_dtype(dtype: Any, xp: ModuleType) -> Any:
    """Map a dtype name (``"float32"``), or a dtype of any library, to ``xp``'s dtype object."""
    if getattr(dtype, "__portanet_dtype__", False):   # pn.float32 and its kin
        dtype = dtype.name
    if not isinstance(dtype, str):
        for n in DTYPE_NAMES:  # already one of xp's own dtypes
            d = getattr(xp, n, None)
            if d is not None and d == dtype:
                return d
        dtype = dtype_name(dtype)
    name = _ALIASES.get(dtype, dtype)
    if name not in DTYPE_NAMES:
        raise TypeError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPE_NAMES)}")
    try:
        return getattr(xp, name)
    except AttributeError:
        raise TypeError(f"dtype {name} is not available on the backend "
                        f"{getattr(xp, '__name__', xp)!r}") from None


def dtype_name(dtype: Any) -> str:
    """``"float32"`` for any library's float32 dtype object."""
    # memoized: losses and layers ask at every call, and NumPy's dtype.name is slow.  The
    # key holds the type, so dtypes of two libraries never meet in one comparison
    key = (type(dtype), dtype)
    try:
        return _NAME_OF[key]
    except (KeyError, TypeError):
        pass
    if isinstance(dtype, type):
        s = dtype.__name__
    else:
        s = getattr(dtype, "name", None)
        if not isinstance(s, str):
            s = str(dtype)
        s = s.replace("torch.", "").replace("array_api_strict.", "")
    try:
        _NAME_OF[key] = s
    except TypeError:  # an unhashable dtype object: named afresh each time
        pass
    return s


_NAME_OF: dict = {}
