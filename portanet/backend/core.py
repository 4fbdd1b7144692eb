"""``Backend``: an Array API namespace bound to one device, with its library's adapter.

Example:
    >>> bk = pn.get_backend()
    >>> x = bk.asarray([1.0, 2.0])
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from . import fast, host
from .dtypes import DEFAULT_FLOAT, resolve_dtype
from .generic import Adapter

__all__ = ["Backend"]


class Backend:
    """An Array API namespace bound to one device.

    Attributes:
        name: ``"numpy"``, ``"torch"``, ``"cupy"``, ``"array_api_strict"``, ``"jax"`` or the
            namespace's module name for a user-supplied namespace.
        xp: the Array API namespace.
        device: the device arrays are created on (``None`` means the library default).
        float_dtype: the default floating dtype (float32).
        adapter: the library's :class:`~portanet.backend.generic.Adapter`.

    Example:
        >>> bk = pn.get_backend()
        >>> x = bk.asarray([1.0, 2.0])
    """

    __slots__ = ("name", "xp", "device", "float_dtype", "adapter", "_free", "__weakref__")

    def __init__(self, name: str, xp: ModuleType, device: Any = None, adapter: Adapter | None = None):
        self.name = name
        self.xp = xp
        self.device = device
        self.float_dtype = getattr(xp, DEFAULT_FLOAT[0])
        self.adapter = adapter if adapter is not None else Adapter()
        self._free: bool | None = None   # reads_are_free, found on first use

    def __copy__(self) -> "Backend":
        return self

    def __deepcopy__(self, memo: dict) -> "Backend":
        # one Backend per (library, device), compared by identity: a deep copy of a model
        # or a state_dict shares it (a copy of the namespace module could not be made)
        return self

    def __repr__(self) -> str:
        dev = "" if self.device is None else f", device={self.device!r}"
        return f"Backend({self.name!r}{dev})"

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """Convert ``data`` (nested lists, NumPy arrays, scalars, arrays of this backend)."""
        xp = self.xp
        if dtype is not None:
            dtype = resolve_dtype(dtype, xp)
        return xp.asarray(self.adapter.from_host(data), dtype=dtype, device=self.device)

    def owns(self, array: Any) -> bool:
        """Whether ``array`` is an array of this backend's library."""
        return self.adapter.owns(array, self.xp)

    def adopt(self, array: Any) -> Any:
        """An array of this library as a Tensor stores it (NumPy scalars become arrays)."""
        return self.adapter.adopt(self.xp, array)

    def to_numpy(self, array: Any):
        """A host NumPy array with the values of ``array`` (an array of this backend).

        A natural synchronization: deferred value checks raise here first, and
        :func:`portanet.testing.count_host_syncs` counts it (once)."""
        if host._checks_pending:
            host.flush_checks()
        return host.host_read("to_numpy", self.adapter.to_numpy, array)

    to_host = to_numpy

    @property
    def reads_are_free(self) -> bool:
        """Whether reading a value back to the host costs no device synchronization.

        True where the arrays live in host memory (NumPy, torch and JAX on the CPU,
        array_api_strict's CPU device); False on an accelerator (CuPy, torch on CUDA) and
        on array_api_strict's simulated ``device1``, the CI stand-in for a GPU.
        :mod:`portanet.checks` runs value checks at once where this is True and defers
        them to the next synchronization where it is False.
        """
        if self._free is None:
            self._free = bool(self.adapter.reads_are_free(self))
        return self._free

    @property
    def reads_countable(self) -> bool:
        """Whether :func:`portanet.testing.count_host_syncs` sees every read here."""
        return bool(self.adapter.reads_countable())

    def fast(self, op: str):
        """The registered backend-specific fast path for ``op``, or ``None``."""
        return fast.lookup(self.xp, op)

    @property
    def repr_name(self) -> str | None:
        """The name ``Tensor.__repr__`` shows (``None`` for the default library)."""
        return None if self.adapter.quiet_repr else self.name

    def describe_device(self) -> str:
        """The device arrays are created on, in words (a GPU's model name where known)."""
        return self.adapter.describe_device(self)

    def same_place(self, other: "Backend") -> bool:
        return self is other or (self.xp is other.xp and self.device == other.device)
