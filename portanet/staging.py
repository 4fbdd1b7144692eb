"""Two-phase ``load_state_dict``: check everything first, then apply what cannot fail.

portanet's stateful classes define ``_prepare_load_state_dict(state)``, which checks
``state`` without changing anything and returns ``commit``, a function that applies it
(``load_state_dict`` is ``self._prepare_load_state_dict(state)()``).  Restoring several
objects together (:func:`portanet.io.restore.restore_all`) prepares every one before
committing any.

A subclass that overrides ``load_state_dict`` (to remap old keys, or to restore more,
as ``pn.distributed.LocalSGD`` does) without overriding ``_prepare_load_state_dict``
would be bypassed by the inherited one: :func:`stager` then answers ``None`` and the
caller falls back to ``load_state_dict`` itself.

Example:
    >>> commit = stager(model)(state)      # raises, changing nothing, on a mismatch
    >>> commit()
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["stager"]


def _defining(cls: type, name: str) -> type | None:
    return next((k for k in cls.__mro__ if name in k.__dict__), None)


def stager(obj: Any) -> Callable[[Any], Callable[[], Any]] | None:
    """``obj._prepare_load_state_dict`` when it belongs with ``obj.load_state_dict``, else None."""
    prepare = _defining(type(obj), "_prepare_load_state_dict")
    if prepare is None:
        return None
    load = _defining(type(obj), "load_state_dict")
    if load is not None and not issubclass(prepare, load):   # load_state_dict overridden below
        return None
    return obj._prepare_load_state_dict
