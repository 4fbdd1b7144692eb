"""``DistributedSampler``: each process of a data-parallel job takes its own part of an epoch.

PyTorch's semantics: every rank draws the same permutation (seeded with
``seed + epoch``), pads it by repeating its first indices until its length divides by
the number of replicas (or, with ``drop_last``, cuts the tail), and rank ``r`` takes
positions ``r, r + R, r + 2R ...``.  The ranks' parts are disjoint apart from the
padding and together are the whole epoch; every rank gets the same number of samples,
so all ranks run the same number of steps.  Call :meth:`set_epoch` before each epoch
(``pn.train.fit`` does), or every epoch repeats the first one's order.

The permutation comes from :func:`portanet.random.permutation` (Philox on the host), so
it is the same on every backend; it is not the one ``torch.randperm`` would give.

Example:
    >>> sampler = pn.data.DistributedSampler(train_set)          # after pn.distributed.init()
    >>> loader = pn.data.DataLoader(train_set, batch_size=64, sampler=sampler)
    >>> for epoch in range(10):
    ...     sampler.set_epoch(epoch)
    ...     for xb, yb in loader: ...
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from .. import random as _random
from .samplers import Sampler

__all__ = ["DistributedSampler"]


def _world(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    if num_replicas is not None and rank is not None:
        return num_replicas, rank
    from ..distributed import comm
    if not comm.is_initialized():
        raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                           "pn.distributed.init() first (and start with mpiexec -n N)")
    return (comm.size() if num_replicas is None else num_replicas,
            comm.rank() if rank is None else rank)


class DistributedSampler(Sampler):
    """Indices of one rank's share of ``dataset`` (``torch.utils.data.DistributedSampler``).

    Args:
        dataset: anything with ``len()``.
        num_replicas: the number of ranks (default ``pn.distributed.size()``).
        rank: this rank (default ``pn.distributed.rank()``).
        shuffle: a new permutation every epoch (seeded with ``seed + epoch``).
        seed: the same on every rank.
        drop_last: cut the tail so the length divides evenly, instead of padding by
            repeating the first indices.

    Attributes:
        num_samples: indices per rank and epoch (``len(sampler)``).
        total_size: ``num_samples * num_replicas``, the padded (or cut) epoch.

    Example:
        >>> s = pn.data.DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
        >>> list(s)
        [1, 4, 7, 0]
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        num_replicas, rank = _world(num_replicas, rank)
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas, self.rank = num_replicas, rank
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the order of epoch ``epoch`` (the same number on every rank)."""
        self.epoch = int(epoch)

    def _epoch_indices(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            order = _random.permutation(n, generator=_random.Generator(self.seed + self.epoch))
        else:
            order = np.arange(n, dtype=np.int64)
        if self.drop_last:
            return order[:self.total_size]
        pad = self.total_size - n
        if pad > 0:                       # repeat from the start, as often as needed
            order = np.concatenate([order, np.resize(order, pad)])
        return order

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as an int64 NumPy array."""
        return np.asarray(self._epoch_indices()[self.rank:self.total_size:self.num_replicas], np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def state_dict(self) -> dict:
        """The epoch and the settings that decide the order (plain Python values)."""
        return {"epoch": self.epoch, "seed": self.seed, "shuffle": self.shuffle,
                "drop_last": self.drop_last, "num_replicas": self.num_replicas,
                "total_size": self.total_size, "length": len(self.dataset)}

    def load_state_dict(self, state: dict) -> None:
        """Restore the epoch; the number of replicas may differ (the loader checks that the
        data is still divided the same way), the settings that pick the order may not."""
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        if not isinstance(state, dict):
            raise ValueError(f"DistributedSampler.load_state_dict: expected a dict, got {type(state).__name__}")
        mine = {"seed": self.seed, "shuffle": self.shuffle, "drop_last": self.drop_last,
                "length": len(self.dataset)}
        diff = [f"{k} {state.get(k)!r} in the state, {v!r} here" for k, v in mine.items() if state.get(k) != v]
        try:
            epoch = int(state["epoch"])
        except (KeyError, TypeError, ValueError):
            diff.append(f"epoch {state.get('epoch')!r} in the state is not an integer")
        if diff:
            raise ValueError("DistributedSampler.load_state_dict: " + "; ".join(diff))
        return lambda: setattr(self, "epoch", epoch)
