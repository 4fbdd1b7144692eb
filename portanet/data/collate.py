"""Collating samples into batches: host NumPy arrays first, then Tensors of the backend.

Fetching and collating (:func:`fetch`) only touch the host, so they run the same in the
main process and in DataLoader worker processes; the one transfer to the backend
(:func:`to_backend`) happens in the main process.

Example:
    >>> xb, yb = pn.data.default_collate([(np.ones(3), 0), (np.zeros(3), 1)])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autograd.tensor import Tensor, wrap
from ..backend import get_backend, to_numpy
from .worker import HostTensor, from_host

__all__ = ["default_collate", "fetch", "to_backend"]


def _host(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return np.asarray(to_numpy(x.array))
    if isinstance(x, HostTensor):
        return x.array
    return np.asarray(x)


def _to_tensor(host: Any, bk) -> Tensor:
    # a fresh host array from fancy indexing: hand it over without a second copy
    return wrap(bk.asarray(_host(host)), bk, False)


def stack(samples: list) -> Any:
    """Stack a list of samples field by field into host arrays (tuple, dict or one array)."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(np.stack([_host(s[i]) for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: np.stack([_host(s[k]) for s in samples]) for k in first}
    return np.stack([_host(s) for s in samples])


def to_backend(batch: Any, bk) -> Any:
    """Host arrays of a default-collated batch -> Tensors on ``bk`` (one transfer each)."""
    if isinstance(batch, tuple):
        return tuple(_to_tensor(a, bk) for a in batch)
    if isinstance(batch, dict):
        return {k: _to_tensor(a, bk) for k, a in batch.items()}
    return _to_tensor(batch, bk)


def default_collate(samples: list) -> Any:
    """Stack a list of samples field by field into host arrays, then one Tensor per field.

    A sample may be a tuple/list (``(x, y)``), a dict, or a single array, Tensor or number.

    Example:
        >>> xb, yb = pn.data.default_collate([(np.ones(3), 0), (np.zeros(3), 1)])
    """
    return to_backend(stack(samples), get_backend())


def fetch(dataset, idx, collate_fn: Callable | None) -> Any:
    """One batch for the indices ``idx``, on the host: ``collate_fn``'s result as it is, or
    (default collation) host arrays for :func:`to_backend`."""
    if collate_fn is not None:
        return collate_fn([dataset[int(i)] for i in idx])
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        batch = getitems(idx)
        return batch if isinstance(batch, (tuple, dict, np.ndarray)) else stack(batch)
    return stack([dataset[int(i)] for i in idx])


def finish(batch: Any, collate_fn: Callable | None, bk) -> Any:
    """A fetched batch as the loader yields it: Tensors on ``bk``."""
    return from_host(batch, bk) if collate_fn is not None else to_backend(batch, bk)
