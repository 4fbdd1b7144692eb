"""Optimizers and learning-rate schedules with ``torch.optim``'s names, arguments and defaults.

Example:
    >>> opt = pn.optim.Adam(model.parameters(), lr=1e-3)
    >>> sched = pn.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""
from . import lr_scheduler  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .adam_variants import Adamax, NAdam, RAdam  # noqa: F401
from .adaptive import Adadelta, Adagrad, RMSprop  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .classic import ASGD, Rprop  # noqa: F401  (trainapi)
from .lbfgs import LBFGS  # noqa: F401  (trainapi)
from .adafactor import Adafactor  # noqa: F401  (trainapi)

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax",
           "NAdam", "RAdam", "lr_scheduler",
           "Rprop", "ASGD", "LBFGS", "Adafactor"]  # trainapi
