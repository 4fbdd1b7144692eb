"""Datasets: map-style collections of samples kept on the host as NumPy arrays.

The data stay in host memory; :class:`~portanet.data.DataLoader` gathers a mini-batch
with one NumPy fancy-index and moves it to the current backend in one transfer, so
the same dataset feeds NumPy, PyTorch, CuPy or array_api_strict.

Example:
    >>> ds = pn.data.TensorDataset(np.zeros((10, 3), np.float32), np.arange(10))
    >>> x, y = ds[4]
    >>> train, val = pn.data.random_split(ds, [8, 2])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import random as _random
from ..backend import to_numpy

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "random_split"]


class Dataset:
    """Base class of map-style datasets: ``__getitem__(i)`` and ``__len__``.

    A subclass may also define ``__getitems__(indices)`` returning a whole batch at once
    (as PyTorch's ``Dataset`` may); the loader then skips the per-sample loop.

    Example:
        >>> class Squares(pn.data.Dataset):
        ...     def __len__(self): return 100
        ...     def __getitem__(self, i): return np.float32([i]), np.float32([i * i])
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: "Dataset") -> "Dataset":
        """``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""
        from .combined import ConcatDataset
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets that are a stream of samples: ``__iter__`` instead of indices.

    The DataLoader iterates it (no sampler, no shuffle) and groups ``batch_size``
    samples.  With ``num_workers > 0`` every worker iterates its own copy, so a dataset
    that should not repeat its samples shards itself with :func:`get_worker_info`.

    Example:
        >>> class Range(pn.data.IterableDataset):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self):
        ...         info = pn.utils.data.get_worker_info()
        ...         k, step = (0, 1) if info is None else (info.id, info.num_workers)
        ...         return iter(range(k, self.n, step))
        >>> [b.tolist() for b in pn.data.DataLoader(Range(5), batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no indices")

    def __len__(self) -> int:   # a subclass may define it (then len(loader) works)
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other: "Dataset") -> "Dataset":
        """``a + b`` is ``ChainDataset([a, b])``, as in PyTorch."""
        from .combined import ChainDataset
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays (features, targets, ...).

    Args:
        *arrays: NumPy arrays, Tensors of any backend, or nested lists; each is copied to
            the host once, and all must have the same first dimension.

    A sample is a tuple of host NumPy rows, ``(x[i], y[i])``.

    Example:
        >>> ds = pn.data.TensorDataset(pn.randn(100, 4), pn.randint(0, 3, (100,)))
        >>> len(ds), ds[0][0].shape
        (100, (4,))
    """

    def __init__(self, *arrays: Any):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(np.asarray(to_numpy(a)) for a in arrays)
        sizes = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: all arrays need the same first dimension, got shapes {shapes}")

    def __getitem__(self, index: int) -> tuple:
        return tuple(a[index] for a in self.arrays)

    def __getitems__(self, indices: np.ndarray) -> tuple:
        return tuple(a[indices] for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> first_ten = pn.data.Subset(ds, range(10))
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __getitems__(self, indices: np.ndarray):
        inner = self.indices[indices]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(inner)
        return [self.dataset[int(i)] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: _random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets (``torch.utils.data.random_split``).

    Args:
        lengths: sizes summing to ``len(dataset)``, or fractions summing to 1 (each gets
            ``floor(f * n)``, and the remainder goes one by one to the first subsets,
            as in PyTorch).
        generator: a :class:`portanet.random.Generator`; default the global stream, so
            the split is the same on every backend for the same ``pn.manual_seed``.

    Example:
        >>> train, val = pn.data.random_split(ds, [0.9, 0.1])
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(f, float) for f in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(k) != k or k < 0 for k in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} must be non-negative integers summing to "
                         f"the dataset's length {n}, or fractions summing to 1")
    perm = _random.permutation(n, generator=generator)
    out, start = [], 0
    for k in lengths:
        out.append(Subset(dataset, perm[start:start + int(k)]))
        start += int(k)
    return out
