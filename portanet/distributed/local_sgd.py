"""Local SGD: each rank steps on its own gradients; every ``k`` steps the models are averaged.

Synchronous data parallelism exchanges all gradients at every step.  Local SGD
(Stich, "Local SGD converges fast and communicates little", ICLR 2019; Lin et al.,
"Don't use large mini-batches, use local SGD", ICLR 2020) lets the replicas drift for
``average_every`` steps and then replaces every replica's parameters by their mean:
``k`` times less communication.

When it helps: when communication, not computation, bounds the step, i.e. ranks on
different machines joined by an ordinary network, large models on small batches, or
many ranks; the model is averaged, not the gradients, so the cost per exchange is the
same but it happens ``k`` times less often.  For plain SGD (with or without momentum)
and ``k = 1`` it is exactly synchronous data parallelism (the update is linear in the
gradient).  It costs accuracy when the replicas drift far apart: early in training
(use ``warmup_steps``, averaging every step at first), with large learning rates or
large ``k`` (``k`` of 4 to 16 is the usual range), and with adaptive optimizers
(Adam's moment estimates stay local and are never averaged).  On one machine, where
an allreduce of a few megabytes takes about a millisecond, synchronous training is
usually the better choice.

Example:
    >>> pn.distributed.init()
    >>> opt = pn.distributed.LocalSGD(pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    ...                               average_every=8, warmup_steps=100)
    >>> for xb, yb in loader:      # loader with a DistributedSampler; model NOT wrapped in DDP
    ...     opt.zero_grad(); F.cross_entropy(model(xb), yb).backward(); opt.step()
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import comm, failure
from .flat import check_same_structure, flat_groups
from .optimizer import wrap_optimizer

__all__ = ["LocalSGD", "average_parameters"]


def average_parameters(params: Any) -> None:
    """Replace each parameter by its mean over all ranks (one allreduce per dtype).

    Example:
        >>> pn.distributed.average_parameters(model.parameters())
    """
    from mpi4py import MPI
    tensors = list(params)
    size = comm.size()
    for group in flat_groups(tensors):
        host = group.to_host()
        out = np.empty_like(host)
        failure.wait([comm.world().Iallreduce(host, out, op=MPI.SUM)], "average_parameters")
        out *= out.dtype.type(1.0 / size)
        group.write_arrays(out, "average_parameters (local SGD)")


class LocalSGD:
    """Periodic parameter averaging around any optimizer (PyTorch's ``PostLocalSGDOptimizer``
    with a ``PeriodicModelAverager``, in one object).

    Args:
        optimizer: any portanet optimizer over this rank's (unwrapped) model.
        average_every: average the parameters after every ``k``-th step (``k >= 1``).
        warmup_steps: average after every one of the first ``warmup_steps`` steps.

    At construction rank 0's parameters are broadcast (after checking that every rank
    has the same shapes).  Returns an object of a subclass of ``type(optimizer)``
    sharing its state; ``state_dict`` also holds the step counter, so a resumed run
    averages at the same steps.  Optimizer state (momentum, Adam's moments) stays local.

    Example:
        >>> opt = pn.distributed.LocalSGD(pn.optim.SGD(model.parameters(), lr=0.05), average_every=4)
    """

    def __new__(cls, optimizer: Any, *args, **kwargs):
        return wrap_optimizer(LocalSGD, optimizer, "LocalSGD")

    def __init__(self, optimizer: Any, average_every: int, warmup_steps: int = 0):
        for name, v, low in (("average_every", average_every, 1), ("warmup_steps", warmup_steps, 0)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"LocalSGD: {name} must be an integer >= {low}, got {v!r}")
        self.average_every, self.warmup_steps = average_every, warmup_steps
        self.local_step = 0
        params = [p for g in self.param_groups for p in g["params"]]
        named = [(f"parameter {i}", p) for i, p in enumerate(params)]
        check_same_structure(named, "LocalSGD")
        comm.broadcast_tensors(params, root=0)

    def step(self, closure: Callable[[], Any] | None = None):
        """One local step; then, on averaging steps, the parameters' mean over ranks."""
        loss = super().step(closure)
        self.local_step += 1
        after_warmup = self.local_step - self.warmup_steps
        if after_warmup <= 0 or after_warmup % self.average_every == 0:
            average_parameters(p for g in self.param_groups for p in g["params"])
        return loss

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["local_sgd"] = {"local_step": self.local_step, "average_every": self.average_every,
                              "warmup_steps": self.warmup_steps}
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        self._prepare_load_state_dict(state_dict)()

    def _prepare_load_state_dict(self, state_dict: dict):
        """Check ``state_dict``, changing nothing; returns the function that applies it."""
        commit = super()._prepare_load_state_dict(state_dict)
        step = self.local_step
        if "local_sgd" in state_dict:
            try:
                step = int(state_dict["local_sgd"]["local_step"])
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"LocalSGD.load_state_dict: invalid local_sgd entry ({e!r})") from None

        def apply():
            commit()
            self.local_step = step
        return apply
