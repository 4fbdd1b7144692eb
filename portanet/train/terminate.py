"""``TerminateOnNaN``: stop training at the first read that shows a NaN or infinite loss.

No host synchronization and no device work is added per step: each step's loss array
(a device scalar) is kept in a list (stacked into one array every 256 steps, so a long
epoch holds few objects), and the check happens where ``fit`` reads the loss back
anyway (:meth:`Callback.on_log`: a progress-bar refresh, the end of every epoch).  A
read that shows a finite running loss drops the list; only one that shows a
non-finite loss reads the kept losses back, once, to name the first bad step.

What a non-finite step between two reads means: training stops at the next read,
even if the weights are still finite (an infinite loss with a finite gradient leaves
them so).  The callback runs before every other one and raises, so no checkpoint is
written from that read on: "last" and "best" checkpoints keep the state of the last
epoch whose every step had a finite loss.  Checkpoints written by ``fit`` also refuse
non-finite weights on their own (``check_finite=True``), which covers runs with this
callback turned off.

Example:
    >>> try:
    ...     pn.train.fit(model, F.cross_entropy, opt, loader, epochs=10)
    ... except pn.train.NonFiniteError as e:
    ...     print(e.epoch, e.step, e.history.history["loss"])
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..io import NonFiniteError
from .callbacks import Callback

__all__ = ["TerminateOnNaN", "NonFiniteError"]


class TerminateOnNaN(Callback):
    """Raise :class:`NonFiniteError` naming the epoch and step when the loss becomes
    NaN or infinite (the name of Keras's callback and of Lightning's ``terminate_on_nan``).

    On by default in :func:`~portanet.train.fit` and :class:`~portanet.train.Trainer`
    (``terminate_on_nan=False`` turns it off).  Departure from Keras, which prints and
    stops: the error cannot go unnoticed.  ``on_train_end`` of every callback still
    runs first (``EarlyStopping(restore_best_weights=True)`` puts the best weights
    back), and the error carries ``epoch``, ``step`` (1-based, within the epoch) and
    ``history`` (the epochs finished before).  Under MPI the check is made at epoch
    ends only, on the loss reduced over the ranks, so every rank stops together.

    Example:
        >>> pn.train.fit(model, F.mse_loss, opt, loader, epochs=5)   # on by default
        >>> trainer = pn.train.Trainer(model, F.mse_loss, opt, loader,
        ...                            callbacks=[pn.train.TerminateOnNaN()], terminate_on_nan=False)
    """

    _order = -100     # before schedulers (-10) and checkpoints (100)
    _CHUNK = 256      # losses stacked into one array every this many steps

    def __init__(self):
        self.on_epoch_begin(None, 0)

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self._losses, self._chunks, self._before, self._xp = [], [], 0, None

    def on_batch_end(self, trainer, batch: int, logs: dict) -> None:
        # keep the loss array (a device scalar): no op, no transfer; a read finds the step
        loss = logs.get("loss")
        arr, bk = getattr(loss, "array", None), getattr(loss, "_bk", None)
        if arr is None or bk is None:
            return
        xp = self._xp = bk.xp
        if arr.ndim:
            arr = xp.sum(arr)
        self._losses.append(arr)
        if len(self._losses) == self._CHUNK:      # bounded count of objects on long epochs
            self._chunks.append(xp.stack(self._losses))
            self._losses = []

    def _seen(self) -> int:
        return sum(int(c.shape[0]) for c in self._chunks) + len(self._losses)

    def _first_bad(self) -> int | None:
        """The 1-based step of the epoch whose loss was first non-finite (one read)."""
        xp = self._xp
        parts = self._chunks + ([xp.stack(self._losses)] if self._losses else [])
        if not parts:
            return None
        fine = to_numpy(xp.isfinite(xp.concat(parts) if len(parts) > 1 else parts[0]))
        if fine.all():
            return None
        return self._before + int(np.argmin(fine)) + 1

    def on_log(self, trainer, epoch: int, steps: int, logs: dict) -> None:
        value = logs.get("loss")
        if value is None or math.isfinite(value):
            # every step so far was finite: only the steps after this read can be the bad one
            self._before += self._seen()
            self._losses, self._chunks = [], []
            return
        step = self._first_bad()
        end = "" if getattr(trainer, "_epoch_done", True) else " so far"
        where = (f"epoch {epoch}, step {step} of {steps}{end}" if step is not None else
                 f"epoch {epoch} (at a step of another rank; {steps} steps here)")
        err = NonFiniteError(
            f"TerminateOnNaN: the training loss became {value} at {where}; training stopped. No "
            "checkpoint was written after it: they hold the last epoch whose every loss was "
            "finite. Usual causes: a learning rate too high, exploding gradients (clip them in "
            "on_before_optimizer_step with pn.nn.utils.clip_grad_norm_), NaN or inf in the data, "
            "log(0) or division by zero in a custom loss. To train on regardless, pass "
            "terminate_on_nan=False to fit.")
        err.epoch, err.step = epoch, step
        raise err
