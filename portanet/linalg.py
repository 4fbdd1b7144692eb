"""``pn.linalg``, as ``torch.linalg``: norms, ``inv``, ``solve``, ``det``, ``slogdet``,
``multi_dot``, ``cross``, ``matmul``, ``vecdot``.

Example:
    >>> pn.linalg.norm(pn.tensor([3.0, 4.0]))
    tensor(5.)
"""
from .ops.linalg import matmul
from .ops.linalg_extra import cross as _cross
from .ops.norms import det, inv, matrix_norm, multi_dot, norm, slogdet, solve, vector_norm

__all__ = ["vector_norm", "matrix_norm", "norm", "inv", "solve", "det", "slogdet", "multi_dot",
           "cross", "matmul", "vecdot"]


def cross(input, other, *, dim=-1):
    """Cross product along ``dim`` (default -1, unlike ``pn.cross``), as ``torch.linalg.cross``."""
    return _cross(input, other, dim)


def vecdot(x, y, *, dim=-1):
    """Sum of ``x * y`` along ``dim`` (real tensors), as ``torch.linalg.vecdot``."""
    return (x * y).sum(dim)
