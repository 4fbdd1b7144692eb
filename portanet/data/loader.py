"""``DataLoader``: shuffled mini-batches as Tensors on the current backend.

Shuffling uses :func:`portanet.random.permutation` (a Philox stream evaluated on the
host), so for the same seed every backend sees the same batches in the same order.
Full-batch, stochastic and mini-batch gradient descent differ only in ``batch_size``.

Example:
    >>> loader = pn.data.DataLoader(pn.data.TensorDataset(X, y), batch_size=32, shuffle=True)
    >>> for xb, yb in loader:
    ...     loss = F.cross_entropy(model(xb), yb)
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from .. import random as _random
from .._staging import stager
from ..autograd.tensor import Tensor, _wrap
from ..backend import get_backend
from .dataset import Dataset

__all__ = ["DataLoader", "default_collate"]


def _to_tensor(host: Any, bk) -> Tensor:
    # a fresh host array from fancy indexing: hand it over without a second copy
    return _wrap(bk.asarray(np.asarray(host)), bk, False)


def default_collate(samples: list) -> Any:
    """Stack a list of samples field by field into host arrays, then one Tensor per field.

    A sample may be a tuple/list (``(x, y)``), a dict, or a single array or number.

    Example:
        >>> xb, yb = pn.data.default_collate([(np.ones(3), 0), (np.zeros(3), 1)])
    """
    return _collated_to_tensors(_stack(samples), get_backend())


def _stack(samples: list) -> Any:
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(np.stack([np.asarray(s[i]) for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: np.stack([np.asarray(s[k]) for s in samples]) for k in first}
    return np.stack([np.asarray(s) for s in samples])


def _collated_to_tensors(batch: Any, bk) -> Any:
    if isinstance(batch, tuple):
        return tuple(_to_tensor(a, bk) for a in batch)
    if isinstance(batch, dict):
        return {k: _to_tensor(a, bk) for k, a in batch.items()}
    return _to_tensor(batch, bk)


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of Tensors on the current backend.

    Args:
        dataset: a :class:`Dataset` (e.g. :class:`TensorDataset`) holding host arrays.
        batch_size: samples per batch (1: stochastic GD; ``len(dataset)``: full-batch GD).
        shuffle: draw a new permutation at the start of every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: called with the list of samples of a batch; its result is yielded
            as it is. Default: stack each field and make one Tensor per field.
        seed: shuffle with a private stream seeded with ``seed``; default (``None``)
            draws from the global stream set by ``pn.manual_seed``.
        sampler: an iterable of dataset indices with ``len()`` that decides each
            epoch's order instead (e.g. :class:`DistributedSampler`); it excludes
            ``shuffle``, as in PyTorch.

    The loader's position is saved by :meth:`state_dict` (epochs started, batches taken,
    the stream state the current epoch's permutation came from); after
    :meth:`load_state_dict` the next iteration continues the interrupted epoch exactly.
    With a :class:`DistributedSampler` the state holds the sampler's epoch, and it
    loads into a run with another number of ranks when that run divides the data the
    same way: the same global batch (ranks x batch_size) and the same padded epoch.

    Example:
        >>> loader = pn.data.DataLoader(ds, batch_size=64, shuffle=True, seed=0)
        >>> len(loader)       # batches per epoch
        16
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable[[list], Any] | None = None,
                 seed: int | None = None, sampler: Any = None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is not None and not (hasattr(sampler, "__iter__") and hasattr(sampler, "__len__")):
            raise TypeError(f"DataLoader: sampler must be an iterable of indices with len(), "
                            f"got {type(sampler).__name__}")
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.seed = seed
        self.generator = None if seed is None else _random.Generator(seed)
        self.epoch = 0                # epochs started
        self._taken = 0               # batches yielded in the current epoch
        self._in_epoch = False
        self._epoch_rng: dict | None = None   # stream state this epoch's permutation came from
        self._pending: tuple | None = None    # (order, start batch) restored by load_state_dict

    def _n(self) -> int:
        return len(self.sampler) if self.sampler is not None else len(self.dataset)

    def __len__(self) -> int:
        n = self._n()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _gen(self) -> _random.Generator:
        return self.generator if self.generator is not None else _random.default_generator

    def _order(self, rng_state: dict | None, n: int):
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64, count=len(self.sampler))
        if rng_state is None:
            return None
        g = _random.Generator()
        g.set_state(rng_state)
        return _random.permutation(n, generator=g)

    def __iter__(self) -> Iterator:
        n, bs = len(self.dataset), self.batch_size
        if self._pending is not None:
            order, start = self._pending
            self._pending = None
        else:
            self._epoch_rng = self._gen().get_state() if self.shuffle else None
            order = _random.permutation(n, generator=self._gen()) if self.shuffle else None
            if self.sampler is not None:
                order = self._order(None, n)
            start = 0
            self.epoch += 1
            self._taken = 0
        self._in_epoch = True
        return self._batches(order, start, n, bs)

    def _batches(self, order, start: int, n: int, bs: int) -> Iterator:
        bk = get_backend()
        getitems = getattr(self.dataset, "__getitems__", None)
        for b in range(start, len(self)):
            idx = order[b * bs:(b + 1) * bs] if order is not None else np.arange(b * bs, min(n, (b + 1) * bs))
            self._taken = b + 1
            if self.collate_fn is not None:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
            elif getitems is not None:
                batch = getitems(idx)
                yield (_collated_to_tensors(batch, bk) if isinstance(batch, (tuple, dict, np.ndarray))
                       else _collated_to_tensors(_stack(batch), bk))
            else:
                yield _collated_to_tensors(_stack([self.dataset[int(i)] for i in idx]), bk)
        self._in_epoch = False

    def state_dict(self) -> dict:
        """The loader's position: plain Python values, for a training checkpoint.

        Example:
            >>> state = loader.state_dict()      # e.g. mid-epoch
            >>> other.load_state_dict(state)     # `for b in other` continues that epoch
        """
        return {"epoch": self.epoch, "batches_taken": self._taken, "in_epoch": self._in_epoch,
                "epoch_rng": self._epoch_rng, "length": len(self.dataset),
                "batch_size": self.batch_size, "shuffle": self.shuffle,
                "generator": None if self.generator is None else self.generator.get_state(),
                "sampler": self._sampler_state()}

    def _sampler_state(self) -> dict | None:
        s = self.sampler
        if s is None:
            return None
        state = {"length": len(s), "replicas": int(getattr(s, "num_replicas", 1)),
                 "total_size": int(getattr(s, "total_size", len(s)))}
        if hasattr(s, "state_dict"):
            state["state"] = s.state_dict()
        return state

    def _check_division(self, saved: dict | None) -> list:
        """How the saved sampler's division of the data differs from this one's."""
        mine = self._sampler_state()
        if (saved is None) != (mine is None):
            return [f"the state was saved {'without' if saved is None else 'with'} a sampler, "
                    f"this loader has {'one' if mine is not None else 'none'}"]
        if saved is None:
            return []
        r0, r1 = saved["replicas"], mine["replicas"]
        b0 = saved.get("batch_size", self.batch_size)
        if b0 * r0 != self.batch_size * r1 or saved["total_size"] != mine["total_size"]:
            return [f"the data would be divided differently: the state was saved by {r0} rank(s) x "
                    f"batch {b0} (global batch {b0 * r0}, epoch of {saved['total_size']} samples), "
                    f"this run has {r1} rank(s) x batch {self.batch_size} (global batch "
                    f"{self.batch_size * r1}, epoch of {mine['total_size']} samples)"]
        return []

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; an interrupted epoch resumes at its next batch.

        Everything (settings, sampler, seed, position) is checked before anything
        changes: a refused state leaves the loader and its sampler as they were.
        """
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        name = "DataLoader.load_state_dict"
        keys = ("epoch", "batches_taken", "in_epoch", "epoch_rng", "generator")
        if not isinstance(state, dict) or any(k not in state for k in keys):
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{name}: expected the dict DataLoader.state_dict() returns, with "
                             f"{', '.join(keys)}; got {got}")
        mine = {"length": len(self.dataset), "batch_size": self.batch_size, "shuffle": self.shuffle}
        saved_sampler = state.get("sampler")
        if saved_sampler is not None and self.sampler is not None:
            del mine["batch_size"]   # may differ with the number of ranks: checked as a division
            saved_sampler = {**saved_sampler, "batch_size": state.get("batch_size")}
        diff = [f"{k} {state.get(k)!r} in the state, {v!r} here" for k, v in mine.items() if state.get(k) != v]
        diff += self._check_division(saved_sampler)
        if diff:
            raise ValueError(f"{name}: " + "; ".join(diff))
        if (state["generator"] is None) != (self.generator is None):
            raise ValueError(f"{name}: the state was saved by a loader "
                             f"{'without' if state['generator'] is None else 'with'} a seed, this one is "
                             f"{'seeded' if self.generator is not None else 'unseeded'}")
        steps = []
        if saved_sampler is not None and "state" in saved_sampler and hasattr(self.sampler, "load_state_dict"):
            prepare = stager(self.sampler)
            if prepare is not None:
                steps.append(prepare(saved_sampler["state"]))
            else:
                steps.append(lambda: self.sampler.load_state_dict(saved_sampler["state"]))
        if self.generator is not None:
            steps.append(self.generator._prepare_load_state_dict(state["generator"]))
        try:
            epoch, taken = int(state["epoch"]), int(state["batches_taken"])
            epoch_rng = state["epoch_rng"]
            if epoch_rng is not None:
                _random.Generator()._prepare_load_state_dict(epoch_rng)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name}: the position in the state is not valid: {e}") from None
        resume = bool(state["in_epoch"]) and taken < len(self)

        def commit():
            for step in steps:
                step()
            self.epoch, self._taken, self._epoch_rng = epoch, taken, epoch_rng
            self._in_epoch = False
            self._pending = None
            if resume:   # the order of the interrupted epoch (a sampler's, restored above)
                self._pending = (self._order(epoch_rng, len(self.dataset)), taken)
        return commit
