"""``DistributedOptimizer``: Horovod's style of data parallelism, around any optimizer.

The model stays unwrapped; the optimizer's parameters get the same gradient hooks and
buckets as :class:`~portanet.distributed.DistributedDataParallel` (one shared
:class:`~portanet.distributed.buckets.Reducer`), and ``step()`` first makes sure the
exchange has finished (``synchronize()``), counting a parameter without gradient as
zero, as Horovod does.  The result is an instance of a subclass of the optimizer's
own class sharing its state, so schedulers, ``state_dict`` and ``pn.train.fit`` see
the optimizer they expect.

Example:
    >>> pn.distributed.init()
    >>> opt = pn.optim.Adam(model.parameters(), lr=1e-3 * pn.distributed.size())
    >>> opt = pn.distributed.DistributedOptimizer(opt)
    >>> pn.distributed.broadcast_parameters(model, root=0)
    >>> loss.backward(); opt.step()
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable

from ..autograd.function import enable_grad
from ..optim.optimizer import Optimizer
from . import comm
from .buckets import Reducer
from .flat import check_same_structure

__all__ = ["DistributedOptimizer", "wrap_optimizer"]

_CLASSES: dict = {}


def wrap_optimizer(mixin: type, optimizer: Any, who: str) -> Any:
    """A new object of class ``(mixin, type(optimizer))`` sharing ``optimizer``'s state.

    As Horovod does, the wrapper *is* an optimizer of the same kind: ``isinstance(w, Adam)``
    holds and ``param_groups`` / ``state`` are the very objects of the original.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{who}: optimizer must be a portanet Optimizer, got {type(optimizer).__name__}")
    if isinstance(optimizer, mixin):
        raise TypeError(f"{who}: the optimizer is already wrapped by {mixin.__name__}")
    base = type(optimizer)
    cls = _CLASSES.get((mixin, base))
    if cls is None:
        cls = _CLASSES[(mixin, base)] = type(base.__name__, (mixin, base), {"__module__": base.__module__})
    obj = object.__new__(cls)
    obj.__dict__.update(optimizer.__dict__)
    return obj


class DistributedOptimizer:
    """Average gradients over ranks before each step (``horovod.torch.DistributedOptimizer``).

    Args:
        optimizer: any portanet optimizer (built on this rank's model).
        named_parameters: ``model.named_parameters()``, for names in messages.
        bucket_cap_mb: bucket size in MiB (as in DistributedDataParallel).
        backward_passes_per_step: backward passes accumulated locally before an exchange.
        overlap: start each bucket as soon as it is ready (else all after backward).

    Returns an object of a subclass of ``type(optimizer)`` that shares its state.
    Broadcast the initial parameters yourself (``broadcast_parameters``), as with Horovod.

    Example:
        >>> opt = pn.distributed.DistributedOptimizer(pn.optim.SGD(model.parameters(), lr=0.1),
        ...                                           named_parameters=model.named_parameters())
    """

    def __new__(cls, optimizer: Any, *args, **kwargs):
        return wrap_optimizer(DistributedOptimizer, optimizer, "DistributedOptimizer")

    def __init__(self, optimizer: Any, named_parameters: Any = None, bucket_cap_mb: float = 25.0,
                 backward_passes_per_step: int = 1, overlap: bool = True):
        params = [p for g in self.param_groups for p in g["params"]]
        names = {id(p): n for n, p in (named_parameters or [])}
        labels = [names.get(id(p), f"parameter {i}") for i, p in enumerate(params)]
        comm.world()
        check_same_structure(list(zip(labels, params)), "DistributedOptimizer")
        self.reducer = Reducer(params, labels, bucket_cap_mb, overlap=overlap,
                               passes=backward_passes_per_step, track_unused=True,
                               who="DistributedOptimizer")
        self._skip_sync = False

    def synchronize(self) -> None:
        """Finish this step's gradient exchange now (a no-op once backward has finished it)."""
        self.reducer.synchronize()

    @contextlib.contextmanager
    def skip_synchronize(self):
        """Inside, ``step()`` does not call :meth:`synchronize` (call it yourself before,
        e.g. to clip the averaged gradients), as in Horovod."""
        self._skip_sync = True
        try:
            yield
        finally:
            self._skip_sync = False

    def step(self, closure: Callable[[], Any] | None = None):
        """Finish the exchange (unless inside :meth:`skip_synchronize`), then step."""
        loss = None
        if closure is not None:                 # its backward exchanges the gradients
            with enable_grad():
                loss = closure()
        if not self._skip_sync:
            self.synchronize()
        super().step()
        return loss
