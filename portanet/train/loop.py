"""``fit`` and ``evaluate``: the training loop of the source material, written once.

Each epoch: shuffle, batch, forward, loss, backward, step; then validate, step the
scheduler, record the :class:`History`, run the callbacks.  Losses and metrics are
summed on the device and read back only when the progress bar refreshes and at the
end of the epoch, so a GPU is not stalled after every batch.

Example:
    >>> xtr, ytr, xte, yte = pn.data.datasets.load_digits()
    >>> model = pn.nn.Sequential(pn.nn.Linear(64, 128), pn.nn.ReLU(), pn.nn.Linear(128, 10))
    >>> opt = pn.optim.Adam(model.parameters(), lr=1e-3)
    >>> history = pn.train.fit(model, pn.nn.functional.cross_entropy, opt, (xtr, ytr),
    ...                        epochs=20, val_data=(xte, yte))
    >>> pn.train.evaluate(model, pn.nn.functional.cross_entropy, (xte, yte))
    {'loss': 0.09, 'accuracy': 0.97}
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Iterable, Sequence

from .. import io
from ..autograd.function import no_grad
from ..data import DataLoader, Dataset, TensorDataset
from . import metrics as _metrics
from .callbacks import Callback, _step_scheduler
from .history import History

__all__ = ["fit", "evaluate", "Trainer"]


def _as_loader(data: Any, batch_size: int, shuffle: bool) -> Any:
    """A DataLoader (or any iterable of batches) as it is; ``(x, y)`` or a Dataset wrapped."""
    if isinstance(data, Dataset):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle)
    if isinstance(data, tuple):
        return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle)
    if not hasattr(data, "__iter__"):
        raise TypeError(f"training/validation data must be a DataLoader, a Dataset or a tuple "
                        f"(x, y) of arrays, got {type(data).__name__}")
    return data


def _split_batch(batch: Any) -> tuple:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        what = f"a {type(batch).__name__}"
        if isinstance(batch, (tuple, list)):
            what += f" of length {len(batch)}"
        raise TypeError(f"fit/evaluate expect batches (inputs..., target); got {what}")
    return tuple(batch[:-1]), batch[-1]


class _Sums:
    """Sample-weighted sums of batch means, kept as float64 device scalars."""

    def __init__(self):
        self.sums: dict[str, Any] = {}
        self.count = 0

    def add(self, values: dict, n: int, xp) -> None:
        for k, v in values.items():
            v = float(v) if isinstance(v, (int, float)) else xp.astype(v, xp.float64)
            self.sums[k] = self.sums.get(k, 0.0) + v * n
        self.count += n

    def means(self) -> dict:
        return {k: float(s) / max(self.count, 1) for k, s in self.sums.items()}


def _batch_values(metric_fns, out, target, loss) -> dict:
    vals = {} if loss is None else {"loss": loss.array}
    for name, fn in metric_fns:
        v = fn(out, target)
        vals[name] = v.array if hasattr(v, "_bk") else v
    return vals


def evaluate(model: Any, loss_fn: Callable | None, data: Any, metrics: Sequence = ("accuracy",),
             batch_size: int = 256) -> dict:
    """Mean loss and metrics of ``model`` over ``data``, in eval mode without gradients.

    Args:
        loss_fn: ``loss_fn(output, target)``, or ``None`` for metrics only.
        data: a DataLoader, a Dataset or a tuple ``(x, y)`` of arrays.
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or callables.
        batch_size: used when ``data`` is not a DataLoader already.

    Returns:
        ``{"loss": ..., name: ...}`` as Python floats, weighted by batch sizes.

    Example:
        >>> pn.train.evaluate(model, F.cross_entropy, (xte, yte))["accuracy"]
        0.972
    """
    loader = _as_loader(data, batch_size, shuffle=False)
    metric_fns = [_metrics.get(m) for m in metrics]
    was_training = getattr(model, "training", False)
    model.eval()
    sums = _Sums()
    try:
        with no_grad():
            for batch in loader:
                inputs, target = _split_batch(batch)
                out = model(*inputs)
                loss = loss_fn(out, target) if loss_fn is not None else None
                sums.add(_batch_values(metric_fns, out, target, loss), inputs[0].shape[0], out._bk.xp)
    finally:
        model.train(was_training)
    return sums.means()


def _bar_enabled(progress: bool) -> bool:
    # quiet in logs and CI: a bar full of carriage returns is noise there
    return bool(progress) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _fmt(logs: dict) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in logs.items() if k != "lr")


def _samples_per_epoch(loader: Any) -> int | None:
    dataset, bs = getattr(loader, "dataset", None), getattr(loader, "batch_size", None)
    if dataset is None or bs is None or not hasattr(loader, "__len__"):
        return None
    return len(loader) * bs if getattr(loader, "drop_last", False) else len(dataset)


class Trainer:
    """What a callback sees during :func:`fit`: the objects being trained and the run's state.

    Attributes:
        model, optimizer, loss_fn, scheduler, loader: as given to ``fit``.
        history: the :class:`History` so far.
        epoch: the number of finished epochs.
        epochs: the epoch ``fit`` stops after.
        stop_training: set to True (e.g. by a callback) to stop after this epoch.
        callbacks: the callbacks, in the order they run.
    """

    def __init__(self, model, loss_fn, optimizer, loader, scheduler, callbacks: list, epochs: int):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.loader, self.scheduler = loader, scheduler
        self.callbacks = sorted(callbacks, key=lambda c: getattr(c, "_order", 0))
        self.epochs = epochs
        self.epoch = 0
        self.history = History()
        self.stop_training = False

    def _stateful(self) -> list:
        return [(i, c) for i, c in enumerate(self.callbacks) if hasattr(c, "state_dict")]

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the whole training state to ``path``; ``fit(..., resume=path)`` continues it."""
        loader = self.loader if hasattr(self.loader, "state_dict") else None
        io.save_checkpoint(path, model=self.model, optimizer=self.optimizer, scheduler=self.scheduler,
                           loader=loader, epoch=self.epoch, history=self.history.state_dict(),
                           callbacks={str(i): c.state_dict() for i, c in self._stateful()})

    def restore(self, path: str | os.PathLike) -> None:
        """Load a checkpoint written by :meth:`save_checkpoint` into every object of this run."""
        from .. import random as _random
        state = io.load_checkpoint(path)
        saved = state.get("callbacks", {})
        mine = {str(i): c for i, c in self._stateful()}
        if set(saved) != set(mine):
            raise ValueError(f"fit(resume=...): the checkpoint holds the state of {len(saved)} "
                             f"callbacks with state, this run has {len(mine)}; pass the same callbacks")
        if (self.scheduler is None) != ("scheduler" not in state):
            raise ValueError("fit(resume=...): the checkpoint was written "
                             f"{'with' if 'scheduler' in state else 'without'} a scheduler, "
                             f"this run has {'one' if self.scheduler is not None else 'none'}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if "loader" in state and hasattr(self.loader, "load_state_dict"):
            self.loader.load_state_dict(state["loader"])
        for k, c in mine.items():
            c.load_state_dict(saved[k])
        self.history.load_state_dict(state["history"])
        self.epoch = int(state["epoch"])
        _random.set_rng_state(state["rng"])


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_data: Any, epochs: int,
        val_data: Any = None, metrics: Sequence = ("accuracy",), scheduler: Any = None,
        callbacks: Iterable[Callback] = (), progress: bool = True, batch_size: int = 32,
        resume: str | os.PathLike | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: a Module (or any callable with ``train()``/``eval()``/``state_dict()``).
        loss_fn: ``loss_fn(output, target) -> scalar Tensor``, e.g. ``F.cross_entropy``.
        optimizer: with ``zero_grad()``, ``step()``, ``state_dict()``.
        train_data: a DataLoader, a Dataset or a tuple ``(x, y)`` of arrays (then
            shuffled mini-batches of ``batch_size``); batches are ``(inputs..., target)``.
        epochs: the epoch to stop after (counting epochs done before a resume).
        val_data: evaluated after every epoch into ``val_loss`` and ``val_<metric>``.
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or ``fn(output, target)``.
        scheduler: stepped once per epoch after validation (``ReduceLROnPlateau`` gets
            ``val_loss``, or ``loss`` without validation data).
        callbacks: :class:`Callback` objects (:class:`EarlyStopping`, :class:`ModelCheckpoint` ...).
        progress: show a tqdm bar per epoch (epoch, loss, metrics, samples/s) when
            stderr is a terminal; never in logs, pipes or with ``progress=False``.
        batch_size: for ``train_data``/``val_data`` given as arrays or a Dataset.
        resume: a full checkpoint (``ModelCheckpoint(save_weights_only=False)`` or
            ``Trainer.save_checkpoint``) to continue from, exactly as if never stopped.
            Extension beyond the usual fit signature.

    Returns:
        History with one entry per epoch: ``loss``, each metric, ``val_*`` and ``lr``.

    Example:
        >>> loader = pn.data.DataLoader(pn.data.TensorDataset(xtr, ytr), batch_size=32, shuffle=True)
        >>> h = pn.train.fit(model, F.cross_entropy, opt, loader, epochs=30, val_data=(xva, yva),
        ...                  callbacks=[pn.train.EarlyStopping(patience=5)])
        >>> h.plot("runs/curves.png")
    """
    from tqdm import tqdm
    loader = _as_loader(train_data, batch_size, shuffle=True)
    val_loader = None if val_data is None else _as_loader(val_data, max(batch_size, 256), shuffle=False)
    metric_fns = [_metrics.get(m) for m in metrics]
    trainer = Trainer(model, loss_fn, optimizer, loader, scheduler, list(callbacks), epochs)
    if resume is not None:
        trainer.restore(resume)
    show = _bar_enabled(progress)
    for cb in trainer.callbacks:
        cb.on_train_begin(trainer)
    total = _samples_per_epoch(loader)
    for epoch in range(trainer.epoch + 1, epochs + 1):
        for cb in trainer.callbacks:
            cb.on_epoch_begin(trainer, epoch)
        model.train()
        lr = optimizer.param_groups[0]["lr"] if hasattr(optimizer, "param_groups") else None
        sums = _Sums()
        # counted in samples, so tqdm's own rate is the samples/s
        bar = tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="sample", unit_scale=True,
                   disable=not show, leave=True, dynamic_ncols=True, file=sys.stderr)
        last = time.perf_counter()
        for b, batch in enumerate(loader):
            inputs, target = _split_batch(batch)
            optimizer.zero_grad()
            out = model(*inputs)
            loss = loss_fn(out, target)
            loss.backward()
            optimizer.step()
            n = inputs[0].shape[0]
            sums.add(_batch_values(metric_fns, out, target, loss), n, out._bk.xp)
            for cb in trainer.callbacks:
                cb.on_batch_end(trainer, b, {"loss": loss, "size": n})
            if show:
                bar.update(n)
                now = time.perf_counter()
                if now - last > 0.25:  # reading the sums back syncs a GPU: only a few times a second
                    bar.set_postfix_str(_fmt(sums.means()), refresh=False)
                    last = now
        logs = sums.means()
        if val_loader is not None:
            logs.update({"val_" + k: v for k, v in
                         evaluate(model, loss_fn, val_loader, metrics).items()})
        if lr is not None:
            logs["lr"] = lr
        if scheduler is not None:
            _step_scheduler(scheduler, logs, None)
        trainer.epoch = epoch
        trainer.history.append(epoch, logs)
        for cb in trainer.callbacks:
            cb.on_epoch_end(trainer, epoch, logs)
        if show:
            bar.set_postfix_str(_fmt(logs))
        bar.close()
        if trainer.stop_training:
            break
    for cb in trainer.callbacks:
        cb.on_train_end(trainer)
    return trainer.history
