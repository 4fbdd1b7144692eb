"""Every backend decision: the registry of array libraries, the current backend per
thread, host<->device transfer, dtype policy, in-place helpers and fast paths.

A *backend* is an Array API namespace plus a device, and an *adapter* per library
(``numpy_adapter.py``, ``torch_adapter.py``, ``cupy_adapter.py``, ``strict_adapter.py``,
``jax_adapter.py``; ``generic.py`` for any namespace object) holds what differs between
libraries.  portanet code never imports an array library below this layer and never
compares backend names: it asks the tensor (or :func:`get_backend`) for ``xp``, calls
only functions of the Array API standard, and asks the :class:`Backend` the rest.

Example:
    >>> import portanet as pn
    >>> pn.set_backend("numpy")
    Backend('numpy')
    >>> pn.get_backend().name
    'numpy'
"""
from __future__ import annotations

# one import per library: each adapter registers itself under its name, in this order
from . import numpy_adapter, cupy_adapter, torch_adapter, strict_adapter, jax_adapter  # noqa: F401,I001
from . import devices, fast, inplace  # noqa: F401
from .core import Backend
from .dtypes import dtype_name, resolve_dtype
from .generic import ADAPTERS, Adapter, BackendError, NamespaceAdapter
from .host import device_of, format_array, host_read, is_host_array, to_numpy
from .registry import (available_backends, get_backend, library_version, reference_backend,
                       resolve_backend, set_backend, use_backend)

KNOWN_BACKENDS = tuple(ADAPTERS)

__all__ = [
    "Backend", "BackendError", "Adapter", "NamespaceAdapter", "available_backends",
    "get_backend", "set_backend", "use_backend", "resolve_backend", "reference_backend",
    "library_version", "to_numpy", "host_read", "format_array", "is_host_array", "device_of",
    "resolve_dtype", "dtype_name", "KNOWN_BACKENDS", "fast", "inplace",
]
