"""Primitives (one class per op, forward beside backward) and the tensor-level API."""
from .api import *  # noqa: F401,F403
from .api import __all__ as _api_all
from .api import getitem  # noqa: F401
from .linalg import Linear, MatMul  # noqa: F401

__all__ = list(_api_all)
