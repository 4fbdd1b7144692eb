"""Layers, losses, initializers: ``pn.nn`` mirrors ``torch.nn``'s names and shapes."""
from . import functional, init  # noqa: F401
from .activation import *  # noqa: F401,F403
from .layers import Flatten, Identity, Linear, ModuleDict, ModuleList, Sequential, Unflatten  # noqa: F401
from .loss_modules import *  # noqa: F401,F403
from .module import Module, StateDictError  # noqa: F401
from .parameter import Parameter  # noqa: F401
