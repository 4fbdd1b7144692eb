"""Collating samples into batches with PyTorch's rules: host arrays first, Tensors after.

:func:`collate_host` follows ``torch.utils.data.default_collate`` case by case, but
builds host NumPy arrays (wrapped as :class:`~portanet.data.worker.HostTensor`, the
leaves that become Tensors); :func:`~portanet.data.worker.from_host` then makes the one
transfer per field to the backend in the main process.  Fetching and collating only
touch the host, so they run the same in the main process and in worker processes.

PyTorch's rules: Tensors and NumPy arrays are stacked along a new first dimension;
NumPy scalars become a 1-D tensor of their dtype; Python ``int`` -> int64, ``float`` ->
float64, ``bool`` -> bool; ``str``/``bytes`` stay a list (a tuple inside a tuple/list
sample, as PyTorch's transposition gives); a mapping is collated per key
(its type kept), a namedtuple per field (its type kept), a tuple or list per position
(a tuple gives a list, as in PyTorch).  Departure: samples of different sizes raise
``ValueError`` (PyTorch: ``RuntimeError``), with PyTorch's wording.

Example:
    >>> xb, yb = pn.data.default_collate([(np.ones(3), 0), (np.zeros(3), 1)])
    >>> yb.dtype == pn.int64
    True
"""
from __future__ import annotations

import collections.abc as abc
import copy
from typing import Any, Callable

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import get_backend, to_numpy
from .worker import HostTensor, from_host

__all__ = ["default_collate", "default_convert", "collate_host", "convert_host", "fetch", "finish"]

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _host(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return np.asarray(to_numpy(x.array))
    if isinstance(x, HostTensor):
        return x.array
    return np.asarray(x)


def _text_array(a: np.ndarray) -> bool:
    """PyTorch's ``np_str_obj_array_pattern``: byte/unicode strings and objects."""
    return a.dtype.kind in "SaUO"


def _stack(arrays: list) -> HostTensor:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:   # PyTorch's torch.stack wording
            raise ValueError(f"default_collate: stack expects each tensor to be equal size, but got "
                             f"{list(first)} at entry 0 and {list(a.shape)} at entry {i}")
    return HostTensor(np.stack(arrays))


def _numbers(batch: list) -> HostTensor:
    """Python ints/bools as ``torch.tensor(batch)`` types them (int64, bool; a float among
    ints gives the default float dtype, float32)."""
    a = np.asarray(batch)
    if a.dtype.kind == "b":
        return HostTensor(a)
    return HostTensor(a.astype(np.int64 if a.dtype.kind in "iu" else np.float32))


def _mapping(elem, values: dict):
    """``values`` in the mapping type of ``elem`` where it can be rebuilt, else a dict."""
    try:
        if isinstance(elem, abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def collate_host(batch: list) -> Any:
    """PyTorch's ``default_collate`` on the host: the same structure, HostTensor leaves."""
    elem = batch[0]
    if isinstance(elem, (Tensor, HostTensor)):
        return _stack([_host(b) for b in batch])
    if isinstance(elem, np.ndarray):
        if _text_array(elem):
            raise TypeError(_ERR.format(elem.dtype))
        return _stack([np.asarray(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return HostTensor(np.asarray(batch))
    if isinstance(elem, float):
        return HostTensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        return _numbers(batch)
    if isinstance(elem, (str, bytes)):
        return batch        # as it came: a list, or a tuple inside a sequence (PyTorch's zip)
    if isinstance(elem, abc.Mapping):
        return _mapping(elem, {k: collate_host([d[k] for d in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # a namedtuple keeps its type
        return type(elem)(*(collate_host(s) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise ValueError("default_collate: each element in list of batch should be of equal size")
        fields = [collate_host(s) for s in zip(*batch)]
        if isinstance(elem, (tuple, list)):
            return fields                                      # a tuple gives a list, as in PyTorch
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ERR.format(type(elem)))


def convert_host(data: Any) -> Any:
    """PyTorch's ``default_convert`` on the host (one sample, ``batch_size=None``)."""
    if isinstance(data, Tensor):       # as it is (a worker sends it home as a host array)
        return data
    if isinstance(data, np.ndarray):
        return data if _text_array(data) else HostTensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return HostTensor(np.asarray(data))
    if isinstance(data, abc.Mapping):
        return _mapping(data, {k: convert_host(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(convert_host(d) for d in data))
    if isinstance(data, tuple):
        return [convert_host(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [convert_host(d) for d in data]
        if isinstance(data, list):
            return items
        try:
            return type(data)(items)
        except TypeError:
            return items
    return data


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch of Tensors (``torch.utils.data.default_collate``).

    Args:
        batch: the samples, each a Tensor, NumPy array or scalar, Python number, string,
            mapping, namedtuple, tuple or list (nested as deep as needed).

    Returns:
        The samples' structure with each field batched (rules in the module docstring).

    Example:
        >>> b = pn.data.default_collate([{"x": np.ones(2), "name": "a"}, {"x": np.zeros(2), "name": "b"}])
        >>> b["x"].shape, b["name"]
        ((2, 2), ['a', 'b'])
    """
    return from_host(collate_host(batch), get_backend())


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars in ``data`` -> Tensors, the rest as it is (tuples become
    lists, as PyTorch's ``default_convert``); the collation of ``batch_size=None``.

    Example:
        >>> x, y = pn.data.default_convert((np.ones(3), 1))     # x a Tensor, y still 1
    """
    return from_host(convert_host(data), get_backend())


def fetch(dataset, idx, collate_fn: Callable | None) -> Any:
    """The batch for indices ``idx`` (or the one sample ``idx``, an int: ``batch_size=None``),
    on the host: ``collate_fn``'s result as it is, or default collation's HostTensors."""
    if isinstance(idx, (int, np.integer)):       # unbatched: convert, or the user's function
        sample = dataset[int(idx)]
        return collate_fn(sample) if collate_fn is not None else convert_host(sample)
    if collate_fn is not None:
        return collate_fn([dataset[int(i)] for i in idx])
    getitems = getattr(dataset, "__getitems__", None)
    if getitems is not None:
        batch = getitems(idx)
        # a whole batch already stacked (TensorDataset): one array per field
        if isinstance(batch, tuple):
            return [HostTensor(np.asarray(a)) for a in batch]
        if isinstance(batch, dict):
            return {k: HostTensor(np.asarray(a)) for k, a in batch.items()}
        if isinstance(batch, np.ndarray):
            return HostTensor(batch)
        return collate_host(list(batch))
    return collate_host([dataset[int(i)] for i in idx])


def finish(batch: Any, collate_fn: Callable | None, bk) -> Any:
    """A fetched batch as the loader yields it: Tensors on ``bk``."""
    return from_host(batch, bk)
