"""Data-parallel training over MPI (mpi4py): one process per replica, on one machine or many.

Start N processes with ``mpiexec -n N python train.py``; each calls :func:`init`, trains
a replica of the model on its own part of the data (``pn.data.DistributedSampler``),
and the gradients are averaged across processes while backward runs
(:class:`DistributedDataParallel`, or Horovod's style :class:`DistributedOptimizer`),
or the models every ``k`` steps (:class:`LocalSGD`).  mpi4py is imported by
:func:`init` only: ``import portanet`` never needs it (``pip install 'portanet[mpi]'``).

Files: ``comm`` (init, rank, size, barrier, broadcasts, allreduce, all_gather),
``buckets`` (the gradient buckets shared by DDP and the optimizer wrapper), ``ddp``,
``optimizer``, ``local_sgd``, ``flat`` (flat buffers, model comparison), ``staging``
(host transfers, pinned on CuPy), ``failure`` (abort on error, bounded waits).

Example:
    >>> import portanet as pn
    >>> pn.distributed.init()
    >>> pn.manual_seed(0)                                   # same initialization everywhere
    >>> model = pn.distributed.DistributedDataParallel(build_model())
    >>> sampler = pn.data.DistributedSampler(train_set, shuffle=True, seed=0)
    >>> loader = pn.data.DataLoader(train_set, batch_size=64, sampler=sampler)
    >>> history = pn.train.fit(model, F.cross_entropy, pn.optim.Adam(model.parameters()),
    ...                        loader, epochs=10)         # bar and checkpoints on rank 0
"""
from .comm import (all_gather, all_gather_object, allreduce, barrier, broadcast_object,  # noqa: F401
                   broadcast_parameters, init, is_initialized, rank, size)
from .ddp import DistributedDataParallel  # noqa: F401
from .local_sgd import LocalSGD, average_parameters  # noqa: F401
from .optimizer import DistributedOptimizer  # noqa: F401

__all__ = ["init", "is_initialized", "rank", "size", "barrier", "broadcast_object",
           "all_gather_object", "allreduce", "all_gather", "broadcast_parameters",
           "DistributedDataParallel", "DistributedOptimizer", "LocalSGD", "average_parameters"]
