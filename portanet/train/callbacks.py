"""Callbacks of :func:`portanet.train.fit`: early stopping, checkpoints, LR schedules.

A callback overrides any of the hooks below; each receives the :class:`Trainer` (model,
optimizer, history, ``stop_training`` ...).  Two hooks run inside every training step
(``on_after_backward``, ``on_before_optimizer_step``): see :mod:`portanet.train.trainer`.  A callback with ``state_dict()`` /
``load_state_dict()`` has its state saved in full training checkpoints, so a resumed
run continues with the same patience counters and best values.  Hooks run in the
order given, except that ``_order`` puts schedulers first and checkpoints last (a
checkpoint then holds every other callback's state after this epoch).

Example:
    >>> cbs = [pn.train.EarlyStopping(patience=5),
    ...        pn.train.ModelCheckpoint("runs/best.safetensors", monitor="val_accuracy",
    ...                                 save_best_only=True, save_weights_only=True)]
    >>> pn.train.fit(model, F.cross_entropy, opt, loader, 100, val_data=val, callbacks=cbs)
"""
from __future__ import annotations

import math
import os
import warnings
from typing import Any, Callable

from ..backend import to_numpy

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "LRSchedulerCallback", "LambdaCallback"]


class Callback:
    """Base class: every hook does nothing until overridden.

    Example:
        >>> class PrintLoss(pn.train.Callback):
        ...     def on_epoch_end(self, trainer, epoch, logs):
        ...         print(epoch, logs["loss"])
    """

    _order = 0

    def on_train_begin(self, trainer) -> None:
        """Before the first epoch (after a resume has restored everything)."""

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        """Before epoch ``epoch`` (1-based)."""

    def on_after_backward(self, trainer, loss) -> None:
        """Right after ``loss.backward()``: this process's gradients are complete.

        The seam for exchanging gradients (averaging them over processes; a model in
        ``DistributedDataParallel`` has done so during backward already); ``loss`` is
        the batch's loss Tensor.  Read no values back here on a GPU (see DESIGN.md).
        """

    def on_before_optimizer_step(self, trainer, optimizer) -> None:
        """Just before ``optimizer.step()``, after every ``on_after_backward``: the
        gradients are final.  The seam for clipping, NaN/inf guards and gradient logging.

        Example:
            >>> class Clip(pn.train.Callback):
            ...     def on_before_optimizer_step(self, trainer, optimizer):
            ...         pn.nn.utils.clip_grad_norm_(trainer.model.parameters(), max_norm=1.0)
        """

    def on_batch_end(self, trainer, batch: int, logs: dict) -> None:
        """After the optimizer step of a batch; ``logs`` has ``loss`` (a Tensor) and ``size``."""

    def on_log(self, trainer, epoch: int, steps: int, logs: dict) -> None:
        """When ``fit`` has read the running loss and metrics back from the device: at a
        progress-bar refresh (``logs`` are this epoch's means so far, after ``steps``
        steps) and at the end of every epoch (the epoch's training means, before
        validation and before ``on_epoch_end``).  The place to look at values without
        adding a host synchronization (see DESIGN.md).  Under MPI only at epoch ends,
        where ``logs`` are reduced over the ranks, so every rank decides alike.
        """

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        """After epoch ``epoch`` with its logs (``loss``, metrics, ``val_*``, ``lr``)."""

    def on_train_end(self, trainer) -> None:
        """After the last epoch, or after a callback stopped training."""


def _mode(mode: str, monitor: str) -> str:
    if mode == "auto":
        return "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode {mode!r} is unknown (use 'auto', 'min' or 'max')")
    return mode


def _monitored(logs: dict, monitor: str, who: str) -> float:
    if monitor not in logs:
        raise KeyError(f"{who}: monitor {monitor!r} is not among the epoch's logs "
                       f"({', '.join(logs)}); pass val_data to fit to get val_* values")
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: a log name (``"val_loss"``, ``"val_accuracy"``, ``"loss"`` ...).
        min_delta: smaller changes do not count as improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"``, or ``"auto"`` (max for accuracies, else min).
        restore_best_weights: at the end of training, load the weights of the best epoch.

    Attributes:
        stopped_epoch: the epoch training stopped at (0 if it ran to the end).

    Example:
        >>> stop = pn.train.EarlyStopping(monitor="val_loss", patience=3)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", restore_best_weights: bool = False):
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.mode = _mode(mode, monitor)
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: dict | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = {k: to_numpy(v).copy() for k, v in trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict:
        return {"best": self.best, "wait": self.wait, "stopped_epoch": self.stopped_epoch,
                "best_weights": self.best_weights}

    def load_state_dict(self, state: dict) -> None:
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        try:
            best, wait, stopped = float(state["best"]), int(state["wait"]), int(state["stopped_epoch"])
            weights = state["best_weights"]
            if weights is not None and not isinstance(weights, dict):
                raise TypeError(f"best_weights is a {type(weights).__name__}, not a dict or None")
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"EarlyStopping.load_state_dict: invalid state ({type(e).__name__}: {e})") from None

        def commit():
            self.best, self.wait, self.stopped_epoch, self.best_weights = best, wait, stopped, weights
        return commit


class ModelCheckpoint(Callback):
    """Save the model (or the whole training state) after epochs.

    Args:
        filepath: where to write; may hold ``{epoch}`` and log names, e.g.
            ``"runs/ep{epoch:03d}-{val_loss:.3f}.safetensors"``.
        monitor, mode: what "best" means (as in :class:`EarlyStopping`).
        save_best_only: write only when ``monitor`` improved (the best model so far).
        save_weights_only: write ``model.state_dict()`` with ``pn.save`` (load with
            ``pn.load``); otherwise a full checkpoint (``pn.save_checkpoint``: model,
            optimizer, scheduler, loader position, random stream, epoch, history and
            callback states) that ``fit(..., resume=filepath)`` continues from.

    Writes are atomic: an interrupted save leaves the previous file intact.  Weights or
    optimizer state holding NaN or infinity are never written (a RuntimeWarning says
    the epoch was skipped), so a diverged run never overwrites a good checkpoint.  Under MPI
    only rank 0 writes (the logs it decides on are the same on every rank), and a
    ``DistributedDataParallel`` model is saved unwrapped.

    Example:
        >>> best = pn.train.ModelCheckpoint("runs/best.safetensors", monitor="val_accuracy",
        ...                                 save_best_only=True, save_weights_only=True)
        >>> last = pn.train.ModelCheckpoint("runs/last.safetensors")   # for resuming
    """

    _order = 100

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", mode: str = "auto",
                 save_best_only: bool = False, save_weights_only: bool = False):
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.mode = _mode(mode, monitor)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_path: str | None = None

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        from ..io import NonFiniteError, save
        from .dist import unwrap
        value = None
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not (value < self.best if self.mode == "min" else value > self.best):
                return
        path = self.filepath.format(epoch=epoch, **logs)
        try:
            if not self.save_weights_only:
                trainer.save_checkpoint(path)
            elif getattr(trainer, "is_global_zero", True):       # under MPI: rank 0 writes
                save(unwrap(trainer.model).state_dict(), path, metadata={"epoch": epoch},
                     check_finite=True)
        except NonFiniteError as e:   # a diverged model never replaces a good checkpoint
            warnings.warn(f"ModelCheckpoint: epoch {epoch} was not saved: {e}", RuntimeWarning,
                          stacklevel=2)
            return
        if value is not None:
            self.best = value
        self.last_path = path

    def state_dict(self) -> dict:
        return {"best": self.best}

    def load_state_dict(self, state: dict) -> None:
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        try:
            best = float(state["best"])
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"ModelCheckpoint.load_state_dict: invalid state ({type(e).__name__}: {e})") from None
        return lambda: setattr(self, "best", best)


def step_scheduler(scheduler: Any, logs: dict, monitor: str | None) -> None:
    from ..optim.lr_scheduler import ReduceLROnPlateau
    if monitor is None and isinstance(scheduler, ReduceLROnPlateau):
        monitor = "val_loss" if "val_loss" in logs else "loss"
    if monitor is None:
        scheduler.step()
    else:
        scheduler.step(_monitored(logs, monitor, type(scheduler).__name__))


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler after every epoch or every batch.

    ``fit(scheduler=...)`` already steps a scheduler once per epoch; use this callback
    for per-batch schedules such as ``OneCycleLR``, or for a second scheduler.

    Args:
        scheduler: any object with ``step()`` (``ReduceLROnPlateau``: ``step(metric)``).
        interval: ``"epoch"`` or ``"batch"``.
        monitor: the log passed to ``step``; default ``val_loss`` (else ``loss``) for
            ``ReduceLROnPlateau`` and nothing for the others.

    Example:
        >>> sched = pn.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs * len(loader))
        >>> pn.train.fit(..., callbacks=[pn.train.LRSchedulerCallback(sched, interval="batch")])
    """

    _order = -10

    def __init__(self, scheduler: Any, interval: str = "epoch", monitor: str | None = None):
        if interval not in ("epoch", "batch"):
            raise ValueError(f"interval {interval!r} is unknown (use 'epoch' or 'batch')")
        self.scheduler = scheduler
        self.interval = interval
        self.monitor = monitor

    def on_batch_end(self, trainer, batch: int, logs: dict) -> None:
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.interval == "epoch":
            step_scheduler(self.scheduler, logs, self.monitor)

    def state_dict(self) -> dict:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        if not isinstance(state, dict) or "scheduler" not in state:
            raise ValueError(f"LRSchedulerCallback.load_state_dict: expected {{'scheduler': ...}}, got {state!r}")
        from ..staging import stager
        sched = self.scheduler
        prepare = stager(sched)
        if prepare is not None:
            return prepare(state["scheduler"])
        return lambda: sched.load_state_dict(state["scheduler"])


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. to print a line per epoch in a log file.

    Example:
        >>> pn.train.LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: print(epoch, logs))
    """

    def __init__(self, on_train_begin: Callable | None = None, on_epoch_begin: Callable | None = None,
                 on_batch_end: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_end: Callable | None = None, on_after_backward: Callable | None = None,
                 on_before_optimizer_step: Callable | None = None, on_log: Callable | None = None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_batch_end", on_batch_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end), ("on_after_backward", on_after_backward),
                         ("on_before_optimizer_step", on_before_optimizer_step), ("on_log", on_log)):
            if fn is not None:
                setattr(self, name, fn)
