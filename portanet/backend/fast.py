"""Registry of optional backend-specific fast paths, per namespace.

Core ops call :func:`lookup` and fall back to their generic Array API code when it
returns ``None`` (or when the path declines, returning ``None``/``False``).  The fast
paths themselves live in each library's adapter
(``fast_paths()``: ``np.add.at``, ``Tensor.index_add_``, ``cupyx.scatter_add`` ...) and
are registered here when its backend is first made.  Each is proven equal to the
generic path by a test (``tests/test_fast_paths.py``, using :func:`disabled`).

Example:
    >>> lookup(numpy, "index_add")        # np.add.at-based scatter-add
    >>> with disabled():
    ...     lookup(numpy, "index_add")    # None: the generic path runs
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from typing import Any, Callable, Iterator

from ..kernels import NUMBA_MIN_SIZE

__all__ = ["lookup", "disabled", "register", "registered", "importable", "lazy_kernel",
           "NUMBA_MIN_SIZE"]

_REGISTRY: dict[int, dict[str, Callable]] = {}  # id(namespace) -> {op name: function}


class _Switch:
    __slots__ = ("off",)

    def __init__(self) -> None:
        self.off = False


_SWITCH = _Switch()


def lookup(xp: Any, name: str) -> Callable | None:
    """The fast path ``name`` for namespace ``xp``, or ``None``."""
    if _SWITCH.off:
        return None
    table = _REGISTRY.get(id(xp))
    return None if table is None else table.get(name)


def register(xp: Any, paths: dict[str, Callable]) -> None:
    """Add ``paths`` (op name -> function) to namespace ``xp``'s fast paths."""
    _REGISTRY.setdefault(id(xp), {}).update(paths)


def registered(xp: Any) -> list[str]:
    """Names of the fast paths registered for namespace ``xp``, sorted."""
    return sorted(_REGISTRY.get(id(xp), {}))


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Context manager that turns every fast path off (to test the generic code)."""
    prev = _SWITCH.off
    _SWITCH.off = True
    try:
        yield
    finally:
        _SWITCH.off = prev


def importable(name: str) -> bool:
    """Whether module ``name`` could be imported, without importing it (numba takes 0.3 s)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[name] is None (blocked)
        return False


def lazy_kernel(module: str, attr: str, size_arg: int | None = None) -> Callable:
    """A stand-in for ``module.attr`` (a numba kernel) that imports it at its first worthwhile call.

    The first argument of every call is the array the kernel works on (or argument
    ``size_arg`` is its element count); until the module is
    imported (or numba is, by anything else), calls with one smaller than
    ``NUMBA_MIN_SIZE`` elements decline (return ``None``), so a small model never pays
    numba's import.  If the import fails (a broken numba), every call declines and the
    generic code runs.
    """
    box: list = []

    def call(*args):
        if not box:
            size = args[size_arg] if size_arg is not None else getattr(args[0], "size", 0)
            if "numba" not in sys.modules and size < NUMBA_MIN_SIZE:
                return None
            try:
                box.append(getattr(importlib.import_module(module), attr))
            except ImportError:
                box.append(_declined)
        return box[0](*args)
    call.__name__ = attr
    return call


def _declined(*args) -> None:
    return None  # falsy: "not handled", for optimizer rules and kernels alike
