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
from ..backend import get_backend
from .collate import default_collate, default_convert, fetch, finish
from .dataset import Dataset, IterableDataset
from .iterable import Exhausted, IterableFetcher, check_sampling
from .loader_state import LoaderState
from .samplers import BatchSampler, RandomSampler, SequentialSampler

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


def _until_exhausted(next_batch) -> Iterator:
    while not isinstance(batch := next_batch(), Exhausted):
        yield batch


class DataLoader(LoaderState):
    """Iterate over ``dataset`` in mini-batches of Tensors on the current backend.

    Args:
        dataset: a :class:`Dataset` (e.g. :class:`TensorDataset`) holding host arrays, or an
            :class:`IterableDataset` (a stream: no sampler, no shuffle; see data/iterable.py).
        batch_size: samples per batch (1: stochastic GD; ``len(dataset)``: full-batch GD);
            ``None``: no batching, each sample converted by ``default_convert``.
        shuffle: draw a new permutation at the start of every epoch (a
            :class:`RandomSampler` on ``generator``).
        sampler: an iterable of dataset indices with ``len()`` that decides each epoch's
            order instead (e.g. :class:`RandomSampler`, :class:`WeightedRandomSampler`,
            :class:`DistributedSampler`); it excludes ``shuffle``, as in PyTorch.
        batch_sampler: an iterable of lists of indices with ``len()``, one list per batch;
            excludes ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        collate_fn: called with the list of samples of a batch (with ``batch_size=None``:
            with each sample); its result is yielded as it is. Default: PyTorch's
            ``default_collate`` rules, computed on the host (see data/collate.py).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: a :class:`pn.Generator` for the shuffling and the workers' base seed;
            default the global stream set by ``pn.manual_seed``.
        seed: (portanet) shuffle with a private ``Generator(seed)``; excludes ``generator``.
        in_order: accepted; batches always come in order (which ``in_order=False`` allows).
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

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None, multiprocessing_context: Any = None,
                 generator: _random.Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
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
        self.in_order = bool(in_order)   # batches always come in order (allowed either way)
        self._pool = None     # the persistent workers
        self._iterable = isinstance(dataset, IterableDataset)
        shuffle = check_sampling(self._iterable, batch_size, shuffle, sampler, batch_sampler, drop_last)
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass generator= or seed=, not both")
        if generator is not None and not isinstance(generator, _random.Generator):
            raise TypeError(f"DataLoader: generator must be a portanet Generator (pn.Generator) or None, "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self._sampler, self._batch_sampler = sampler, batch_sampler   # the user's, or None
        self.batch_size = None if batch_sampler is not None else batch_size
        self.shuffle = shuffle
        self.drop_last = bool(drop_last)
        self._collate = collate_fn      # None: default collation on the host
        auto = batch_sampler is not None or batch_size is not None
        self.collate_fn = collate_fn or (default_collate if auto else default_convert)
        self.seed = seed
        self.generator = generator if seed is None else _random.Generator(seed)
        # PyTorch's attributes: the sampler and batch sampler in use
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=self.generator) if shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.batch_sampler = batch_sampler
        self.epoch = 0                # epochs started
        self._taken = 0               # batches yielded in the current epoch
        self._in_epoch = False
        self._epoch_rng: dict | None = None   # stream state this epoch's permutation came from
        self._pending: tuple | None = None    # (order, start batch) restored by load_state_dict

    def _length(self) -> int | None:
        """The dataset's length (None: an IterableDataset without one)."""
        try:
            return len(self.dataset)
        except TypeError:
            if self._iterable:
                return None
            raise

    def __len__(self) -> int:
        if self._batch_sampler is not None:
            return len(self._batch_sampler)
        n = len(self._sampler) if self._sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _gen(self) -> _random.Generator:
        return self.generator if self.generator is not None else _random.default_generator

    def _order(self, rng_state: dict | None, n: int, replay: bool = False):
        """The epoch's plan: an index array (None: 0..n-1) or, with a batch_sampler, a list of
        index arrays.  ``replay``: the interrupted epoch's, after a state was loaded."""
        if self._batch_sampler is not None:
            bs = self._batch_sampler
            groups = bs._replay_batches() if replay and hasattr(bs, "_replay_batches") else iter(bs)
            return [np.asarray(list(b), dtype=np.int64).reshape(-1) for b in groups]
        if self._sampler is not None:
            again = getattr(self._sampler, "_replay_order", None) if replay else None
            return np.fromiter(again() if again is not None else iter(self._sampler), dtype=np.int64)
        if rng_state is None:
            return None
        g = _random.Generator()
        g.set_state(rng_state)
        return _random.permutation(n, generator=g)

    def __iter__(self) -> Iterator:
        n = None if self._iterable else len(self.dataset)
        if self._pending is not None:
            order, start = self._pending
            self._pending = None
        else:
            random_order = self.shuffle and self._sampler is None
            self._epoch_rng = self._gen().get_state() if random_order else None
            order = _random.permutation(n, generator=self._gen()) if random_order else None
            if self._sampler is not None or self._batch_sampler is not None:
                order = self._order(None, n)
            start = 0
            self.epoch += 1
            self._taken = 0
        self._in_epoch = True
        if self._iterable:
            return self._iterable_batches(start)
        return self._batches(order, start, n, self.batch_size)

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

    def _tasks(self, order, start: int, n: int, bs: int | None):
        """``(batch number, indices)`` from ``start``; the indices are one int without batching."""
        if isinstance(order, list):                   # a batch_sampler's batches
            yield from ((b, order[b]) for b in range(start, len(order)))
            return
        total = n if order is None else len(order)
        if bs is None:
            yield from ((b, b if order is None else int(order[b])) for b in range(start, total))
            return
        for b in range(start, total // bs if self.drop_last else -(-total // bs)):
            yield b, (order[b * bs:(b + 1) * bs] if order is not None
                      else np.arange(b * bs, min(n, (b + 1) * bs)))

    def _iterable_batches(self, start: int) -> Iterator:
        """An IterableDataset's batches, skipping the ``start`` already taken (a resume)."""
        bk = get_backend()
        if self.num_workers:
            source = self._worker_iterable()
        else:
            fetcher = IterableFetcher(self.batch_size, self.drop_last)
            source = _until_exhausted(lambda: fetcher(self.dataset, self.epoch, self._collate))
        b = 0
        for host in source:
            b += 1
            if b > start:
                self._taken = b
                yield finish(host, self._collate, bk)
        self._in_epoch = False

    def _batches(self, order, start: int, n: int, bs: int) -> Iterator:
        if self.num_workers:
            yield from self._worker_batches(order, start, n, bs)
            return
        bk = get_backend()
        for b, idx in self._tasks(order, start, n, bs):
            self._taken = b + 1
            yield finish(fetch(self.dataset, idx, self._collate), self._collate, bk)
        self._in_epoch = False

    def _workers(self, fetcher):
        from .multiprocess import WorkerPool
        pool = self._pool
        if pool is None or not pool.alive:
            gen = self._gen()
            pool = WorkerPool(self, fetcher, _mix(gen.initial_seed(), gen.offset, self.epoch))
            if self.persistent_workers:
                self._pool = pool
        return pool

    def _guarded(self, pool, results) -> Iterator:
        """``results`` of ``pool``; the workers stop at the end unless persistent, and on any error."""
        try:
            yield from results
        except GeneratorExit:  # the loop was left early: persistent workers stay
            raise
        except BaseException:
            pool.shutdown()    # a worker error or a timeout: never reuse these workers
            raise
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _worker_batches(self, order, start: int, n: int, bs: int | None) -> Iterator:
        bk = get_backend()
        pool = self._workers(fetch)
        b = start
        for host in self._guarded(pool, pool.run(self._tasks(order, start, n, bs))):
            b += 1
            self._taken = b
            yield finish(host, self._collate, bk)
        self._in_epoch = False

    def _worker_iterable(self) -> Iterator:
        pool = self._workers(IterableFetcher(self.batch_size, self.drop_last))
        return self._guarded(pool, pool.run_iterable())
