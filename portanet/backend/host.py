"""Host <-> device: ``to_numpy`` for any backend's array, and the text form of arrays.

Example:
    >>> pn.to_numpy(pn.tensor([1.0, 2.0]))
    array([1., 2.], dtype=float32)
"""
from __future__ import annotations

import threading
from typing import Any

import array_api_compat
import numpy as np

from .generic import ADAPTERS

__all__ = ["to_numpy", "format_array", "is_host_array", "device_of", "host_read"]


# Every device-to-host read portanet makes goes through host_read(), so that
# pn.testing.count_host_syncs() sees it once (the library-level reads it triggers inside,
# e.g. torch's .cpu() then .numpy(), are not counted again).  Observers are registered
# only while a count runs: otherwise host_read() is one list test.

class _Reads(threading.local):
    depth = 0


_reads = _Reads()
_read_observers: list = []      # callables(kind) of pn.testing.count_host_syncs
_read_context = None            # a context manager factory wrapped around counted reads
_checks_pending = False         # set by portanet.checks once a check was deferred (any thread)


def host_read(kind: str, fn, *args):
    """Call ``fn(*args)``, a read of device values back to the host, counted once as ``kind``."""
    if not _read_observers:
        return fn(*args)
    if _reads.depth == 0:
        for observe in list(_read_observers):
            observe(kind)
    _reads.depth += 1
    try:
        if _read_context is not None:  # e.g. CuPy's allow_synchronize(True) while counting
            with _read_context():
                return fn(*args)
        return fn(*args)
    finally:
        _reads.depth -= 1


def flush_checks() -> None:
    """Raise a failed deferred value check (:mod:`portanet.checks`): every natural
    synchronization calls this first."""
    if _checks_pending:
        from ..checks import flush
        flush()


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
    if _checks_pending:  # a natural synchronization: deferred value checks raise here
        flush_checks()
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    if isinstance(data, (int, float, bool, list, tuple)):
        return np.asarray(data)
    bk = getattr(x, "_bk", None)
    if bk is not None:
        return bk.to_numpy(data)
    return host_read("to_numpy", _any_to_numpy, data)


def _any_to_numpy(data: Any) -> np.ndarray:
    for adapter in ADAPTERS.values():  # only libraries already imported can own it
        if adapter.loaded() and adapter.is_array(data):
            return adapter.to_numpy(data)
    try:
        return np.from_dlpack(data)
    except Exception:
        return np.asarray(data)


# keyword arguments of np.array2string set by pn.set_printoptions (portanet/printing.py)
PRINT_OPTIONS: dict = {}


def format_array(data: Any, prefix: str = "") -> str:
    """NumPy's text form of any backend's array (used by ``Tensor.__repr__``), with the
    options of ``pn.set_printoptions``.

    Example:
        >>> format_array(pn.tensor([1.0, 2.0]).array)
        '[1., 2.]'
    """
    return np.array2string(to_numpy(data), separator=", ", prefix=prefix, **PRINT_OPTIONS)
