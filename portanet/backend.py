"""Registry of array backends, the current backend, host<->device transfer, dtype policy.

A *backend* is an Array API namespace plus a device.  portanet code never imports an
array library below this layer: it asks the tensor (or :func:`get_backend`) for ``xp``
and calls only functions of the Array API standard.

Example:
    >>> import portanet as pn
    >>> pn.set_backend("numpy")
    >>> pn.get_backend().name
    'numpy'
"""
from __future__ import annotations

import contextlib
import os
import threading
from types import ModuleType
from typing import Any, Iterator

import array_api_compat

__all__ = [
    "Backend", "BackendError", "available_backends", "get_backend", "set_backend",
    "use_backend", "to_numpy", "resolve_dtype", "KNOWN_BACKENDS",
]

KNOWN_BACKENDS = ("numpy", "cupy", "torch", "array_api_strict")


class BackendError(RuntimeError):
    """Raised when a backend cannot be loaded or two backends/devices are mixed."""


def _load_numpy() -> ModuleType:
    # NumPy >= 2 implements the standard in its main namespace; using it directly
    # (rather than the compat wrapper) keeps the per-op overhead at NumPy's own.
    import numpy
    return numpy


def _load_torch() -> ModuleType:
    try:
        import array_api_compat.torch as xp
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise BackendError(
            "backend 'torch' needs PyTorch: pip install 'portanet[torch]'") from e
    return xp


def _load_cupy() -> ModuleType:
    try:
        import cupy
    except ImportError as e:
        raise BackendError(
            "backend 'cupy' needs CuPy and a CUDA GPU: pip install 'portanet[cuda12]' "
            "(or 'portanet[cuda13]' for CUDA 13)") from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken
        raise BackendError(f"backend 'cupy' is installed but no CUDA GPU answers: {e}") from e
    if count < 1:
        raise BackendError("backend 'cupy' is installed but no CUDA GPU is visible")
    # CuPy arrays have no __array_namespace__: go through the compat wrapper.
    import array_api_compat.cupy as xp
    return xp


def _load_strict() -> ModuleType:
    try:
        import array_api_strict
    except ImportError as e:
        raise BackendError(
            "backend 'array_api_strict' needs array-api-strict: pip install 'portanet[test]'") from e
    return array_api_strict


_LOADERS = {"numpy": _load_numpy, "torch": _load_torch, "cupy": _load_cupy,
            "array_api_strict": _load_strict}


class Backend:
    """An Array API namespace bound to one device.

    Attributes:
        name: ``"numpy"``, ``"torch"``, ``"cupy"``, ``"array_api_strict"`` or the
            namespace's module name for a user-supplied namespace.
        xp: the Array API namespace.
        device: the device arrays are created on (``None`` means the library default).

    Example:
        >>> bk = pn.get_backend()
        >>> x = bk.asarray([1.0, 2.0])
    """

    __slots__ = ("name", "xp", "device", "float_dtype", "_fast", "__weakref__")

    def __init__(self, name: str, xp: ModuleType, device: Any = None):
        self.name = name
        self.xp = xp
        self.device = device
        self.float_dtype = getattr(xp, _DEFAULT_FLOAT[0])
        self._fast: dict[str, Any] = {}

    def __repr__(self) -> str:
        dev = "" if self.device is None else f", device={self.device!r}"
        return f"Backend({self.name!r}{dev})"

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """Convert ``data`` (nested lists, NumPy arrays, scalars, arrays of this backend)."""
        xp = self.xp
        if dtype is not None:
            dtype = resolve_dtype(dtype, xp)
        if self.name == "torch" or self.name == "cupy" or self.name == "array_api_strict":
            data = _from_foreign(data, self)
        return xp.asarray(data, dtype=dtype, device=self.device)

    def fast(self, op: str):
        """The registered backend-specific fast path for ``op``, or ``None``."""
        return self._fast.get(op)

    def same_place(self, other: "Backend") -> bool:
        return self is other or (self.xp is other.xp and self.device == other.device)


def _from_foreign(data: Any, bk: Backend) -> Any:
    """Host NumPy arrays given to a non-NumPy backend travel by copy, not by dlpack."""
    mod = type(data).__module__
    if mod == "numpy" and bk.name == "array_api_strict":
        import numpy
        return numpy.asarray(data)
    return data


_DEFAULT_FLOAT = ["float32"]  # pn.set_default_dtype changes it


def set_default_float(name: str) -> None:
    """Make ``name`` ("float32"/"float64") every backend's floating dtype for new tensors."""
    _DEFAULT_FLOAT[0] = name
    for bk in list(_cache.values()):
        bk.float_dtype = getattr(bk.xp, name)


_lock = threading.Lock()
_cache: dict[tuple, Backend] = {}
_current: list[Backend] = []


def _make(name_or_ns: Any, device: Any = None) -> Backend:
    if isinstance(name_or_ns, Backend):
        if device is None or device == name_or_ns.device:
            return name_or_ns
        name_or_ns = name_or_ns.xp if name_or_ns.name not in _LOADERS else name_or_ns.name
    if isinstance(name_or_ns, str):
        name = name_or_ns.strip().lower().replace("-", "_")
        if name not in _LOADERS:
            raise BackendError(
                f"unknown backend {name_or_ns!r}; valid names are "
                f"{', '.join(KNOWN_BACKENDS)}, or pass an Array API namespace object")
        key = (name, _device_key(device))
        with _lock:
            if key not in _cache:
                xp = _LOADERS[name]()
                dev = _parse_device(name, xp, device)
                bk = Backend(name, xp, dev)
                _register_fast_paths(bk)
                _cache[key] = bk
            return _cache[key]
    ns = name_or_ns
    if not hasattr(ns, "asarray") or not hasattr(ns, "matmul"):
        raise BackendError(f"{ns!r} is not an Array API namespace (it has no asarray/matmul)")
    name = getattr(ns, "__name__", type(ns).__name__)
    # the libraries we know (or their compat wrappers) get their named backend, with its
    # Array API wrapper and fast paths: the bare `torch` module is not a standard namespace
    known = name.replace("array_api_compat.", "")
    if known in _LOADERS:
        return _make(known, device)
    key = (id(ns), _device_key(device))
    with _lock:
        if key not in _cache:
            _cache[key] = Backend(name, ns, device)
        return _cache[key]


def _device_key(device: Any) -> Any:
    return None if device is None else str(device)


def _parse_device(name: str, xp: ModuleType, device: Any) -> Any:
    if device is None:
        return None
    if name == "array_api_strict" and isinstance(device, str):
        return xp.Device(device)
    if name == "torch" and isinstance(device, str):
        import torch
        return torch.device(device)
    if name == "cupy" and isinstance(device, (str, int)):
        import cupy
        return cupy.cuda.Device(int(str(device).split(":")[-1]))
    return device


def _register_fast_paths(bk: Backend) -> None:
    """Attach optional backend-specific fast paths (see ``portanet.fast``)."""
    try:
        from . import fast
    except ImportError:  # pragma: no cover
        return
    fast.register(bk)


def get_backend() -> Backend:
    """The current backend (from :func:`set_backend`, else ``PORTANET_BACKEND``, else numpy).

    Example:
        >>> pn.get_backend().name
        'numpy'
    """
    if not _current:
        _current.append(_make(os.environ.get("PORTANET_BACKEND", "numpy") or "numpy",
                              os.environ.get("PORTANET_DEVICE") or None))
    return _current[-1]


def set_backend(name: Any, device: Any = None) -> Backend:
    """Make ``name`` (a backend name or an Array API namespace) the current backend.

    Args:
        name: ``"numpy"``, ``"torch"``, ``"cupy"``, ``"array_api_strict"`` or a namespace.
        device: optional device (``"cuda:0"``, ``"cpu"``, ``"device1"`` for array_api_strict).

    Example:
        >>> pn.set_backend("numpy")
        Backend('numpy')
    """
    bk = _make(name, device)
    if _current:
        _current[-1] = bk
    else:
        _current.append(bk)
    return bk


@contextlib.contextmanager
def use_backend(name: Any, device: Any = None) -> Iterator[Backend]:
    """Context manager: use another backend inside the ``with`` block.

    Example:
        >>> with pn.use_backend("array_api_strict"):
        ...     t = pn.tensor([1.0])
    """
    get_backend()
    _current.append(_make(name, device))
    try:
        yield _current[-1]
    finally:
        _current.pop()


def available_backends() -> list[str]:
    """Names of the backends usable on this machine (cupy only where a GPU answers).

    Example:
        >>> "numpy" in pn.available_backends()
        True
    """
    names = []
    for name in KNOWN_BACKENDS:
        try:
            _make(name)
        except (BackendError, ImportError, Exception):
            continue
        names.append(name)
    return names


_DTYPE_NAMES = ("float32", "float64", "float16", "int8", "int16", "int32", "int64",
                "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128")


def resolve_dtype(dtype: Any, xp: ModuleType) -> Any:
    """Map a dtype name (``"float32"``), or a dtype of any library, to ``xp``'s dtype object."""
    if getattr(dtype, "__portanet_dtype__", False):   # pn.float32 and its kin
        dtype = dtype.name
    if not isinstance(dtype, str):
        for n in _DTYPE_NAMES:  # already one of xp's own dtypes
            d = getattr(xp, n, None)
            if d is not None and d == dtype:
                return d
        dtype = dtype_name(dtype)
    name = {"float": "float32", "double": "float64", "long": "int64", "int": "int32",
            "half": "float16"}.get(dtype, dtype)
    if name not in _DTYPE_NAMES:
        raise TypeError(f"unknown dtype {dtype!r}; use one of {', '.join(_DTYPE_NAMES)}")
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


def set_at(xp, a, index, value) -> Any:
    """``a[index] = value``, in place where ``a`` is writeable (array-api-extra's ``at()``,
    a functional update on immutable arrays such as JAX's); returns the updated array."""
    import array_api_extra as xpx
    return xpx.at(a)[index].set(value, xp=xp)


def format_array(data: Any, prefix: str = "") -> str:
    """NumPy's text form of any backend's array (used by ``Tensor.__repr__``).

    Example:
        >>> format_array(pn.tensor([1.0, 2.0]).array)
        '[1., 2.]'
    """
    import numpy as np
    return np.array2string(to_numpy(data), separator=", ", prefix=prefix)


def to_numpy(x: Any):
    """Return a host NumPy array for a Tensor or any backend's array.

    Example:
        >>> pn.to_numpy(pn.tensor([1.0, 2.0]))
        array([1., 2.], dtype=float32)
    """
    import numpy as np
    # a portanet Tensor (duck-typed: this layer sits below autograd) gives its array
    data = x.array if hasattr(x, "_bk") and hasattr(x, "array") else x
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    if array_api_compat.is_torch_array(data):
        return data.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(data):
        return data.get()
    if isinstance(data, (int, float, bool, list, tuple)):
        return np.asarray(data)
    try:
        return np.from_dlpack(data)
    except Exception:
        # array_api_strict arrays on its simulated devices refuse dlpack export.
        inner = getattr(data, "_array", None)
        if inner is not None:
            return np.asarray(inner).copy()
        return np.asarray(data)
