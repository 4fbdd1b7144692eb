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
from ..staging import stager
from ..backend import get_backend
from .collate import default_collate, fetch, finish
from .dataset import Dataset

__all__ = ["DataLoader", "default_collate"]

_M64 = 0xFFFFFFFFFFFFFFFF


def _mix(*values: int) -> int:
    """A 63-bit seed from integers (SplitMix64 steps): the workers' base seed."""
    z = 0
    for v in values:
        z = (z ^ (int(v) & _M64)) + 0x9E3779B97F4A7C15 & _M64
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _M64
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _M64
        z ^= z >> 31
    return z >> 1


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
        num_workers: worker processes that fetch and collate batches ahead of the
            training loop (0: in the main process).  The batches and their order are
            the same as without workers; see :mod:`portanet.data.multiprocess` for the
            start method and the shutdown rules.
        prefetch_factor: batches in flight per worker (default 2 with workers; only
            with ``num_workers > 0``, as in PyTorch).
        persistent_workers: keep the workers between epochs (the dataset copy in each
            worker then keeps its state too).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after its
            random streams are seeded (``random``, ``numpy.random``, ``pn.random``, with
            the seed in :func:`get_worker_info`).
        timeout: seconds to wait for a batch from the workers (0: forever); then a
            ``RuntimeError``.
        multiprocessing_context: ``None`` (fork where the platform has it), a start
            method name or a ``multiprocessing`` context.
        pin_memory, pin_memory_device: accepted for PyTorch's scripts and ignored: on
            NumPy, torch-CPU and array_api_strict there is no device copy to speed up;
            on CuPy pinned (page-locked) host staging buffers would be the meaning,
            not implemented yet (batches go through an ordinary host copy).

    Workers compute on the host only: their current backend is NumPy, Tensors that a
    dataset or ``collate_fn`` makes there travel back as host arrays and become
    Tensors of the main process's backend, which does the one transfer per field.
    Random numbers drawn inside a dataset differ with and without workers (each worker
    has its own seeded streams, as in PyTorch); the workers' seeds derive from the
    loader's stream position and epoch without drawing from it, so the main process's
    random stream (initialization, dropout) is the same with and without workers.

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
                 seed: int | None = None, sampler: Any = None, *, num_workers: int = 0,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 worker_init_fn: Callable[[int], None] | None = None, timeout: float = 0,
                 multiprocessing_context: Any = None, pin_memory: bool = False,
                 pin_memory_device: str = ""):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        self._check_workers(num_workers, prefetch_factor, persistent_workers, timeout, worker_init_fn)
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers and prefetch_factor is None else prefetch_factor
        self.persistent_workers, self.timeout = bool(persistent_workers), timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        if num_workers:   # a bad name or context fails here, not in the first epoch
            from .multiprocess import context
            context(multiprocessing_context)
        self.pin_memory, self.pin_memory_device = bool(pin_memory), pin_memory_device
        self._pool = None     # the persistent workers
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

    @staticmethod
    def _check_workers(num_workers, prefetch_factor, persistent_workers, timeout, worker_init_fn):
        """PyTorch's checks and wording for the worker arguments."""
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing. (got num_workers={num_workers!r})")
        if not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"timeout option should be non-negative (got timeout={timeout!r})")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             f"prefetch_factor to None. (got prefetch_factor={prefetch_factor!r})")
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or
                                            not isinstance(prefetch_factor, int) or prefetch_factor < 1):
            raise ValueError(f"prefetch_factor option should be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got {type(worker_init_fn).__name__}")

    def _tasks(self, order, start: int, n: int, bs: int):
        for b in range(start, len(self)):
            yield b, (order[b * bs:(b + 1) * bs] if order is not None
                      else np.arange(b * bs, min(n, (b + 1) * bs)))

    def _batches(self, order, start: int, n: int, bs: int) -> Iterator:
        if self.num_workers:
            yield from self._worker_batches(order, start, n, bs)
            return
        bk = get_backend()
        for b, idx in self._tasks(order, start, n, bs):
            self._taken = b + 1
            batch = fetch(self.dataset, idx, self.collate_fn)
            yield batch if self.collate_fn is not None else finish(batch, None, bk)
        self._in_epoch = False

    def _worker_batches(self, order, start: int, n: int, bs: int) -> Iterator:
        from .multiprocess import WorkerPool
        bk = get_backend()
        pool = self._pool
        if pool is None or not pool.alive:
            gen = self._gen()
            pool = WorkerPool(self, fetch, _mix(gen.initial_seed(), gen.offset, self.epoch))
            if self.persistent_workers:
                self._pool = pool
        b = start
        try:
            for host in pool.run(self._tasks(order, start, n, bs)):
                b += 1
                self._taken = b
                yield finish(host, self.collate_fn, bk)
            self._in_epoch = False
        except GeneratorExit:  # the loop was left early: persistent workers stay
            raise
        except BaseException:
            pool.shutdown()    # a worker error or a timeout: never reuse these workers
            raise
        finally:
            if not self.persistent_workers:
                pool.shutdown()

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
