"""What runs inside a DataLoader worker process: fetch and collate batches on the host.

A worker receives ``(token, batch number, indices)`` on its own index queue, gathers the
samples, collates them into host NumPy arrays and puts ``(token, batch number, batch)``
on the shared result queue.  It never touches the device: its current backend is NumPy,
so Tensors that a dataset or ``collate_fn`` makes there are plain host arrays, sent back
as :class:`HostTensor` and turned into Tensors of the main process's backend there.

Inside a worker :func:`get_worker_info` describes it (``id``, ``num_workers``, ``seed``,
``dataset``), as ``torch.utils.data.get_worker_info`` does.

Example:
    >>> def init(worker_id):
    ...     info = pn.utils.data.get_worker_info()
    ...     info.dataset.shard(info.id, info.num_workers)
    >>> loader = DataLoader(ds, batch_size=32, num_workers=2, worker_init_fn=init)
"""
from __future__ import annotations

import copy
import os
import queue
import random
import sys
import traceback
from multiprocessing.reduction import ForkingPickler
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info", "HostTensor", "ExceptionWrapper"]

# how often (seconds) an idle worker checks that the main process is still alive
STATUS_INTERVAL = 2.0


@dataclass(frozen=True)
class WorkerInfo:
    """The worker a piece of dataset code runs in.

    Attributes:
        id: this worker's number, ``0 .. num_workers - 1``.
        num_workers: how many workers the loader runs.
        seed: the seed of this worker's random streams (``random``, ``numpy.random`` and
            ``pn.random`` are seeded with it before ``worker_init_fn`` runs).
        dataset: this worker's copy of the dataset.
    """
    id: int
    num_workers: int
    seed: int
    dataset: Any


_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the worker process this runs in, ``None`` in the main process.

    Example:
        >>> pn.utils.data.get_worker_info() is None     # in the main process
        True
    """
    return _info


@dataclass
class HostTensor:
    """A Tensor made in a worker, carried to the main process as a host array."""
    array: np.ndarray
    requires_grad: bool = False


class ExceptionWrapper:
    """An exception raised in a worker, with its traceback as text (tracebacks don't pickle)."""

    def __init__(self, exc_info, where: str):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the worker's exception type in the main process, with the worker's traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:  # KeyError quotes its message: keep the newlines readable
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # an exception type whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


def to_host(obj: Any) -> Any:
    """Replace the Tensors in a (nested) batch by :class:`HostTensor` so it can be pickled."""
    from ..autograd.tensor import Tensor
    from ..backend import to_numpy
    if isinstance(obj, Tensor):
        return HostTensor(np.asarray(to_numpy(obj.array)), bool(obj.requires_grad))
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):   # a namedtuple
        return type(obj)(*(to_host(o) for o in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_host(o) for o in obj)
    if isinstance(obj, dict):
        return _remap(obj, to_host)
    return obj


def from_host(obj: Any, bk) -> Any:
    """The inverse of :func:`to_host` in the main process: HostTensors become Tensors on ``bk``."""
    from ..autograd.tensor import wrap
    if isinstance(obj, HostTensor):
        return wrap(bk.asarray(obj.array), bk, obj.requires_grad)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(from_host(o, bk) for o in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(from_host(o, bk) for o in obj)
    if isinstance(obj, dict):
        return _remap(obj, lambda v: from_host(v, bk))
    return obj


def _remap(obj: dict, f) -> dict:
    """``f`` applied to the values, in ``obj``'s dict type (OrderedDict, defaultdict ...)."""
    values = {k: f(v) for k, v in obj.items()}
    if type(obj) is dict:
        return values
    clone = copy.copy(obj)
    clone.update(values)
    return clone


def worker_loop(dataset, index_queue, result_queue, fetch, collate_fn, worker_id: int,
                num_workers: int, seed: int, worker_init_fn, parent_pid: int) -> None:
    """The body of a worker process (see the module docstring)."""
    global _info
    from .. import random as pn_random
    from ..backend import set_backend
    set_backend("numpy")           # host arrays only: a worker never touches the device
    _info = WorkerInfo(worker_id, num_workers, seed, dataset)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    pn_random.manual_seed(seed)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception:
            init_error = ExceptionWrapper(sys.exc_info(), where)
    while True:
        try:
            task = index_queue.get(timeout=STATUS_INTERVAL)
        except queue.Empty:
            if os.getppid() != parent_pid:   # the main process died: nobody will ask again
                break
            continue
        if task is None:                     # shut down; results nobody waits for are dropped
            result_queue.cancel_join_thread()
            break
        token, b, idx = task
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = to_host(fetch(dataset, idx, collate_fn))
            except Exception:
                data = ExceptionWrapper(sys.exc_info(), where)
        # pickled here, not in the queue's feeder thread: an unpicklable batch then becomes
        # an error the main process sees, instead of a lost batch and a hang
        try:
            blob = bytes(ForkingPickler.dumps((token, b, data)))
        except Exception:
            blob = bytes(ForkingPickler.dumps((token, b, ExceptionWrapper(sys.exc_info(), where))))
        result_queue.put(blob)
