"""The main process's side of DataLoader workers: start them, feed them, stop them.

Batch ``b`` of an epoch goes to worker ``b % num_workers`` (counted from the epoch's
first batch), at most ``prefetch_factor`` batches per worker in flight; results come
back on one queue in any order and are yielded in batch order, so the batches are the
ones the single-process loader gives, in the same order.

Start method: ``fork`` where the platform has it (Linux; not macOS, whose system
libraries are not fork-safe), else the platform's default.  Forking is the fast
choice (no re-import, no pickling of the dataset) and keeps lambdas and local classes
usable as ``collate_fn``/datasets, as PyTorch users expect on Linux.  Its known risk is
a lock held by another thread of the parent at the moment of the fork (a BLAS thread
pool, a CUDA context); a worker runs only host-side Python and NumPy code, never the
device, which is what makes it acceptable.  ``multiprocessing_context="spawn"`` (or
``"forkserver"``) is there for the rest; then the dataset, ``collate_fn`` and
``worker_init_fn`` must be picklable and the script needs its
``if __name__ == "__main__":`` guard.

Shutdown: at the end of an epoch (unless ``persistent_workers``), when the loop is left
early (the generator is closed), on any error, when the loader is garbage-collected
and at interpreter exit: each worker gets a stop message, is joined for a moment and
terminated if it has not exited.  Workers are daemons and also stop by themselves when
the main process disappears.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import time
import weakref
from multiprocessing.reduction import ForkingPickler

from .worker import STATUS_INTERVAL, ExceptionWrapper, worker_loop

__all__ = ["WorkerPool", "context"]


def context(spec):
    """The multiprocessing context for ``multiprocessing_context`` (None, a name, a context)."""
    if spec is None:
        if sys.platform != "darwin" and "fork" in mp.get_all_start_methods():
            return mp.get_context("fork")
        return mp.get_context()
    if isinstance(spec, str):
        if spec not in mp.get_all_start_methods():
            raise ValueError(f"DataLoader: multiprocessing_context option should specify a valid start "
                             f"method in {mp.get_all_start_methods()!r}, but got "
                             f"multiprocessing_context={spec!r}")
        return mp.get_context(spec)
    if not isinstance(spec, mp.context.BaseContext):
        raise TypeError(f"DataLoader: multiprocessing_context option should be a valid context object "
                        f"or a string specifying the start method, but got "
                        f"multiprocessing_context={spec!r}")
    return spec


def _shutdown(workers, index_queues, result_queue) -> None:
    for q in index_queues:
        try:
            q.put(None)
        except Exception:  # pragma: no cover - a queue already closed
            pass
    deadline = time.monotonic() + STATUS_INTERVAL
    for p in workers:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()
            p.join()
    for q in (*index_queues, result_queue):
        q.cancel_join_thread()
        q.close()


class WorkerPool:
    """``num_workers`` processes running :func:`portanet.data.worker.worker_loop`.

    Args:
        loader: the DataLoader (its dataset, collate_fn, worker_init_fn, settings).
        fetch: the host-side batch function the workers call.
        base_seed: worker ``i`` seeds its random streams with ``base_seed + i``.
    """

    def __init__(self, loader, fetch, base_seed: int):
        ctx = context(loader.multiprocessing_context)
        n = loader.num_workers
        self.num_workers, self.prefetch = n, loader.prefetch_factor
        self.timeout = loader.timeout
        self.result_queue = ctx.Queue()
        self.index_queues, self.workers = [], []
        self._token = 0
        # registered before the first start: a failed start still stops the ones running
        self._finalizer = weakref.finalize(self, _shutdown, self.workers, self.index_queues,
                                           self.result_queue)
        for i in range(n):
            iq = ctx.Queue()
            p = ctx.Process(target=worker_loop, daemon=True, name=f"DataLoader worker {i}",
                            args=(loader.dataset, iq, self.result_queue, fetch, loader._collate,
                                  i, n, base_seed + i, loader.worker_init_fn, os.getpid()))
            p.start()
            self.index_queues.append(iq)
            self.workers.append(p)

    @property
    def alive(self) -> bool:
        return self._finalizer.alive

    def shutdown(self) -> None:
        """Stop every worker now (idempotent)."""
        self._finalizer()

    def _get(self, since: float):
        """The next result, checking for dead workers and the loader's ``timeout``."""
        while True:
            wait = STATUS_INTERVAL
            if self.timeout > 0:
                wait = min(wait, self.timeout - (time.monotonic() - since))
                if wait <= 0:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")
            try:
                return ForkingPickler.loads(self.result_queue.get(timeout=wait))
            except queue.Empty:
                dead = [p.pid for p in self.workers if not p.is_alive()]
                if dead:
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) "
                                       "exited unexpectedly") from None

    def run(self, tasks):
        """Yield the host batches of ``tasks`` (``(batch number, indices)`` in order), in order.

        Raises the first worker exception with its traceback, ``RuntimeError`` on a
        timeout or a worker that died.
        """
        self._token += 1
        token, n, cap = self._token, self.num_workers, self.prefetch * self.num_workers
        tasks = iter(tasks)
        order: list[int] = []        # batch numbers sent, in order
        ready: dict = {}
        sent = 0

        def refill():
            nonlocal sent
            while len(order) < cap:
                task = next(tasks, None)
                if task is None:
                    return
                b, idx = task
                self.index_queues[sent % n].put((token, b, idx))
                order.append(b)
                sent += 1

        refill()
        while order:
            want = order[0]
            since = time.monotonic()
            while want not in ready:
                tok, b, data = self._get(since)
                if tok == token:     # else a leftover of an epoch that was left early
                    ready[b] = data
            order.pop(0)
            data = ready.pop(want)
            refill()
            if isinstance(data, ExceptionWrapper):
                data.reraise()
            yield data

    def run_iterable(self):
        """Yield an IterableDataset's host batches: requests round-robin over the workers
        whose iterator is not exhausted, results in request order (see data/iterable.py)."""
        from .iterable import Exhausted
        self._token += 1
        token, n, cap = self._token, self.num_workers, self.prefetch * self.num_workers
        active = [True] * n
        order: list[tuple[int, int]] = []   # (request number, worker) in flight, in order
        ready: dict = {}
        nxt = sent = 0

        def refill():
            nonlocal nxt, sent
            while len(order) < cap and any(active):
                while not active[nxt % n]:
                    nxt += 1
                w = nxt % n
                nxt += 1
                self.index_queues[w].put((token, sent, token))   # the epoch key: a fresh iterator
                order.append((sent, w))
                sent += 1

        refill()
        while order:
            want, w = order[0]
            since = time.monotonic()
            while want not in ready:
                tok, b, data = self._get(since)
                if tok == token:
                    ready[b] = data
            order.pop(0)
            data = ready.pop(want)
            if isinstance(data, Exhausted):
                active[w] = False
            refill()
            if isinstance(data, ExceptionWrapper):
                data.reraise()
            if not isinstance(data, Exhausted):
                yield data
