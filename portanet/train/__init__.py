"""Training workflow: ``fit`` with a progress bar, ``evaluate``, ``History`` and its plot,
callbacks for early stopping, checkpoints and learning-rate schedules.

Example:
    >>> history = pn.train.fit(model, pn.nn.functional.cross_entropy, opt, loader, epochs=20,
    ...                        val_data=(xva, yva), callbacks=[pn.train.EarlyStopping(patience=3)])
    >>> history.plot("runs/curves.png")
"""
from . import metrics  # noqa: F401
from .callbacks import Callback, EarlyStopping, LambdaCallback, LRSchedulerCallback, ModelCheckpoint  # noqa: F401
from .history import History  # noqa: F401
from .loop import Trainer, evaluate, fit  # noqa: F401
from .terminate import NonFiniteError, TerminateOnNaN  # noqa: F401

__all__ = ["fit", "evaluate", "History", "Trainer", "Callback", "EarlyStopping", "ModelCheckpoint",
           "LRSchedulerCallback", "LambdaCallback", "TerminateOnNaN", "NonFiniteError", "metrics"]
