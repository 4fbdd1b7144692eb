"""``DistributedDataParallel``: one model replica per process, gradients averaged in buckets.

Each rank runs forward and backward on its own part of the batch; during backward the
:class:`~portanet.distributed.buckets.Reducer` averages the gradients over all ranks
bucket by bucket, overlapping communication with the rest of backward.  After
``loss.backward()`` every rank holds the same averaged ``.grad``, so the same
``optimizer.step()`` keeps the replicas identical.

At construction the ranks compare their models (a differing shape raises on every
rank, naming both shapes) and rank 0's parameters and buffers are broadcast, so the
replicas start equal even without a common seed.

Example:
    >>> pn.distributed.init()
    >>> model = pn.distributed.DistributedDataParallel(build_model())
    >>> opt = pn.optim.SGD(model.parameters(), lr=0.1)
    >>> for xb, yb in loader:                       # loader with a DistributedSampler
    ...     opt.zero_grad(); F.cross_entropy(model(xb), yb).backward(); opt.step()
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ..autograd.function import AccumulateGrad, is_grad_enabled
from ..autograd.tensor import Tensor
from ..nn.module import Module
from . import comm
from .buckets import Reducer
from .flat import check_same_structure, named_tensors

__all__ = ["DistributedDataParallel"]


def _tensors(obj: Any) -> Iterator[Tensor]:
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


def reachable_leaves(outputs: Any) -> set:
    """ids of the leaf tensors requiring grad that ``outputs``' graph reaches (one walk)."""
    leaves, seen, stack = set(), set(), []
    for t in _tensors(outputs):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for nxt, _ in node.next_functions:
            if isinstance(nxt, AccumulateGrad):
                leaves.add(id(nxt.variable))
            elif nxt is not None:
                stack.append(nxt)
    return leaves


class DistributedDataParallel(Module):
    """Data-parallel wrapper of ``module`` (``torch.nn.parallel.DistributedDataParallel``).

    Args:
        module: the model, built the same way on every rank.
        bucket_cap_mb: bucket size in MiB (PyTorch's name; default 25).  The first
            bucket closes at 1 MiB, as in PyTorch.  ``bucket_mb`` is accepted as an alias.
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm running statistics)
            to every rank before each forward in training mode.
        find_unused_parameters: walk the graph after forward and count parameters it
            does not reach as ready with no gradient (needed when some parameters take
            no part in the loss; costs one graph walk per step).  A parameter no rank
            used keeps its ``.grad``, as in PyTorch.
        overlap: start each bucket's allreduce as soon as its gradients are final;
            ``False`` starts them all after backward (for comparison).

    Attributes:
        module: the wrapped model (``state_dict`` keys start with ``"module."``, as in
            PyTorch; ``pn.train.fit`` checkpoints the unwrapped model).
        reducer: the :class:`~portanet.distributed.buckets.Reducer` (buckets, timings).

    Departure from PyTorch: the exchange is finished inside the last parameter's
    gradient hook rather than by an engine callback at the very end of backward.

    Overlap: MPICH moves a non-blocking allreduce forward only while the process is
    inside an MPI call; the reducer tests the buckets in flight at every gradient hook,
    but not during a layer's backward arithmetic.  Where each rank has a spare core,
    ``MPIR_CVAR_ASYNC_PROGRESS=1 mpiexec ...`` gives MPICH a progress thread that moves
    the buckets during the arithmetic too (``benchmarks/bench_ddp.py`` measures both).

    Example:
        >>> ddp = pn.distributed.DistributedDataParallel(model, bucket_cap_mb=10)
        >>> with ddp.no_sync():                       # accumulate locally ...
        ...     F.mse_loss(ddp(x1), y1).backward()
        >>> F.mse_loss(ddp(x2), y2).backward()         # ... and exchange once
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25.0, broadcast_buffers: bool = True,
                 find_unused_parameters: bool = False, overlap: bool = True, *,
                 bucket_mb: float | None = None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a portanet Module, "
                            f"got {type(module).__name__}")
        comm.world()                                   # raises before init()
        self.module = module
        named = named_tensors(module, "DistributedDataParallel")
        check_same_structure(named, "DistributedDataParallel")
        comm.broadcast_parameters(named, root=0)
        params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.reducer = Reducer([p for _, p in params], [n for n, _ in params],
                               bucket_mb if bucket_mb is not None else bucket_cap_mb, overlap=overlap,
                               track_unused=self.find_unused_parameters, who="DistributedDataParallel")

    def forward(self, *args, **kwargs):
        reducer = self.reducer
        reducer.check_finished()
        if self.broadcast_buffers and self.training and comm.size() > 1:
            buffers = [b for _, b in self.module.named_buffers() if b is not None]
            if buffers:                       # checked at construction: no structure check here
                comm.broadcast_tensors(buffers, root=0)
        out = self.module(*args, **kwargs)
        if self.find_unused_parameters and reducer.require_sync and is_grad_enabled():
            reached = reachable_leaves(out)
            reducer.mark_unused([p for p in reducer.params if id(p) not in reached])
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Inside: backward accumulates local gradients without exchanging them; the first
        backward after the block exchanges the accumulated gradients.

        Example:
            >>> with ddp.no_sync():
            ...     for xb, yb in micro_batches[:-1]:
            ...         F.cross_entropy(ddp(xb), yb).backward()
            >>> F.cross_entropy(ddp(micro_batches[-1][0]), micro_batches[-1][1]).backward()
        """
        old = self.reducer.require_sync
        self.reducer.require_sync = False
        try:
            yield
        finally:
            self.reducer.require_sync = old

    def extra_repr(self) -> str:
        r = self.reducer
        return f"buckets={len(r.buckets)}, overlap={r.overlap}, world_size={comm.size()}"
