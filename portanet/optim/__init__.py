"""Optimizers with ``torch.optim``'s names, arguments and defaults."""
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
