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


_CONSTS: dict = {}


def const(xp, like, value):
    """A cached 0-d array holding ``value`` with ``like``'s dtype and device.

    For the second argument of ``xp.maximum``/``xp.minimum``: given a Python number, the
    torch wrapper of array-api-compat turns it into a new device tensor at every call,
    which on CUDA is a host-to-device copy that synchronizes (torch's sync debug mode
    reports it).  A 0-d array made once per dtype and device costs nothing after the
    first call, and NumPy runs ``maximum(a, zero)`` as fast as ``maximum(a, 0)``
    (``xp.clip`` would avoid the copy too, but costs NumPy 4x on small arrays).

    Example:
        >>> xp.maximum(a, const(xp, a, 0))   # ReLU
    """
    dtype, device = like.dtype, like.device
    key = (dtype, device, value)
    try:
        return _CONSTS[key]
    except KeyError:
        c = _CONSTS[key] = xp.full((), value, dtype=dtype, device=device)
        return c
    except TypeError:  # an unhashable dtype or device: made afresh
        return xp.full((), value, dtype=dtype, device=device)
