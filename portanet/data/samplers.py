"""Samplers: the order in which a DataLoader visits a map-style dataset (``torch.utils.data``'s).

Random draws happen on the host from :mod:`portanet.random`'s Philox streams (a
``generator=`` of your own, else the global stream of ``pn.manual_seed``), so the
same seed gives the same order on every backend; the numbers are not the ones
``torch.randperm``/``torch.multinomial`` would draw.

The random samplers remember the stream state their current pass started from:
``state_dict()``/``load_state_dict()`` let a DataLoader resumed mid-epoch replay
exactly the interrupted pass.

Example:
    >>> s = pn.data.WeightedRandomSampler([0.1, 0.9], num_samples=4, generator=pn.Generator(0))
    >>> loader = pn.data.DataLoader(ds, batch_size=2, sampler=s)
    >>> list(pn.data.BatchSampler(pn.data.SequentialSampler(range(5)), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from .. import philox
from .. import random as _random

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _check_generator(name: str, generator) -> None:
    if generator is not None and not isinstance(generator, _random.Generator):
        raise TypeError(f"{name}: generator must be a portanet Generator (pn.Generator) or None, "
                        f"got {type(generator).__name__}")


def _check_bool(name: str, arg: str, value, exc=TypeError) -> None:
    if not isinstance(value, bool):
        raise exc(f"{name}: {arg} should be a boolean value, but got {arg}={value!r}")


def _check_count(name: str, arg: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: {arg} should be a positive integer value, but got {arg}={value!r}")


def _uniform(n: int, gen: _random.Generator) -> np.ndarray:
    """``n`` host float64 values in (0, 1) from ``gen``'s stream (32 random bits each)."""
    bits = philox.uint32_stream(np, gen._seed, gen._take(n), n, None)
    return (bits.astype(np.float64) + 0.5) * (1.0 / 4294967296.0)


class Sampler:
    """Base class: ``__iter__`` yields dataset indices (``__len__`` where known).

    Example:
        >>> class Evens(pn.data.Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(0, self.n, 2))
        ...     def __len__(self): return (self.n + 1) // 2
    """

    def __init__(self, data_source=None) -> None:   # PyTorch's deprecated argument, unused
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    Example:
        >>> list(pn.data.SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class _Replayable(Sampler):
    """A random sampler whose pass is a function of the stream state it started from."""

    generator: _random.Generator | None = None
    _epoch_rng: dict | None = None

    def _draw(self, gen: _random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _settings(self) -> dict:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        gen = self.generator if self.generator is not None else _random.default_generator
        self._epoch_rng = gen.get_state()
        return iter(self._draw(gen).tolist())

    def _replay_order(self) -> np.ndarray:
        """The indices of the pass recorded in the state (the interrupted epoch's)."""
        if self._epoch_rng is None:
            return np.fromiter(iter(self), dtype=np.int64)
        g = _random.Generator()
        g.set_state(self._epoch_rng)
        return self._draw(g)

    def state_dict(self) -> dict:
        """The stream state of the current pass and of a private generator (plain values)."""
        return {**self._settings(), "epoch_rng": self._epoch_rng,
                "generator": None if self.generator is None else self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; a state of other settings raises ValueError, changing nothing."""
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict) or "epoch_rng" not in state or "generator" not in state:
            raise ValueError(f"{name}: expected the dict {type(self).__name__}.state_dict() returns, got {state!r}")
        diff = [f"{k} {state.get(k)!r} in the state, {v!r} here" for k, v in self._settings().items()
                if state.get(k) != v]
        if (state["generator"] is None) != (self.generator is None):
            diff.append(f"the state was saved {'without' if state['generator'] is None else 'with'} a generator")
        if diff:
            raise ValueError(f"{name}: " + "; ".join(diff))
        steps = []
        if state["epoch_rng"] is not None:
            _random.Generator()._prepare_load_state_dict(state["epoch_rng"])
        if self.generator is not None:
            steps.append(self.generator._prepare_load_state_dict(state["generator"]))

        def commit():
            for step in steps:
                step()
            self._epoch_rng = state["epoch_rng"]
        return commit


class RandomSampler(_Replayable):
    """Random order (``torch.utils.data.RandomSampler``).

    Args:
        data_source: the dataset (only its ``len()`` is used).
        replacement: draw ``num_samples`` indices independently (repeats possible).
        num_samples: indices per pass (default ``len(data_source)``); without
            replacement more than ``len`` gives whole permutations one after another.
        generator: a :class:`pn.Generator`; default the global stream.

    Example:
        >>> sorted(pn.data.RandomSampler(range(4), generator=pn.Generator(1)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: _random.Generator | None = None) -> None:
        _check_bool("RandomSampler", "replacement", replacement)
        if num_samples is not None:
            _check_count("RandomSampler", "num_samples", num_samples)
        _check_generator("RandomSampler", generator)
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __len__(self) -> int:
        return self.num_samples

    def _settings(self) -> dict:
        return {"length": len(self.data_source), "num_samples": self.num_samples,
                "replacement": self.replacement}

    def _draw(self, gen: _random.Generator) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return np.minimum((_uniform(k, gen) * n).astype(np.int64), n - 1)
        parts = [_random.permutation(n, generator=gen) for _ in range(k // n)]
        if k % n:
            parts.append(_random.permutation(n, generator=gen)[:k % n])
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


class SubsetRandomSampler(_Replayable):
    """The given indices in a random order, without replacement.

    Example:
        >>> s = pn.data.SubsetRandomSampler([5, 7, 9], generator=pn.Generator(0))
        >>> sorted(s)
        [5, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: _random.Generator | None = None) -> None:
        _check_generator("SubsetRandomSampler", generator)
        self.indices, self.generator = indices, generator

    def __len__(self) -> int:
        return len(self.indices)

    def _settings(self) -> dict:
        return {"length": len(self.indices)}

    def _draw(self, gen: _random.Generator) -> np.ndarray:
        idx = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return idx[_random.permutation(len(idx), generator=gen)]


class WeightedRandomSampler(_Replayable):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to one).
        num_samples: indices per pass.
        replacement: with replacement (default); without, each index at most once
            (Efraimidis-Spirakis keys ``log(u) / w``, the largest ``num_samples`` win).
        generator: a :class:`pn.Generator`; default the global stream.

    Example:
        >>> list(pn.data.WeightedRandomSampler([0.0, 1.0, 0.0], 3))
        [1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: _random.Generator | None = None) -> None:
        _check_count("WeightedRandomSampler", "num_samples", num_samples)
        _check_bool("WeightedRandomSampler", "replacement", replacement, ValueError)
        _check_generator("WeightedRandomSampler", generator)
        w = np.asarray(_host_values(weights), dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given weights "
                             f"have shape {tuple(w.shape)}")
        # host values given by the user: checked here, where they enter (no device read)
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError("WeightedRandomSampler: invalid multinomial distribution (weights must be "
                             f"finite, non-negative and not all zero), got {w.tolist()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot sample num_samples={num_samples} without "
                             f"replacement from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def __len__(self) -> int:
        return self.num_samples

    def _settings(self) -> dict:
        return {"length": len(self.weights), "num_samples": self.num_samples,
                "replacement": self.replacement}

    def _draw(self, gen: _random.Generator) -> np.ndarray:
        u = _uniform(self.num_samples if self.replacement else len(self.weights), gen)
        if self.replacement:   # inverse CDF; side="right" never picks a zero-weight index
            cdf = np.cumsum(self.weights)
            return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"),
                              len(cdf) - 1).astype(np.int64)
        with np.errstate(divide="ignore"):
            keys = np.log(u) / self.weights          # -inf for zero weights: never chosen
        return np.argsort(-keys, kind="stable")[:self.num_samples].astype(np.int64)


def _host_values(weights):
    from ..autograd.tensor import Tensor
    from ..backend import to_numpy
    return to_numpy(weights.array) if isinstance(weights, Tensor) else weights


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Example:
        >>> list(pn.data.BatchSampler(range(5), batch_size=2, drop_last=True))
        [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        _check_count("BatchSampler", "batch_size", batch_size)
        _check_bool("BatchSampler", "drop_last", drop_last, ValueError)
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def _group(self, indices) -> Iterator[list]:
        batch = []
        for i in indices:
            batch.append(int(i))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self) -> Iterator[list]:
        return self._group(iter(self.sampler))

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _replay_batches(self) -> list:
        """The interrupted pass's batches, after the inner sampler's state was loaded."""
        replay = getattr(self.sampler, "_replay_order", None)
        return list(self._group(replay() if replay is not None else iter(self.sampler)))
