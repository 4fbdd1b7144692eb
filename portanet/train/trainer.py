"""``Trainer``: the loop behind :func:`portanet.train.fit`, with seams inside the step.

:meth:`Trainer.train_step` is forward, loss, backward, then two callback seams, then
the optimizer step::

    optimizer.zero_grad(); out = model(*inputs); loss = loss_fn(out, target)
    loss.backward()
    callback.on_after_backward(trainer, loss)          # local gradients complete
    callback.on_before_optimizer_step(trainer, opt)    # gradients final: clip, guard, log
    optimizer.step()

so gradient exchange, clipping and NaN guards plug in as callbacks without editing the
loop.  Under MPI (``pn.distributed.init()``) the same loop shows its progress bar and
writes checkpoints on rank 0 only, calls ``set_epoch`` on a distributed sampler, and
reduces losses and metrics over all ranks, so every rank sees the same logs and the
callbacks (early stopping, best-model checkpoints) take the same decisions everywhere.

Example:
    >>> class ClipGrad(pn.train.Callback):
    ...     def on_before_optimizer_step(self, trainer, optimizer):
    ...         pn.nn.utils.clip_grad_norm_(trainer.model.parameters(), 1.0)
    >>> trainer = pn.train.Trainer(model, F.cross_entropy, opt, loader, callbacks=[ClipGrad()],
    ...                            epochs=5, progress=False)
    >>> history = trainer.fit()
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any, Iterable, Sequence

from .. import io
from . import dist
from . import metrics as _metrics
from .callbacks import Callback, step_scheduler
from .evaluation import batch_values, evaluate_loader, log_names, split_batch, Sums
from .history import History
from .terminate import NonFiniteError, TerminateOnNaN

__all__ = ["Trainer"]


def _bar_enabled(progress: bool) -> bool:
    # quiet in logs and CI: a bar full of carriage returns is noise there
    return bool(progress) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _fmt(logs: dict) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k != "lr")


def _samples_per_epoch(loader: Any) -> int | None:
    dataset, bs = getattr(loader, "dataset", None), getattr(loader, "batch_size", None)
    if dataset is None or bs is None or not hasattr(loader, "__len__"):
        return None
    if getattr(loader, "drop_last", False):
        return len(loader) * bs
    sampler = getattr(loader, "sampler", None)
    return len(sampler) if sampler is not None else len(dataset)


def _overriding(callbacks: list, name: str) -> list:
    """The bound ``name`` hooks of the callbacks that override the base class's no-op.

    Per-step hooks run thousands of times: calling the no-ops would cost for nothing.
    Objects that are not :class:`Callback` subclasses may lack the newer hooks.
    """
    base = getattr(Callback, name)
    out = []
    for cb in callbacks:
        fn = getattr(cb, name, None)
        if fn is not None and getattr(fn, "__func__", None) is not base:
            out.append(fn)
    return out


class Trainer:
    """The training loop of :func:`fit`, and what a callback sees while it runs.

    Args:
        model, loss_fn, optimizer: as for :func:`fit`.
        loader: an iterable of batches ``(inputs..., target)`` (a DataLoader).
        scheduler: stepped once per epoch after validation, or ``None``.
        callbacks: :class:`Callback` objects.
        epochs: the epoch :meth:`fit` stops after (counting epochs done before a resume).
        metrics: names or ``fn(output, target)``, as for :func:`fit`.
        val_loader: evaluated after every epoch into ``val_*`` logs, or ``None``.
        progress: a tqdm bar per epoch when stderr is a terminal (rank 0 only).
        terminate_on_nan: add a :class:`TerminateOnNaN` (unless ``callbacks`` hold one):
            a NaN or infinite loss stops training with a :class:`NonFiniteError`.

    Attributes:
        model, optimizer, loss_fn, scheduler, loader: as given.
        history: the :class:`History` so far.
        epoch: the number of finished epochs.
        stop_training: set to True (e.g. by a callback) to stop after this epoch.
        callbacks: the callbacks, in the order they run.
        rank, world_size: this process's MPI rank and the number of ranks (0 and 1
            without ``pn.distributed.init()``).
        is_global_zero: True on rank 0, the one that shows progress and writes files.

    Example:
        >>> trainer = pn.train.Trainer(model, F.mse_loss, opt, loader, epochs=10,
        ...                            metrics=("mae",), progress=False)
        >>> trainer.fit().history["mae"][-1]
    """

    def __init__(self, model, loss_fn, optimizer, loader, scheduler=None, callbacks: Iterable = (),
                 epochs: int = 1, *, metrics: Sequence = ("accuracy",), val_loader: Any = None,
                 progress: bool = False, terminate_on_nan: bool = True):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.loader, self.scheduler, self.val_loader = loader, scheduler, val_loader
        self.metric_fns = [_metrics.get(m) for m in metrics]
        callbacks = list(callbacks)
        if terminate_on_nan and not any(isinstance(c, TerminateOnNaN) for c in callbacks):
            callbacks.append(TerminateOnNaN())
        self.callbacks = sorted(callbacks, key=lambda c: getattr(c, "_order", 0))
        self.epochs = epochs
        self.epoch = 0
        self.history = History()
        self.stop_training = False
        self.rank, self.world_size = dist.world()
        self.is_global_zero = self.rank == 0
        self._reduce = dist.sum_over_ranks if self.world_size > 1 else None
        self._show = _bar_enabled(progress) and self.is_global_zero
        self._after_backward = _overriding(self.callbacks, "on_after_backward")
        self._before_step = _overriding(self.callbacks, "on_before_optimizer_step")
        self._log = _overriding(self.callbacks, "on_log")
        self._epoch_done = True
        self._bar = None

    # ------------------------------------------------------------------ the loop
    def train_step(self, batch: Any) -> tuple:
        """One optimization step on ``batch``; returns ``(output, target, loss)``.

        Subclass and override to change the step; keep the two callback seams.
        """
        inputs, target = split_batch(batch)
        opt = self.optimizer
        opt.zero_grad()
        out = self.model(*inputs)
        loss = self.loss_fn(out, target)
        loss.backward()
        for fn in self._after_backward:
            fn(self, loss)
        for fn in self._before_step:
            fn(self, opt)
        opt.step()
        return out, target, loss

    def train_epoch(self, epoch: int) -> dict:
        """Run epoch ``epoch`` (1-based) over the loader; returns its training logs."""
        from tqdm import tqdm
        dist.set_sampler_epoch(self.loader, epoch - 1)
        total = _samples_per_epoch(self.loader)
        scale = self.world_size                 # the bar counts every rank's samples
        bar = tqdm(total=None if total is None else total * scale, desc=f"epoch {epoch}/{self.epochs}",
                   unit="sample", unit_scale=True, disable=not self._show, leave=True,
                   dynamic_ncols=True, file=sys.stderr)
        self._bar = bar
        sums = Sums()
        last = time.perf_counter()
        batch_end = self.callbacks
        steps = 0
        self._epoch_done = False
        for b, batch in enumerate(self.loader):
            out, target, loss = self.train_step(batch)
            n = batch[0].shape[0]                 # train_step checked the batch's form
            sums.add(batch_values(self.metric_fns, out, target, loss), n, out._bk.xp)
            steps = b + 1
            for cb in batch_end:
                cb.on_batch_end(self, b, {"loss": loss, "size": n})
            if self._show:
                bar.update(n * scale)
                now = time.perf_counter()
                if now - last > 0.25:  # reading the sums back syncs a GPU: only a few times a second
                    running = sums.means()                # rank 0's own so far
                    bar.set_postfix_str(_fmt(running), refresh=False)
                    last = now
                    if self.world_size == 1:              # one rank alone must not stop
                        for fn in self._log:
                            fn(self, epoch, steps, running)
        if steps == 0 and self.world_size == 1:
            raise ValueError(f"fit: epoch {epoch} got no batch from the training data (an exhausted "
                             "iterator, an empty dataset, or drop_last=True with fewer samples than "
                             "batch_size): nothing would be trained")
        names = log_names(self.loss_fn, self.metric_fns) if self._reduce is not None else None
        logs = sums.means(self._reduce, names)
        self._epoch_done = True
        for fn in self._log:
            fn(self, epoch, steps, logs)
        return logs

    def validate(self) -> dict:
        """Loss and metrics on the validation loader (reduced over ranks), as ``val_*`` logs."""
        if self.val_loader is None:
            return {}
        logs = evaluate_loader(self.model, self.loss_fn, self.val_loader, self.metric_fns, self._reduce)
        return {"val_" + k: v for k, v in logs.items()}

    def fit(self, resume: str | os.PathLike | None = None) -> History:
        """Train until epoch :attr:`epochs` (or a callback stops it); returns the History.

        Args:
            resume: a checkpoint written by :meth:`save_checkpoint` to continue from.
        """
        if resume is not None:
            self.restore(resume)
        if self.epochs - self.epoch > 1 and isinstance(self.loader, Iterator):
            raise TypeError(
                f"fit: the training data is a one-shot iterator ({type(self.loader).__name__}): it "
                f"would be used up by the first epoch and the other {self.epochs - self.epoch - 1} "
                "would train on nothing. Pass a DataLoader, a Dataset, a tuple (x, y), or an object "
                "whose __iter__ starts over (e.g. a class whose __iter__ calls your generator "
                "function); or train one epoch per call")
        for cb in self.callbacks:
            cb.on_train_begin(self)
        try:
            self._run_epochs()
        except NonFiniteError as e:   # TerminateOnNaN: let callbacks finish, then tell
            if self._bar is not None:
                self._bar.close()
            for cb in self.callbacks:
                cb.on_train_end(self)
            e.history = self.history
            raise
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history

    def _run_epochs(self) -> None:
        opt = self.optimizer
        for epoch in range(self.epoch + 1, self.epochs + 1):
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            self.model.train()
            lr = opt.param_groups[0]["lr"] if hasattr(opt, "param_groups") else None
            logs = self.train_epoch(epoch)
            logs.update(self.validate())
            if lr is not None:
                logs["lr"] = lr
            if self.scheduler is not None:
                step_scheduler(self.scheduler, logs, None)
            self.epoch = epoch
            self.history.append(epoch, logs)
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            if self._show:
                self._bar.set_postfix_str(_fmt(logs))
            self._bar.close()
            self._bar = None
            if self.stop_training:
                break

    # ------------------------------------------------------------ checkpoints
    def _stateful(self) -> list:
        # numbered among the callbacks with state only, so that adding a stateless one
        # (TerminateOnNaN, a LambdaCallback) does not change which state goes where
        return list(enumerate(c for c in self.callbacks if hasattr(c, "state_dict")))

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the whole training state to ``path``; ``fit(..., resume=path)`` continues it.

        Under MPI only rank 0 writes (every rank holds the same state); the others
        return at once.  A :class:`~portanet.distributed.DistributedDataParallel` model
        is saved unwrapped, so the file also resumes a single-process run.  A state
        whose weights or optimizer state hold NaN or infinity is refused
        (:class:`NonFiniteError`) and any previous file is left as it was: a resume
        point is never replaced by a diverged one.
        """
        if not self.is_global_zero:
            return
        loader = self.loader if hasattr(self.loader, "state_dict") else None
        io.save_checkpoint(path, model=dist.unwrap(self.model), optimizer=self.optimizer,
                           scheduler=self.scheduler, loader=loader, epoch=self.epoch,
                           history=self.history.state_dict(), check_finite=True,
                           callbacks={str(i): c.state_dict() for i, c in self._stateful()})

    def restore(self, path: str | os.PathLike) -> None:
        """Load a checkpoint written by :meth:`save_checkpoint` into every object of this run.

        All or nothing: the model, optimizer, scheduler, loader (and its sampler),
        callbacks, history, epoch and random stream are each checked against the file
        before any of them changes, so a refusal leaves the run exactly as it was.
        Under MPI every rank reads the same file.  A run with another number of ranks
        resumes only if its loader divides the data the same way (same global batch,
        same padded epoch); the loader's check says otherwise.
        """
        from .. import random as _random
        who = "fit(resume=...)"
        state = io.read_checkpoint(path, who)
        saved = state.get("callbacks", {})
        mine = {str(i): c for i, c in self._stateful()}
        if set(saved) != set(mine):
            raise ValueError(f"{who}: the checkpoint holds the state of {len(saved)} "
                             f"callbacks with state, this run has {len(mine)}; pass the same callbacks")
        if (self.scheduler is None) != ("scheduler" not in state):
            raise ValueError(f"{who}: the checkpoint was written "
                             f"{'with' if 'scheduler' in state else 'without'} a scheduler, "
                             f"this run has {'one' if self.scheduler is not None else 'none'}")
        absent = [k for k in ("model", "optimizer", "history", "epoch", "rng") if k not in state]
        if absent:
            raise io.CheckpointError(f"{who}: {os.fspath(path)!r} holds no {', '.join(absent)}: it "
                                     "was not written by Trainer.save_checkpoint / ModelCheckpoint")
        try:
            epoch = int(state["epoch"])
        except (TypeError, ValueError):
            raise io.CheckpointError(f"{who}: the epoch {state['epoch']!r} in {os.fspath(path)!r} "
                                     "is not an integer") from None
        parts = []
        if "loader" in state and hasattr(self.loader, "load_state_dict"):
            parts.append(("loader", self.loader, state["loader"]))
        parts += [("model", dist.unwrap(self.model), state["model"]),
                  ("optimizer", self.optimizer, state["optimizer"])]
        if self.scheduler is not None:
            parts.append(("scheduler", self.scheduler, state["scheduler"]))
        parts += [(f"callback {type(c).__name__}", c, saved[k]) for k, c in mine.items()]
        parts += [("history", self.history, state["history"]),
                  ("random stream", _random.default_generator, state["rng"])]
        io.restore_all(parts, who)
        self.epoch = epoch
