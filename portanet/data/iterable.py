"""IterableDataset batching, and the DataLoader's checks of how samples are chosen.

An IterableDataset is a stream: each process that iterates it (the main process, or
every worker) groups ``batch_size`` consecutive samples and collates them on the host.
With workers, worker ``i`` iterates its own copy of the dataset; requests go round-robin
to the workers that are not exhausted, so the batches come in a fixed order (worker 0's
first, worker 1's first, ..., as PyTorch), and a dataset shards itself with
:func:`~portanet.data.get_worker_info` (else every worker yields every sample).

Example:
    >>> loader = pn.data.DataLoader(stream, batch_size=32, num_workers=2)
"""
from __future__ import annotations

from itertools import islice
from typing import Any, Callable

from .collate import collate_host, convert_host

__all__ = ["Exhausted", "EXHAUSTED", "IterableFetcher", "check_sampling"]


class Exhausted:
    """What a fetcher returns once its iterator has no batch left (picklable)."""


EXHAUSTED = Exhausted()


class IterableFetcher:
    """The next batch of a dataset's iterator; a new iterator for each new epoch ``key``."""

    def __init__(self, batch_size: int | None, drop_last: bool):
        self.batch_size, self.drop_last = batch_size, drop_last
        self._key, self._it = None, None

    def __call__(self, dataset, key, collate_fn: Callable | None) -> Any:
        if self._it is None or key != self._key:
            self._key, self._it = key, iter(dataset)
        if self.batch_size is None:                       # no batching: one sample converted
            for sample in self._it:
                return collate_fn(sample) if collate_fn is not None else convert_host(sample)
            return EXHAUSTED
        samples = list(islice(self._it, self.batch_size))
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            return EXHAUSTED
        return collate_fn(samples) if collate_fn is not None else collate_host(samples)


def _indices_with_len(obj) -> bool:
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


def check_sampling(iterable: bool, batch_size, shuffle, sampler, batch_sampler, drop_last) -> bool:
    """PyTorch's checks (and wording) of DataLoader's sampling options; returns ``shuffle`` as a bool."""
    if iterable:
        if shuffle not in (False, None):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                             f"but got shuffle={shuffle}")
        if sampler is not None:
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                             f"but got sampler={sampler}")
        if batch_sampler is not None:
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                             f"but got batch_sampler={batch_sampler}")
    shuffle = bool(shuffle)
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
    elif batch_size is None and drop_last:
        raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last")
    for arg, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
        if value is not None and not _indices_with_len(value):
            raise TypeError(f"DataLoader: {arg} must be an iterable of indices with len(), "
                            f"got {type(value).__name__}")
    return shuffle
