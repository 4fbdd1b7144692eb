"""``Adapter``: how portanet talks to one array library; the generic one serves any namespace.

An adapter holds every decision that depends on the library: how to load it (and what
to install when that fails), how to read a device name, how host data gets onto the
device and back, which arrays belong to it, and its optional fast paths.  The rest of
portanet asks the :class:`~portanet.backend.Backend` (which holds its adapter) and never
compares backend names.

Adding a library is one subclass in one file (see ``jax_adapter.py``): set ``name`` and
override what differs from the generic behaviour below.

Example:
    >>> class MyAdapter(Adapter):
    ...     name = "mylib"
    ...     namespaces = ("mylib",)
    ...     def load(self):
    ...         import mylib
    ...         return mylib
"""
from __future__ import annotations

import importlib
import importlib.metadata
import sys
from types import ModuleType
from typing import Any, Callable

import array_api_compat
import numpy as np

__all__ = ["Adapter", "NamespaceAdapter", "BackendError", "ADAPTERS"]

ADAPTERS: dict[str, "Adapter"] = {}  # name -> adapter, in the order the adapter files load


class BackendError(RuntimeError):
    """Raised when a backend cannot be loaded or two backends/devices are mixed."""


class Adapter:
    """The generic behaviour of an Array API library; subclasses override what differs.

    Class attributes:
        name: the backend name passed to ``pn.set_backend`` (``""`` for a namespace object).
        namespaces: module names (``ns.__name__``) that mean this library when a user passes
            a namespace object instead of a name (the bare module and its compat wrapper).
        modules: top-level modules whose presence in ``sys.modules`` means arrays of this
            library may exist (so :func:`to_numpy` never imports a library to ask).
        distributions: pip distributions whose version ``python -m portanet doctor`` shows.
        install_hint: appended to the error when the library cannot be imported.
        quiet_repr: ``Tensor.__repr__`` leaves out ``backend=`` (the default library only).
        reference: the backend others are compared with (``doctor``, ``compare_backends``).
        compiles_ops: the library compiles every new operation and shape on first use
            (JAX's XLA: 50-100 ms each on a small CPU), so a fresh process's first steps
            are slow; the pytest plugin skips tests marked ``heavy`` there.
    """

    name = ""
    namespaces: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    distributions: tuple[str, ...] = ()
    install_hint = ""
    quiet_repr = False
    reference = False
    compiles_ops = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            ADAPTERS[cls.name] = cls()

    # ---------------------------------------------------------------- loading
    def load(self) -> ModuleType:  # pragma: no cover - abstract
        """Import the library and return its Array API namespace (raise BackendError)."""
        raise NotImplementedError

    def _import(self, module: str) -> ModuleType:
        """``importlib.import_module`` that turns ImportError into the install hint."""
        try:
            return importlib.import_module(module)
        except ImportError as e:
            raise BackendError(f"backend {self.name!r} needs {self.install_hint}") from e

    def version(self) -> str:
        """The installed version of the library (``"not installed"`` when absent)."""
        for dist in self.distributions or (self.name,):
            try:
                return importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
        return "not installed"

    # ---------------------------------------------------------------- devices
    def parse_device(self, xp: ModuleType, device: Any) -> Any:
        """The library's device object for ``device`` (a name such as ``"cuda:0"``)."""
        return device

    def torch_device(self, bk) -> tuple:
        """PyTorch's name for where ``bk``'s arrays live: ``("cpu", None)`` or ``("cuda", i)``
        (``Tensor.device``; see ``backend/devices.py``)."""
        return ("cpu", None)

    def cpu_place(self, bk) -> tuple | None:
        """``(backend name, device)`` that ``"cpu"`` means while ``bk`` is current, or
        ``None`` for ``bk`` itself (a CPU library)."""
        return None

    def gpu_place(self, bk, index: int) -> tuple:
        """``(backend name, device)`` that ``"cuda:index"`` means while ``bk`` is current:
        CuPy, unless the library has its own GPU arrays."""
        return ("cupy", index)

    def gpu_count(self, bk) -> int:
        """How many GPUs ``"cuda:i"`` can name while ``bk`` is current (CuPy's by default)."""
        ad = ADAPTERS.get("cupy")
        if ad is None:
            return 0
        try:
            ad.load()
            import cupy
            return int(cupy.cuda.runtime.getDeviceCount())
        except Exception:
            return 0

    def describe_device(self, bk) -> str:
        """The device arrays are created on, in words (for ``doctor``)."""
        x = bk.asarray([0.0])
        return str(getattr(x, "device", bk.device))

    # -------------------------------------------------------- arrays and hosts
    def loaded(self) -> bool:
        """Whether arrays of this library can exist yet (its module was imported)."""
        mods = sys.modules
        return any(m in mods for m in self.modules)

    def is_array(self, array: Any) -> bool:
        """Whether ``array`` is an array of this library (no import, no conversion)."""
        return False

    def owns(self, array: Any, xp: ModuleType) -> bool:
        """Whether ``array`` belongs to the backend of namespace ``xp``."""
        if self.is_array(array):
            return True
        try:
            return array_api_compat.array_namespace(array) is xp
        except TypeError:
            return False

    def from_host(self, data: Any) -> Any:
        """Prepare host data (NumPy arrays, lists, scalars) for ``xp.asarray``."""
        return data

    def adopt(self, xp: ModuleType, array: Any) -> Any:
        """An array of this library as ``pn.tensor`` stores it (before its copy)."""
        return array

    def to_numpy(self, array: Any) -> np.ndarray:
        """A host NumPy array with the values of ``array``."""
        try:
            return np.from_dlpack(array)
        except Exception:
            return np.asarray(array)

    # ----------------------------------------------------------- synchronization
    def reads_are_free(self, bk) -> bool:
        """Whether reading values of ``bk``'s arrays back to the host costs no device sync:
        by default, whether a fresh array's device names a CPU (a namespace without
        devices lives on the host)."""
        try:
            dev = getattr(bk.xp.empty((0,), device=bk.device), "device", None)
        except Exception:  # noqa: BLE001
            return True
        return dev is None or "cpu" in str(getattr(dev, "type", dev)).lower()

    def reads_countable(self) -> bool:
        """Whether :func:`portanet.testing.count_host_syncs` can see every read of this
        library's arrays (it wraps their read methods, or the library has a hook)."""
        return False

    # --------------------------------------------------------------- speed-ups
    def fast_paths(self, xp: ModuleType) -> dict[str, Callable]:
        """Backend-specific replacements for generic ops (see :mod:`portanet.backend.fast`)."""
        return {}


class NamespaceAdapter(Adapter):
    """Any object with the Array API's functions, passed as ``pn.set_backend(namespace)``.

    Arrays belong to it when ``array_namespace(array)`` is that object; host conversion
    goes through DLPack, then ``numpy.asarray``.

    Example:
        >>> bk = pn.set_backend(my_namespace)
    """

    def __init__(self, ns: ModuleType):
        self.ns = ns

    def load(self) -> ModuleType:
        return self.ns

    def loaded(self) -> bool:
        return True
