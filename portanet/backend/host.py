"""Host <-> device: ``to_numpy`` for any backend's array, and the text form of arrays.

Example:
    >>> pn.to_numpy(pn.tensor([1.0, 2.0]))
    array([1., 2.], dtype=float32)
"""
from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from .generic import ADAPTERS

__all__ = ["to_numpy", "format_array", "is_host_array", "device_of"]


def is_host_array(x: Any) -> bool:
    """Whether ``x`` is host NumPy data (an ``ndarray`` or a NumPy scalar)."""
    return isinstance(x, (np.ndarray, np.generic))


def device_of(array: Any) -> Any:
    """The device ``array`` lives on (the Array API's ``device(x)``, for every library)."""
    return array_api_compat.device(array)


def to_numpy(x: Any) -> np.ndarray:
    """Return a host NumPy array for a Tensor or any backend's array.

    Example:
        >>> pn.to_numpy(pn.tensor([1.0, 2.0]))
        array([1., 2.], dtype=float32)
    """
    # a portanet Tensor (duck-typed: this layer sits below autograd) gives its array
    data = x.array if hasattr(x, "_bk") and hasattr(x, "array") else x
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    if isinstance(data, (int, float, bool, list, tuple)):
        return np.asarray(data)
    bk = getattr(x, "_bk", None)
    if bk is not None:
        return bk.to_numpy(data)
    for adapter in ADAPTERS.values():  # only libraries already imported can own it
        if adapter.loaded() and adapter.is_array(data):
            return adapter.to_numpy(data)
    try:
        return np.from_dlpack(data)
    except Exception:
        return np.asarray(data)


def format_array(data: Any, prefix: str = "") -> str:
    """NumPy's text form of any backend's array (used by ``Tensor.__repr__``).

    Example:
        >>> format_array(pn.tensor([1.0, 2.0]).array)
        '[1., 2.]'
    """
    return np.array2string(to_numpy(data), separator=", ", prefix=prefix)
