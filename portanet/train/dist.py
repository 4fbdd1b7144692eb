"""What ``fit`` needs to know about MPI ranks; nothing here imports mpi4py by itself.

Without ``pn.distributed.init()`` every function answers as for one process, so the
single-process loop pays one attribute look-up per epoch for all of this.
"""
from __future__ import annotations

from typing import Any


def world() -> tuple[int, int]:
    """``(rank, world size)``, ``(0, 1)`` when MPI was not initialized."""
    from ..distributed import comm
    if not comm.is_initialized():
        return 0, 1
    return comm.rank(), comm.size()


def sum_over_ranks(values: list) -> list:
    """Element-wise sum of a list of floats over all ranks (float64 on the host)."""
    from ..distributed import comm
    return comm.allreduce_floats(values, op="sum")


def unwrap(model: Any) -> Any:
    """The module inside a DistributedDataParallel wrapper (checkpoints hold it unwrapped)."""
    from ..distributed.ddp import DistributedDataParallel
    return model.module if isinstance(model, DistributedDataParallel) else model


def set_sampler_epoch(loader: Any, epoch: int) -> None:
    """Give a distributed sampler its epoch (0-based), as Lightning does, so every epoch
    has its own order; in a hand-written loop call ``sampler.set_epoch`` yourself."""
    sampler = getattr(loader, "sampler", None)
    if sampler is not None and hasattr(sampler, "set_epoch"):
        sampler.set_epoch(epoch)


def shard_for_evaluation(data: Any) -> Any:
    """Under MPI, rank r of R evaluates samples r, r+R, r+2R ... of arrays or a Dataset.

    No padding, unlike training's DistributedSampler: the reduced means then count each
    validation sample exactly once.  A DataLoader is used as it is (its reduced means are
    right whether it is sharded or every rank sees all of it).
    """
    from ..data import Dataset, Subset, TensorDataset
    rank, size = world()
    if size == 1:
        return data
    if isinstance(data, tuple):
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        return data
    return Subset(data, range(rank, len(data), size))


def shard_for_training(data: Any) -> Any:
    """Under MPI, arrays or a Dataset given to fit get a DistributedSampler (shuffled,
    seeded with the global stream's seed, so ``pn.manual_seed`` picks the order)."""
    from .. import random as _random
    from ..data import Dataset, DistributedSampler, TensorDataset
    rank, size = world()
    if size == 1:
        return None
    if isinstance(data, tuple):
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        return None
    return data, DistributedSampler(data, num_replicas=size, rank=rank, shuffle=True,
                                    seed=_random.default_generator.initial_seed())
