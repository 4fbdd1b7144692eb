"""Choosing a backend: names and namespace objects to :class:`Backend`, and the current
backend of each thread.

The current backend is per thread, as PyTorch's per-thread state: ``use_backend`` in
one thread never changes another's.  ``set_backend`` sets the process default (and the
calling thread's current backend); a thread that has not entered ``use_backend`` (a
new thread, say) uses the process default, which starts from ``PORTANET_BACKEND`` /
``PORTANET_DEVICE`` or NumPy.

Example:
    >>> pn.set_backend("numpy")
    Backend('numpy')
    >>> with pn.use_backend("array_api_strict") as bk:
    ...     t = pn.tensor([1.0])          # on bk, in this thread only
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Iterator

from . import fast
from .core import Backend
from .generic import ADAPTERS, BackendError, NamespaceAdapter

__all__ = ["resolve_backend", "get_backend", "set_backend", "use_backend",
           "available_backends", "reference_backend", "library_version"]

_lock = threading.Lock()
_cache: dict[tuple, Backend] = {}


def resolve_backend(name_or_ns: Any, device: Any = None) -> Backend:
    """The :class:`Backend` for a name, an Array API namespace or a Backend, on ``device``.

    The same name and device always give the same Backend object.

    Example:
        >>> resolve_backend("numpy") is resolve_backend(numpy)
        True
    """
    if isinstance(name_or_ns, Backend):
        if device is None or device == name_or_ns.device:
            return name_or_ns
        ad = name_or_ns.adapter
        name_or_ns = name_or_ns.xp if isinstance(ad, NamespaceAdapter) else name_or_ns.name
    if isinstance(name_or_ns, str):
        name = name_or_ns.strip().lower().replace("-", "_")
        adapter = ADAPTERS.get(name)
        if adapter is None:
            raise BackendError(
                f"unknown backend {name_or_ns!r}; valid names are "
                f"{', '.join(ADAPTERS)}, or pass an Array API namespace object")
        key = (name, None if device is None else str(device))
        with _lock:
            bk = _cache.get(key)
            if bk is None:
                xp = adapter.load()
                bk = Backend(name, xp, adapter.parse_device(xp, device), adapter)
                fast.register(xp, adapter.fast_paths(xp))
                _cache[key] = bk
            return bk
    ns = name_or_ns
    if not hasattr(ns, "asarray") or not hasattr(ns, "matmul"):
        raise BackendError(f"{ns!r} is not an Array API namespace (it has no asarray/matmul)")
    module = getattr(ns, "__name__", type(ns).__name__)
    # the libraries we know (or their compat wrappers) get their named backend, with its
    # Array API wrapper and fast paths: the bare `torch` module is not a standard namespace
    for adapter in ADAPTERS.values():
        if module in adapter.namespaces:
            return resolve_backend(adapter.name, device)
    key = (id(ns), None if device is None else str(device))
    with _lock:
        if key not in _cache:
            _cache[key] = Backend(module, ns, device, NamespaceAdapter(ns))
        return _cache[key]


class _ThreadState(threading.local):
    """This thread's stack of ``use_backend`` blocks (empty: the process default)."""

    def __init__(self) -> None:
        self.stack: list[Backend] = []


_THREAD = _ThreadState()
_DEFAULT: list[Backend] = []  # the process default, made on first use


def _process_default() -> Backend:
    if not _DEFAULT:
        bk = resolve_backend(os.environ.get("PORTANET_BACKEND", "numpy") or "numpy",
                             os.environ.get("PORTANET_DEVICE") or None)
        with _lock:
            if not _DEFAULT:
                _DEFAULT.append(bk)
    return _DEFAULT[0]


def get_backend() -> Backend:
    """This thread's current backend (its innermost ``use_backend``, else the process
    default: :func:`set_backend`, else ``PORTANET_BACKEND``, else numpy).

    Example:
        >>> pn.get_backend().name
        'numpy'
    """
    stack = _THREAD.stack
    return stack[-1] if stack else (_DEFAULT[0] if _DEFAULT else _process_default())


def set_backend(name: Any, device: Any = None) -> Backend:
    """Make ``name`` (a backend name or an Array API namespace) the process default, and
    this thread's current backend.

    Args:
        name: ``"numpy"``, ``"torch"``, ``"cupy"``, ``"array_api_strict"``, ``"jax"`` or a
            namespace.
        device: optional device (``"cuda:0"``, ``"cpu"``, ``"device1"`` for array_api_strict).

    Example:
        >>> pn.set_backend("numpy")
        Backend('numpy')
    """
    bk = resolve_backend(name, device)
    with _lock:
        _DEFAULT[:] = [bk]
    stack = _THREAD.stack
    if stack:  # inside use_backend: the change shows at once, as it always did
        stack[-1] = bk
    return bk


@contextlib.contextmanager
def use_backend(name: Any, device: Any = None) -> Iterator[Backend]:
    """Context manager: use another backend inside the ``with`` block, in this thread.

    Example:
        >>> with pn.use_backend("array_api_strict"):
        ...     t = pn.tensor([1.0])
    """
    bk = resolve_backend(name, device)
    stack = _THREAD.stack
    stack.append(bk)
    try:
        yield bk
    finally:
        stack.pop()


def available_backends() -> list[str]:
    """Names of the backends usable on this machine (cupy only where a GPU answers).

    Example:
        >>> "numpy" in pn.available_backends()
        True
    """
    names = []
    for name in ADAPTERS:
        try:
            resolve_backend(name)
        except Exception:  # not installed, no GPU, a broken install: not available
            continue
        names.append(name)
    return names


def reference_backend() -> str:
    """The backend others are compared with (``doctor``, ``compare_backends``): numpy."""
    return next(name for name, ad in ADAPTERS.items() if ad.reference)


def library_version(name: str) -> str:
    """The installed version of backend ``name``'s library, or ``"not installed"``."""
    return ADAPTERS[name].version()


def set_default_float(name: str) -> None:
    """Make ``name`` ("float32"/"float64") every backend's floating dtype for new tensors
    (``pn.set_default_dtype``)."""
    from .dtypes import DEFAULT_FLOAT
    DEFAULT_FLOAT[0] = name
    with _lock:
        for bk in list(_cache.values()):
            bk.float_dtype = getattr(bk.xp, name)
