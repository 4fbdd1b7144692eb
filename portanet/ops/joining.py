"""Stacking helpers and broadcasting of several tensors, as PyTorch: ``hstack``,
``vstack`` (``row_stack``), ``dstack``, ``column_stack``, ``atleast_1d/2d/3d``,
``broadcast_tensors``, ``broadcast_shapes``; all built from ``cat``/``reshape``/
``broadcast_to``, so they are differentiable.

Example:
    >>> pn.vstack([pn.tensor([1.0, 2.0]), pn.tensor([3.0, 4.0])]).shape
    (2, 2)
    >>> pn.broadcast_shapes((2, 1), (3,))
    (2, 3)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from .shape import broadcast_to, cat

__all__ = ["hstack", "vstack", "row_stack", "dstack", "column_stack", "atleast_1d",
           "atleast_2d", "atleast_3d", "broadcast_tensors", "broadcast_shapes"]


def _seq(who: str, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{who}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{who}(): expects a non-empty TensorList")
    return list(tensors)


def _atleast(nd: int, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(_atleast(nd, (t,)) for t in tensors[0])
    if len(tensors) != 1:
        return tuple(_atleast(nd, (t,)) for t in tensors)
    t = tensors[0]
    if t.ndim >= nd:
        return t
    if nd == 1 or t.ndim == 0:
        return t.reshape((1,) * nd)
    if nd == 2:                # (n,) -> (1, n)
        return t.reshape(1, t.shape[0])
    if t.ndim == 1:            # nd == 3: (n,) -> (1, n, 1)
        return t.reshape(1, t.shape[0], 1)
    return t.reshape(tuple(t.shape) + (1,))   # (m, n) -> (m, n, 1)


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (0-d becomes ``(1,)``); a tuple for several.

    Example:
        >>> pn.atleast_1d(pn.tensor(1.0)).shape
        (1,)
    """
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: ``(n,)`` becomes ``(1, n)``."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``."""
    return _atleast(3, tensors)


def hstack(tensors) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors), as ``torch.hstack``.

    Example:
        >>> pn.hstack([pn.tensor([1.0]), pn.tensor([2.0, 3.0])])
        tensor([1., 2., 3.])
    """
    ts = [atleast_1d(t) for t in _seq("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join along dim 0 after making each tensor at least 2-D (``torch.vstack``)."""
    return cat([atleast_2d(t) for t in _seq("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    """Join along dim 2 after making each tensor at least 3-D (``torch.dstack``)."""
    return cat([atleast_3d(t) for t in _seq("dstack", tensors)], 2)


def column_stack(tensors) -> Tensor:
    """Join columns: 0-d and 1-D tensors of ``n`` become ``(n, 1)``, then ``hstack``.

    Example:
        >>> pn.column_stack([pn.tensor([1.0, 2.0]), pn.tensor([3.0, 4.0])]).shape
        (2, 2)
    """
    ts = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in _seq("column_stack", tensors)]
    return cat(ts, 1)


def broadcast_shapes(*shapes) -> tuple:
    """The shape that ``shapes`` broadcast to (no tensor involved), as
    ``torch.broadcast_shapes``; an int counts as a 1-D shape.

    Example:
        >>> pn.broadcast_shapes((2, 1), (1, 3))
        (2, 3)
    """
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i, v in enumerate(s, n - len(s)):
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
            if out[i] == 1:
                out[i] = v
            elif v != 1 and v != out[i]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape.  Mismatch is between arg 0 and arg "
                                   f"{shapes.index(s)}: {list(shapes[0])} vs {list(s)}")
    return tuple(out)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common shape (``torch.broadcast_tensors``).

    Example:
        >>> a, b = pn.broadcast_tensors(pn.zeros(2, 1), pn.zeros(3))
        >>> a.shape, b.shape
        ((2, 3), (2, 3))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors(): expected Tensors, got {type(t).__name__}")
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t if tuple(t.shape) == shape else broadcast_to(t, shape) for t in tensors)
