"""The process group on MPI: ``init``, ``rank``, ``size``, barrier, broadcasts, reductions.

Every process of ``mpiexec -n N python train.py`` calls :func:`init` once; ranks are
numbered 0..N-1.  mpi4py is imported by :func:`init` only, so ``import portanet``
never needs it.  Tensors travel through host NumPy buffers (one copy each way); every
collective is started non-blocking and waited on with the deadline of
:mod:`portanet.distributed.failure`, so a lost peer aborts the job instead of hanging it.

Departure from ``torch.distributed``: the reductions return new Tensors (as Horovod's
``hvd.allreduce`` does) rather than writing into their argument, and record no graph.

Example:
    >>> import portanet as pn
    >>> pn.distributed.init()
    >>> total = pn.distributed.allreduce(pn.tensor([float(pn.distributed.rank())]), op="sum")
"""
from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import to_numpy
from . import failure

__all__ = ["init", "is_initialized", "rank", "size", "barrier", "broadcast_object",
           "all_gather_object", "allreduce", "all_gather", "broadcast_parameters"]


class _World:
    comm: Any = None
    rank = 0
    size = 1


WORLD = _World()
_OPS = ("mean", "sum", "max")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("pn.distributed needs mpi4py and an MPI library: "
                          "pip install 'portanet[mpi]' (mpi4py and the mpich wheel)") from e
    return MPI


def init(timeout: float | None = None, abort_on_exception: bool = True) -> None:
    """Join the MPI job (``MPI_Init``); call once per process, before anything else here.

    Args:
        timeout: seconds a collective may wait for the other ranks before the job is
            aborted (default 300, or ``$PORTANET_DIST_TIMEOUT``).
        abort_on_exception: make an uncaught exception on any rank abort every rank.

    Also forks the random stream of dropout masks by rank (:func:`portanet.random.set_replica`):
    ``pn.manual_seed(s)`` then gives every rank the same initialization but its own masks,
    reproducibly; rank 0's masks are those of a single-process run.  Without ``mpiexec``
    this is a job of one rank.  Calling it again only changes ``timeout``.

    Example:
        >>> pn.distributed.init()
        >>> pn.distributed.rank(), pn.distributed.size()
        (0, 2)
    """
    if timeout is not None:
        if not timeout > 0:
            raise ValueError(f"pn.distributed.init: timeout must be positive seconds, got {timeout!r}")
        failure.SETTINGS.timeout = float(timeout)
    if WORLD.comm is not None:
        return
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD
    WORLD.rank, WORLD.size = comm.Get_rank(), comm.Get_size()
    WORLD.comm = comm
    from .. import random as _random
    _random.set_replica(WORLD.rank)
    if abort_on_exception:
        failure.install_excepthook()


def is_initialized() -> bool:
    """True once :func:`init` has run in this process."""
    return WORLD.comm is not None


def world():
    """The MPI communicator of the job; raises RuntimeError before :func:`init`."""
    if WORLD.comm is None:
        raise RuntimeError("pn.distributed has not been initialized: call pn.distributed.init() "
                           "first (and start the script with mpiexec -n N)")
    return WORLD.comm


def rank() -> int:
    """This process's number, 0..size()-1."""
    world()
    return WORLD.rank


def size() -> int:
    """The number of processes in the job."""
    world()
    return WORLD.size


def barrier() -> None:
    """Wait until every rank has reached this call."""
    failure.wait([world().Ibarrier()], "barrier")


def _bytes_bcast(data: bytes | None, root: int) -> bytes:
    comm = world()
    n = np.array([0 if data is None else len(data)], dtype=np.int64)
    failure.wait([comm.Ibcast(n, root=root)], "broadcast_object (size)")
    buf = np.frombuffer(data, np.uint8).copy() if WORLD.rank == root else np.empty(int(n[0]), np.uint8)
    failure.wait([comm.Ibcast(buf, root=root)], "broadcast_object")
    return buf.tobytes()


def _check_root(root: int, who: str) -> None:
    if not (isinstance(root, int) and 0 <= root < size()):
        raise ValueError(f"{who}: root must be a rank in [0, {size() - 1}], got {root!r}")


def broadcast_object(obj: Any = None, root: int = 0) -> Any:
    """``obj`` of rank ``root`` on every rank (pickled: only between trusted ranks).

    Example:
        >>> cfg = pn.distributed.broadcast_object(cfg if pn.distributed.rank() == 0 else None)
    """
    _check_root(root, "broadcast_object")
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) if WORLD.rank == root else None
    return pickle.loads(_bytes_bcast(data, root))


def all_gather_object(obj: Any) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank (pickled).

    Example:
        >>> names = pn.distributed.all_gather_object(socket.gethostname())
    """
    comm = world()
    data = np.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), np.uint8)
    counts = np.empty(WORLD.size, dtype=np.int64)
    failure.wait([comm.Iallgather(np.array([data.size], np.int64), counts)], "all_gather (sizes)")
    out = np.empty(int(counts.sum()), np.uint8)
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
    failure.wait([comm.Iallgatherv(data, [out, counts, displs, _mpi_byte()])], "all_gather")
    return [pickle.loads(out[d:d + c].tobytes()) for d, c in zip(displs, counts)]


def _mpi_byte():
    from mpi4py import MPI
    return MPI.BYTE


def _mpi_op(op: str, who: str):
    if op not in _OPS:
        raise ValueError(f"{who}: op must be one of {', '.join(map(repr, _OPS))}, got {op!r}")
    from mpi4py import MPI
    return MPI.MAX if op == "max" else MPI.SUM


def allreduce(tensor: Tensor, op: str = "mean") -> Tensor:
    """The element-wise mean, sum or max of ``tensor`` over all ranks, as a new Tensor.

    Args:
        tensor: a Tensor of the same shape and dtype on every rank.
        op: ``"mean"`` (floating tensors only), ``"sum"`` or ``"max"``.

    Example:
        >>> loss_avg = pn.distributed.allreduce(loss.detach(), op="mean")
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"allreduce: tensor must be a portanet Tensor, got {type(tensor).__name__}")
    if op not in _OPS:
        _mpi_op(op, "allreduce")                     # raises, naming the choices
    host = np.ascontiguousarray(to_numpy(tensor))
    if op == "mean" and host.dtype.kind != "f":
        raise TypeError(f"allreduce: op='mean' needs a floating tensor, got {host.dtype}; use op='sum'")
    comm = world()
    out = np.empty_like(host)
    failure.wait([comm.Iallreduce(host, out, op=_mpi_op(op, "allreduce"))], f"allreduce (op={op!r})")
    if op == "mean":
        out *= host.dtype.type(1.0 / WORLD.size)
    bk = tensor._bk
    return Tensor.from_array(bk.asarray(out, dtype=tensor.dtype), bk)


def allreduce_floats(values: list, op: str = "sum") -> list:
    """Element-wise reduction of a list of Python floats over ranks (float64)."""
    host = np.asarray(values, dtype=np.float64)
    out = np.empty_like(host)
    failure.wait([world().Iallreduce(host, out, op=_mpi_op(op, "allreduce"))], "allreduce of floats")
    if op == "mean":
        out /= WORLD.size
    return out.tolist()


def all_gather(tensor: Tensor) -> list:
    """Every rank's ``tensor`` (shapes may differ), as a list of Tensors indexed by rank.

    Example:
        >>> preds = pn.cat(pn.distributed.all_gather(local_preds))
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"all_gather: tensor must be a portanet Tensor, got {type(tensor).__name__}")
    bk = tensor._bk
    return [Tensor.from_array(bk.asarray(a, dtype=tensor.dtype), bk)
            for a in all_gather_object(np.ascontiguousarray(to_numpy(tensor)))]


def broadcast_parameters(params: Any, root: int = 0) -> None:
    """Overwrite parameters (and buffers) on every rank with rank ``root``'s values.

    Args:
        params: a Module (its parameters and buffers), a ``{name: Tensor}`` dict such as
            ``model.state_dict()``, or an iterable of Tensors or ``(name, Tensor)`` pairs.
        root: the rank whose values everyone gets.

    Raises ValueError on every rank, before anything changes, when the ranks' tensors
    differ in number, name, shape or dtype; the message names both shapes.

    Example:
        >>> pn.distributed.broadcast_parameters(model, root=0)
    """
    from .flat import check_same_structure, named_tensors
    _check_root(root, "broadcast_parameters")
    named = named_tensors(params, "broadcast_parameters")
    check_same_structure(named, "broadcast_parameters", reference=root)
    broadcast_tensors([t for _, t in named], root)


def broadcast_tensors(tensors: list, root: int = 0) -> None:
    """:func:`broadcast_parameters` without the structure check (one Ibcast per dtype)."""
    from .flat import flat_groups
    comm = world()
    for group in flat_groups(tensors):
        host = group.to_host() if WORLD.rank == root else group.empty_host()
        failure.wait([comm.Ibcast(host, root=root)], "broadcast_parameters")
        if WORLD.rank != root:
            group.write_arrays(host, "broadcast_parameters")
