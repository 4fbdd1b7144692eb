"""Flat buffers of many tensors, and the check that every rank holds the same tensors.

Sending one flat array per dtype instead of one message per tensor is what makes
parameter broadcasts and averages cheap: a ResNet has hundreds of small tensors, and
each MPI message costs microseconds of latency however small it is.

Example:
    >>> named = named_tensors(model, "broadcast_parameters")
    >>> check_same_structure(named, "broadcast_parameters")   # same shapes on every rank?
    >>> for group in flat_groups([t for _, t in named]):
    ...     host = group.to_host()            # one host array per dtype
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .staging import HostStage, stage_for

__all__ = ["named_tensors", "check_same_structure", "FlatGroup", "flat_groups", "flatten", "unflatten"]


def named_tensors(obj: Any, who: str) -> list:
    """``[(name, Tensor)]`` from a Module (parameters, then buffers), a dict, or an
    iterable of Tensors or ``(name, Tensor)`` pairs."""
    if hasattr(obj, "named_parameters") and hasattr(obj, "named_buffers"):
        return list(obj.named_parameters()) + [(n, b) for n, b in obj.named_buffers() if b is not None]
    items = list(obj.items()) if isinstance(obj, dict) else list(enumerate(obj))
    out = []
    for key, value in items:
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Tensor):
            key, value = value
        if not isinstance(value, Tensor):
            raise TypeError(f"{who}: expected Tensors, got {type(value).__name__} at {key!r}")
        out.append((str(key), value))
    return out


def check_same_structure(named: list, who: str, reference: int = 0) -> None:
    """Raise ValueError on every rank when the ranks' tensors differ in number, shape or
    dtype; the message names the tensor and both shapes.  One small all-gather."""
    from . import comm
    mine = [(name, tuple(t.shape), dtype_name(t.dtype)) for name, t in named]
    everyone = comm.all_gather_object(mine)
    ref = everyone[reference]
    for r, other in enumerate(everyone):
        if r == reference:
            continue
        for i, ((n0, s0, d0), (n1, s1, d1)) in enumerate(zip(ref, other)):
            if s0 != s1:
                raise ValueError(f"{who}: the model differs between ranks: {n0!r} has shape {s0} on "
                                 f"rank {reference} but {n1!r} has shape {s1} on rank {r} "
                                 f"(tensor {i}); build the same model on every rank")
            if d0 != d1:
                raise ValueError(f"{who}: the model differs between ranks: {n0!r} is {d0} on rank "
                                 f"{reference} but {n1!r} is {d1} on rank {r} (tensor {i})")
        if len(ref) != len(other):
            extra = (ref if len(ref) > len(other) else other)[min(len(ref), len(other))]
            raise ValueError(f"{who}: the model differs between ranks: rank {reference} has "
                             f"{len(ref)} tensors, rank {r} has {len(other)} (the first unmatched is "
                             f"{extra[0]!r} of shape {extra[1]})")


def flatten(arrays: list, xp):
    """One 1-D array holding ``arrays`` one after the other (a single device copy)."""
    if len(arrays) == 1:
        return xp.reshape(arrays[0], (-1,))
    return xp.concat([xp.reshape(a, (-1,)) for a in arrays])


def unflatten(flat, shapes: list, offsets: list, xp) -> list:
    """The arrays of :func:`flatten` back, as views of ``flat`` where the library allows."""
    out = []
    for shape, start in zip(shapes, offsets):
        n = 1
        for s in shape:
            n *= s
        out.append(xp.reshape(flat[start:start + n], shape))
    return out


class FlatGroup:
    """Tensors of one dtype and backend, moved to the host and back as one flat array."""

    def __init__(self, tensors: list):
        self.tensors = tensors
        self.bk = tensors[0]._bk
        self.shapes = [t.shape for t in tensors]
        self.offsets, n = [], 0
        for t in tensors:
            self.offsets.append(n)
            n += t.numel()
        self.numel = n
        self.stage: HostStage | None = None

    def _flat(self):
        return flatten([t.array for t in self.tensors], self.bk.xp)

    def to_host(self) -> np.ndarray:
        flat = self._flat()
        if self.stage is None:
            self.stage = stage_for(flat, self.bk)
        return self.stage.to_host(flat)

    def empty_host(self) -> np.ndarray:
        dtype = np.dtype(dtype_name(self.tensors[0].dtype))
        return np.empty(self.numel, dtype=dtype)

    def write_arrays(self, host: np.ndarray, why: str) -> None:
        """Make the values in ``host`` the tensors' new values (version-stamped)."""
        flat = (self.stage or HostStage(self.bk)).from_host(host)
        for t, a in zip(self.tensors, unflatten(flat, self.shapes, self.offsets, self.bk.xp)):
            t._set_inplace(a, why)


def flat_groups(tensors: list) -> list:
    """Group ``tensors`` by (backend, dtype), keeping their order within each group."""
    groups: dict = {}
    for t in tensors:
        groups.setdefault((id(t._bk), dtype_name(t.dtype)), []).append(t)
    return [FlatGroup(ts) for ts in groups.values()]
