"""Gradient buckets: averaging gradients over ranks while backward is still running.

The :class:`Reducer` is shared by :class:`~portanet.distributed.DistributedDataParallel`
and :class:`~portanet.distributed.DistributedOptimizer`.  As in PyTorch's DDP:

* parameters are grouped into flat buckets in reverse registration order (backward
  produces the last layers' gradients first), by dtype and backend; a bucket is closed
  once it holds ``bucket_cap_mb`` megabytes, except the first, closed at 1 MiB so the
  first exchange starts early;
* a post-accumulate-grad hook on each parameter marks it ready when its ``.grad`` is
  final; when a bucket's last parameter is ready its gradients are flattened, copied
  to the host once, and a non-blocking ``MPI_Iallreduce`` starts, so the exchange
  overlaps the rest of backward (every later hook also drives MPI's progress).
  Buckets start strictly in index order (a ready bucket waits for the ones before
  it), so every rank issues the collectives in the same order whatever order its
  gradients arrive in, as MPI requires;
* when the last parameter is ready, the remaining buckets are waited on (with the
  deadline of :mod:`~portanet.distributed.failure`), divided by the number of ranks
  and written back into ``.grad``, so ``optimizer.step()`` sees averaged gradients.

``overlap=False`` starts every bucket only then (the reference the overlap is measured
against).  :attr:`Reducer.stats` keeps the timings of the last exchange.

Example:
    >>> reducer = Reducer(list(model.parameters()), bucket_cap_mb=25)
    >>> loss.backward()            # buckets travel during backward; .grad averaged at its end
"""
from __future__ import annotations

import time
import numpy as np

from ..autograd.tensor import Tensor
from ..backend import dtype_name
from . import comm, failure
from .flat import flatten, unflatten
from .staging import HostStage, stage_for

__all__ = ["Reducer", "Bucket", "assign_buckets", "FIRST_BUCKET_BYTES"]

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's _DEFAULT_FIRST_BUCKET_BYTES


class Bucket:
    """Parameters whose gradients travel together as one flat array."""

    def __init__(self, index: int, params: list):
        self.index = index
        self.params = params
        self.shapes = [p.shape for p in params]
        self.offsets, n = [], 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        self.numel = n
        self.bk = params[0]._bk
        self.ready = 0
        self.stage: HostStage | None = None
        self.request = None
        self.send = self.recv = None
        self.t_launch = self.t_done = 0.0

    def __repr__(self) -> str:
        return f"Bucket({self.index}, {len(self.params)} tensors, {self.numel} values)"


def assign_buckets(params: list, bucket_cap_mb: float) -> list:
    """Split ``params`` (already in reverse registration order) into buckets."""
    limit = bucket_cap_mb * 1024 * 1024
    open_: dict = {}          # (backend, dtype) -> [params, bytes, first?]
    done = []
    for p in params:
        key = (id(p._bk), dtype_name(p.dtype))
        cur = open_.setdefault(key, [[], 0, True])
        cur[0].append(p)
        cur[1] += p.numel() * np.dtype(dtype_name(p.dtype)).itemsize
        cap = min(limit, FIRST_BUCKET_BYTES) if cur[2] else limit
        if cur[1] >= cap:
            done.append(cur[0])
            open_[key] = [[], 0, False]
    done += [c[0] for c in open_.values() if c[0]]
    return [Bucket(i, ps) for i, ps in enumerate(done)]


class _Stats:
    """Timings (``time.perf_counter``) of the last exchange, for benchmarks."""

    def __init__(self):
        self.first_ready = self.last_ready = self.finished = 0.0
        self.buckets: list = []   # (launch, done) per bucket, in launch order


class Reducer:
    """Averages the gradients of ``params`` over all ranks, bucket by bucket, during backward.

    Args:
        params: the parameters (those with ``requires_grad``), in registration order.
        names: their names, for messages.
        bucket_cap_mb: bucket size in megabytes (MiB).
        overlap: start each bucket as soon as it is ready (else all at the end).
        passes: backward passes per exchange (Horovod's ``backward_passes_per_step``).
        who: the public name used in error messages.
    """

    def __init__(self, params: list, names: list | None = None, bucket_cap_mb: float = 25.0,
                 overlap: bool = True, passes: int = 1, track_unused: bool = False,
                 who: str = "DistributedDataParallel"):
        if not bucket_cap_mb > 0:
            raise ValueError(f"{who}: bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        if isinstance(passes, bool) or not isinstance(passes, int) or passes < 1:
            raise ValueError(f"{who}: backward_passes_per_step must be a positive integer, got {passes!r}")
        self.who, self.overlap, self.passes = who, bool(overlap), passes
        self.track_unused = bool(track_unused)   # must be the same setting on every rank
        self.params = [p for p in params if p.requires_grad]
        names = names or [f"parameter {i}" for i in range(len(params))]
        self.names = {id(p): n for p, n in zip(params, names)}
        self.buckets = assign_buckets(self.params[::-1], bucket_cap_mb)
        self.where = {id(p): (b, i) for b in self.buckets for i, p in enumerate(b.params)}
        self.marked = {id(p): False for p in self.params}
        self.used = {id(p): False for p in self.params}
        self.next_bucket = 0
        self.calls = {id(p): 0 for p in self.params}
        self.n_ready = 0
        self.require_sync = True       # False inside no_sync()
        self.stats = _Stats()
        self.handles = [p.register_post_accumulate_grad_hook(self._on_grad) for p in self.params]

    def remove(self) -> None:
        """Unregister the hooks (the parameters go back to plain local gradients)."""
        for h in self.handles:
            h.remove()
        self.handles = []

    # ------------------------------------------------------------ backward side
    def _on_grad(self, p: Tensor) -> None:
        if not self.require_sync:
            return
        key = id(p)
        if self.passes > 1:
            c = self.calls[key] + 1
            self.calls[key] = 0 if c == self.passes else c
            if c < self.passes:
                return
        self.used[key] = True
        self._mark(key, time.perf_counter())

    def _mark(self, key: int, now: float) -> None:
        if self.marked[key]:
            raise RuntimeError(f"{self.who}: {self.names[key]!r} received its gradient twice before "
                               "the gradients were exchanged: " + self._unfinished_hint())
        self.marked[key] = True
        if self.n_ready == 0:
            self.stats = _Stats()
            self.stats.first_ready = now
        self.n_ready += 1
        b, _ = self.where[key]
        b.ready += 1
        if self.overlap and b.ready == len(b.params):
            self._launch_ready()
        self._progress()
        if self.n_ready == len(self.params):
            self.stats.last_ready = now
            self._finish()

    def mark_unused(self, params: list) -> None:
        """Count ``params`` as ready with no gradient this step (``find_unused_parameters``)."""
        now = time.perf_counter()
        for p in params:
            if not self.marked[id(p)]:
                self._mark(id(p), now)

    def _progress(self) -> None:
        # MPICH moves a non-blocking collective forward only inside MPI calls: testing
        # the buckets in flight at every hook keeps them moving during backward
        for b in self.buckets:
            if b.request is not None and not b.t_done and b.request.Test():
                b.t_done = time.perf_counter()

    def _launch_ready(self) -> None:
        buckets = self.buckets
        while self.next_bucket < len(buckets) and buckets[self.next_bucket].ready == len(buckets[self.next_bucket].params):
            self._launch(buckets[self.next_bucket])
            self.next_bucket += 1

    def _launch(self, b: Bucket) -> None:
        from mpi4py import MPI
        xp = b.bk.xp
        grads = [p.grad.array if p.grad is not None else xp.zeros_like(p.array) for p in b.params]
        flat = flatten(grads, xp)
        if b.stage is None:
            b.stage = stage_for(flat, b.bk)
        b.send = b.stage.to_host(flat)
        b.recv = b.stage.recv_buffer(b.send)
        b.t_launch, b.t_done = time.perf_counter(), 0.0
        b.request = comm.world().Iallreduce(b.send, b.recv, op=MPI.SUM)

    def _finish(self) -> None:
        from mpi4py import MPI
        self._launch_ready()                 # every bucket is ready now: start the rest in order
        used = None
        if self.track_unused:                # how many ranks produced each gradient
            mine = np.array([self.used[id(p)] for p in self.params], dtype=np.int32)
            used = np.empty_like(mine)
            used_req = comm.world().Iallreduce(mine, used, op=MPI.SUM)
        size = comm.size()
        for b in self.buckets:
            failure.wait([b.request], f"{self.who}: the gradient allreduce of bucket {b.index}")
            b.t_done = b.t_done or time.perf_counter()
            self.stats.buckets.append((b.t_launch, b.t_done))
        if used is not None:
            failure.wait([used_req], f"{self.who}: the allreduce of the used-parameter map")
            unused_everywhere = {id(p) for p, n in zip(self.params, used) if n == 0}
        self.stats.finished = time.perf_counter()
        for b in self.buckets:
            b.recv *= b.recv.dtype.type(1.0 / size)
            flat = b.stage.from_host(b.recv)
            for p, g in zip(b.params, unflatten(flat, b.shapes, b.offsets, b.bk.xp)):
                if used is not None and id(p) in unused_everywhere:
                    continue                 # no rank produced it: .grad stays as it was, as in PyTorch
                if p.grad is None:
                    p.grad = Tensor.from_array(g, p._bk)
                else:
                    p.grad.array = g
            b.request, b.send, b.recv, b.ready = None, None, None, 0
        for k in self.marked:
            self.marked[k] = self.used[k] = False
        self.n_ready = 0
        self.next_bucket = 0

    # ------------------------------------------------------------ step side
    @property
    def pending(self) -> bool:
        """True between the first ready gradient of a step and the end of its exchange."""
        return self.n_ready > 0

    def _unfinished_hint(self) -> str:
        missing = [self.names[k] for k, m in self.marked.items() if not m]
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        fix = ("pass find_unused_parameters=True to DistributedDataParallel"
               if self.who == "DistributedDataParallel" else "call optimizer.synchronize() before "
               "another backward (step() does)")
        return (f"the previous exchange never finished because {len(missing)} parameter(s) "
                f"received no gradient ({shown}); for parameters that take no part in the loss, {fix}")

    def check_finished(self) -> None:
        """Raise if the previous step's exchange is incomplete (PyTorch checks at forward)."""
        if self.pending:
            raise RuntimeError(f"{self.who}: expected to have finished the gradient exchange of the "
                               f"previous iteration before starting a new one; {self._unfinished_hint()}")

    def synchronize(self) -> None:
        """Finish this step's exchange now, counting parameters without gradient as zero.

        Horovod's ``optimizer.synchronize()``: after ``backward`` it is a no-op, because
        the exchange already finished with the last gradient.
        """
        if self.pending:
            self.mark_unused([p for p in self.params if not self.marked[id(p)]])
