"""Primitives (one ``Function`` per op, forward beside backward), grouped by family in
``ops/<family>.py`` with their public functions and Tensor methods; ``api`` re-exports
the tensor-level functions."""
from . import conv, dropout, embedding, losses, norm, pool  # noqa: F401  (nn.functional's)
from .api import *  # noqa: F401,F403
from .api import __all__ as _api_all
from .api import getitem  # noqa: F401
from .linalg import Linear, MatMul  # noqa: F401

__all__ = list(_api_all)
