"""Registry of optional backend-specific fast paths, per namespace.

Core ops call :func:`lookup` and fall back to their generic Array API code when it
returns ``None``.  The fast paths themselves live in each library's adapter
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
from typing import Any, Callable, Iterator

__all__ = ["lookup", "disabled", "register", "registered"]

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
