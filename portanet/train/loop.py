"""``fit``: the training loop of the source material, written once (see :class:`Trainer`).

Each epoch: shuffle, batch, forward, loss, backward, step; then validate, step the
scheduler, record the :class:`History`, run the callbacks.  Losses and metrics are
summed on the device and read back only when the progress bar refreshes and at the
end of the epoch, so a GPU is not stalled after every batch.  ``fit`` builds a
:class:`Trainer` and runs it; subclass the Trainer or add callbacks to change a step.

Under MPI (after ``pn.distributed.init()``, with ``mpiexec -n N``) the same call trains
data-parallel when the model is wrapped in ``pn.distributed.DistributedDataParallel``
and the loader has a ``pn.data.DistributedSampler``: the bar and checkpoints are rank
0's, logs are means over every rank's samples, and validation data given as arrays or
a Dataset is split between the ranks.

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
from typing import Any, Callable, Iterable, Sequence

from . import dist
from ..data import DataLoader
from .callbacks import Callback
from .evaluation import as_loader, evaluate
from .history import History
from .trainer import Trainer

__all__ = ["fit", "evaluate", "Trainer"]


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_data: Any, epochs: int,
        val_data: Any = None, metrics: Sequence = ("accuracy",), scheduler: Any = None,
        callbacks: Iterable[Callback] = (), progress: bool = True, batch_size: int = 32,
        resume: str | os.PathLike | None = None, terminate_on_nan: bool = True) -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: a Module (or any callable with ``train()``/``eval()``/``state_dict()``).
        loss_fn: ``loss_fn(output, target) -> scalar Tensor``, e.g. ``F.cross_entropy``.
        optimizer: with ``zero_grad()``, ``step()``, ``state_dict()``.
        train_data: a DataLoader, a Dataset or a tuple ``(x, y)`` of arrays (then
            shuffled mini-batches of ``batch_size``; under MPI each rank gets its part
            through a ``DistributedSampler``); batches are ``(inputs..., target)``.
        epochs: the epoch to stop after (counting epochs done before a resume).
        val_data: evaluated after every epoch into ``val_loss`` and ``val_<metric>``
            (under MPI, arrays or a Dataset are split between the ranks).
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or ``fn(output, target)``.
        scheduler: stepped once per epoch after validation (``ReduceLROnPlateau`` gets
            ``val_loss``, or ``loss`` without validation data).
        callbacks: :class:`Callback` objects (:class:`EarlyStopping`, :class:`ModelCheckpoint` ...).
        progress: show a tqdm bar per epoch (epoch, loss, metrics, samples/s) when
            stderr is a terminal; never in logs, pipes or with ``progress=False``;
            under MPI on rank 0 only, counting every rank's samples.
        batch_size: for ``train_data``/``val_data`` given as arrays or a Dataset.
        resume: a full checkpoint (``ModelCheckpoint(save_weights_only=False)`` or
            ``Trainer.save_checkpoint``) to continue from, exactly as if never stopped.
            Extension beyond the usual fit signature.
        terminate_on_nan: stop with a :class:`NonFiniteError` naming the epoch and
            step when the loss becomes NaN or infinite (a :class:`TerminateOnNaN`
            callback; Lightning's flag of the same name).  ``False`` trains on.  Either
            way, checkpoints never replace a file with non-finite weights.

    ``train_data`` must be iterable once per epoch: a one-shot iterator (a generator)
    is refused when more than one epoch remains, because it would be used up by the
    first one and the others would silently train on nothing; an epoch without any
    batch raises ValueError.

    Returns:
        History with one entry per epoch: ``loss``, each metric, ``val_*`` and ``lr``.

    Example:
        >>> loader = pn.data.DataLoader(pn.data.TensorDataset(xtr, ytr), batch_size=32, shuffle=True)
        >>> h = pn.train.fit(model, F.cross_entropy, opt, loader, epochs=30, val_data=(xva, yva),
        ...                  callbacks=[pn.train.EarlyStopping(patience=5)])
        >>> h.plot("runs/curves.png")
    """
    sharded = dist.shard_for_training(train_data)      # None unless under MPI
    if sharded is not None:
        loader = DataLoader(sharded[0], batch_size=batch_size, sampler=sharded[1])
    else:
        loader = as_loader(train_data, batch_size, shuffle=True)
    val_loader = None
    if val_data is not None:
        val_loader = as_loader(dist.shard_for_evaluation(val_data), max(batch_size, 256), shuffle=False)
    trainer = Trainer(model, loss_fn, optimizer, loader, scheduler, list(callbacks), epochs,
                      metrics=metrics, val_loader=val_loader, progress=progress,
                      terminate_on_nan=terminate_on_nan)
    return trainer.fit(resume=resume)
