"""``Backend``: an Array API namespace bound to one device, with its library's adapter.

Example:
    >>> bk = pn.get_backend()
    >>> x = bk.asarray([1.0, 2.0])
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from . import fast
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

    __slots__ = ("name", "xp", "device", "float_dtype", "adapter", "__weakref__")

    def __init__(self, name: str, xp: ModuleType, device: Any = None, adapter: Adapter | None = None):
        self.name = name
        self.xp = xp
        self.device = device
        self.float_dtype = getattr(xp, DEFAULT_FLOAT[0])
        self.adapter = adapter if adapter is not None else Adapter()

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
        """A host NumPy array with the values of ``array`` (an array of this backend)."""
        return self.adapter.to_numpy(array)

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
