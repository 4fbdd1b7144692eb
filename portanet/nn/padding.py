"""Padding layers (PyTorch's names): ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d``
(function: ``F.pad`` in ``ops/padding.py``).

``padding`` is an int (every side) or a tuple ``(left, right)`` / ``(left, right, top,
bottom)`` / ``(left, right, top, bottom, front, back)``, as in PyTorch.

Example:
    >>> pn.nn.ReflectionPad2d(1)(pn.zeros(1, 3, 4, 4)).shape
    (1, 3, 6, 6)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.padding import pad
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _padding(who, padding, nd):
    if argcheck.is_int(padding):
        return (int(padding),) * (2 * nd)
    if not isinstance(padding, (tuple, list)) or not all(argcheck.is_int(p) for p in padding):
        raise TypeError(f"{who}: padding must be an int or a tuple of {2 * nd} ints, got "
                        f"{type(padding).__name__} {padding!r}")
    if len(padding) != 2 * nd:
        raise ValueError(f"{who}: padding must be an int or a tuple of {2 * nd} ints, got "
                         f"{tuple(padding)!r} ({len(padding)} values)")
    return tuple(int(p) for p in padding)


class _PadNd(Module):
    mode = "constant"
    nd = 1

    def __init__(self, padding, value=None):
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self.nd)
        if value is not None:
            argcheck.real(type(self).__name__, "value", value)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return pad(x, self.padding, self.mode, self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with ``value``: ``(N, C, L) -> (N, C, L + left + right)``.

    Example:
        >>> pn.nn.ConstantPad1d((1, 2), 3.5)(pn.zeros(1, 2, 4)).shape
        (1, 2, 7)
    """
    nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 axes with ``value`` (``padding`` = left, right, top, bottom).

    Example:
        >>> pn.nn.ConstantPad2d(1, -1.0)(pn.zeros(1, 2, 4, 4)).shape
        (1, 2, 6, 6)
    """
    nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 axes with ``value`` (left, right, top, bottom, front, back).

    Example:
        >>> pn.nn.ConstantPad3d(1, 0.0)(pn.zeros(1, 1, 2, 2, 2)).shape
        (1, 1, 4, 4, 4)
    """
    nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last axis with zeros.

    Example:
        >>> pn.nn.ZeroPad1d(2)(pn.ones(1, 1, 3)).shape
        (1, 1, 7)
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """Pad the last 2 axes with zeros (left, right, top, bottom).

    Example:
        >>> pn.nn.ZeroPad2d((1, 1, 2, 0))(pn.ones(1, 1, 3, 3)).shape
        (1, 1, 5, 5)
    """
    nd = 2


class ZeroPad3d(ZeroPad1d):
    """Pad the last 3 axes with zeros.

    Example:
        >>> pn.nn.ZeroPad3d(1)(pn.ones(1, 1, 2, 2, 2)).shape
        (1, 1, 4, 4, 4)
    """
    nd = 3


class _ReflectionPadNd(_PadNd):
    mode = "reflect"

    def __init__(self, padding):
        super().__init__(padding)


class ReflectionPad1d(_ReflectionPadNd):
    """Pad the last axis with its mirror image about the
    edge (the edge itself not repeated); ``padding``: an int or 2 ints.

    Example:
        >>> pn.nn.ReflectionPad1d(1)(pn.ones(1, 2, 4)).shape
        (1, 2, 6)
    """
    nd = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Pad the last 2 axes with its mirror image about the
    edge (the edge itself not repeated); ``padding``: an int or 4 ints.

    Example:
        >>> pn.nn.ReflectionPad2d(1)(pn.ones(1, 2, 4, 4)).shape
        (1, 2, 6, 6)
    """
    nd = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Pad the last 3 axes with its mirror image about the
    edge (the edge itself not repeated); ``padding``: an int or 6 ints.

    Example:
        >>> pn.nn.ReflectionPad3d(1)(pn.ones(1, 1, 3, 3, 3)).shape
        (1, 1, 5, 5, 5)
    """
    nd = 3


class _ReplicationPadNd(_PadNd):
    mode = "replicate"

    def __init__(self, padding):
        super().__init__(padding)


class ReplicationPad1d(_ReplicationPadNd):
    """Pad the last axis with copies of the edge value; ``padding``: an int or 2 ints.

    Example:
        >>> pn.nn.ReplicationPad1d(1)(pn.ones(1, 2, 4)).shape
        (1, 2, 6)
    """
    nd = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Pad the last 2 axes with copies of the edge value; ``padding``: an int or 4 ints.

    Example:
        >>> pn.nn.ReplicationPad2d(1)(pn.ones(1, 2, 4, 4)).shape
        (1, 2, 6, 6)
    """
    nd = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pad the last 3 axes with copies of the edge value; ``padding``: an int or 6 ints.

    Example:
        >>> pn.nn.ReplicationPad3d(1)(pn.ones(1, 1, 3, 3, 3)).shape
        (1, 1, 5, 5, 5)
    """
    nd = 3


class _CircularPadNd(_PadNd):
    mode = "circular"

    def __init__(self, padding):
        super().__init__(padding)


class CircularPad1d(_CircularPadNd):
    """Pad the last axis with the opposite end's values
    (periodic); ``padding``: an int or 2 ints.

    Example:
        >>> pn.nn.CircularPad1d(1)(pn.ones(1, 2, 4)).shape
        (1, 2, 6)
    """
    nd = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 axes with the opposite end's values
    (periodic); ``padding``: an int or 4 ints.

    Example:
        >>> pn.nn.CircularPad2d(1)(pn.ones(1, 2, 4, 4)).shape
        (1, 2, 6, 6)
    """
    nd = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 axes with the opposite end's values
    (periodic); ``padding``: an int or 6 ints.

    Example:
        >>> pn.nn.CircularPad3d(1)(pn.ones(1, 1, 3, 3, 3)).shape
        (1, 1, 5, 5, 5)
    """
    nd = 3
