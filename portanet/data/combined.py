"""Datasets made of datasets: ``ConcatDataset``, ``StackDataset``, ``ChainDataset`` (PyTorch's).

Example:
    >>> both = pn.data.ConcatDataset([train_a, train_b])       # or train_a + train_b
    >>> pairs = pn.data.StackDataset(images, labels)           # sample i: (images[i], labels[i])
    >>> stream = pn.data.ChainDataset([shard0, shard1])        # IterableDatasets, one after another
"""
from __future__ import annotations

import bisect
from typing import Any, Iterable

from .dataset import Dataset, IterableDataset

__all__ = ["ConcatDataset", "StackDataset", "ChainDataset"]


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after another.

    Attributes:
        datasets: the list of datasets.
        cumulative_sizes: ``cumulative_sizes[i]`` is the length of ``datasets[:i + 1]``.

    Negative indices count from the end, as in PyTorch.

    Example:
        >>> ds = pn.data.ConcatDataset([range(3), range(10, 12)])
        >>> len(ds), ds[3], ds[-1], ds.cumulative_sizes
        (5, 10, 11, [3, 5])
    """

    @staticmethod
    def cumsum(sequence) -> list:
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (datasets[{i}] is "
                                f"{type(d).__name__}); use ChainDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: absolute value of index should not exceed dataset "
                                 f"length, got index {idx} for length {n}")
            idx = n + idx
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[k][idx if k == 0 else idx - self.cumulative_sizes[k - 1]]


class StackDataset(Dataset):
    """Samples of equally long datasets side by side: a tuple (``*args``) or a dict (``**kwargs``).

    Example:
        >>> ds = pn.data.StackDataset(range(3), [10, 11, 12])
        >>> ds[1]
        (1, 11)
        >>> pn.data.StackDataset(x=range(2), y="ab")[1]
        {'x': 1, 'y': 'b'}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either ``tuple``- (via ``args``) or ``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        sizes = [len(d) for d in parts]
        if len(set(sizes)) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets, got lengths {sizes}")
        self._length = sizes[0]
        self.datasets: Any = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ChainDataset(IterableDataset):
    """Several IterableDatasets, one after another (built lazily: each is iterated in turn).

    Example:
        >>> list(pn.data.ChainDataset([stream_a, stream_b]))     # a's samples, then b's
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _check(self, d) -> None:
        if not isinstance(d, IterableDataset):
            raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")

    def __iter__(self):
        for d in self.datasets:
            self._check(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            self._check(d)
            total += len(d)
        return total
