"""Small helpers shared by the primitives."""
from __future__ import annotations


def unbroadcast(xp, g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, giving ``shape``."""
    gshape = tuple(g.shape)
    shape = tuple(shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)


def norm_axis(axis, ndim):
    """``axis`` as a tuple of non-negative ints (``None`` means all axes)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else 0 for a in axis)


def expand_reduced(xp, g, in_shape, axes, keepdims):
    """Reshape a reduced gradient so that it broadcasts back over ``in_shape``."""
    if not keepdims:
        shape = tuple(1 if i in axes else s for i, s in enumerate(in_shape))
        g = xp.reshape(g, shape)
    return g
