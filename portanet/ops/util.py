"""Small helpers shared by the op families: broadcasting, axes, tuples, constants.

Example:
    >>> ntuple(3, 2, "kernel_size")
    (3, 3)
    >>> unbroadcast(xp, g, (1, 4))     # sum g over the axes broadcasting stretched
"""
from __future__ import annotations

import numbers

from ..autograd.tensor import Tensor
from ..backend import device_of

__all__ = ["clip_bounds", "unbroadcast", "norm_axis", "expand_reduced", "ntuple", "py_scalar", "lift",
           "device_of", "register_methods", "Number", "const"]

Number = numbers.Number


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


def ntuple(v, n: int, name: str) -> tuple:
    """``v`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints.

    Raises:
        ValueError: naming ``name`` when ``v`` has the wrong length.
    """
    t = (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)
    if len(t) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return t


def py_scalar(c):
    """NumPy scalars become Python numbers, so they cannot promote float32 to float64."""
    t = type(c)
    if t is float or t is int:
        return c
    if t is bool:    # True counts as 1 (PyTorch); the standard refuses bools with numbers
        return int(c)
    return c.item() if hasattr(c, "item") else c


def lift(x, like: Tensor) -> Tensor:
    """A raw array or number as a constant Tensor on ``like``'s backend (numbers take
    ``like``'s dtype); a Tensor is returned unchanged."""
    if isinstance(x, Tensor):
        return x
    bk = like._bk
    if isinstance(x, Number):
        return Tensor.from_array(bk.xp.asarray(x, dtype=like.array.dtype, device=bk.device), bk)
    return Tensor.from_array(bk.asarray(x), bk)


def register_methods(*functions, **named) -> None:
    """Make functions Tensor methods: each under its own name, and ``named`` as given.

    Each op family registers its methods where its functions are defined, so that
    ``autograd`` never imports ``ops``.

    Example:
        >>> register_methods(exp, log, clamp=clip)
    """
    for fn in functions:
        setattr(Tensor, fn.__name__, fn)
    for name, fn in named.items():
        setattr(Tensor, name, fn)


_CONSTS: dict = {}


def clip_bounds(xp, a, lo=None, hi=None):
    """``a`` clamped into ``[lo, hi]`` (either bound may be ``None``), NaN kept as NaN.

    Not ``xp.clip``: array-api-compat's generic ``clip`` (NumPy's and CuPy's) assigns
    through a boolean mask, and a masked assignment on CuPy synchronizes the device (it
    must count the mask first); torch's wrapper uploads Python bounds. ``maximum`` and
    ``minimum`` with cached 0-d bounds do neither.

    Example:
        >>> clip_bounds(xp, coef, hi=1.0)
    """
    if not xp.isdtype(a.dtype, "real floating"):
        return xp.clip(a, lo, hi)        # integer data: the library's own rules for bounds
    if lo is not None:
        a = xp.maximum(a, const(xp, a, lo) if isinstance(lo, (int, float)) else lo)
    if hi is not None:
        a = xp.minimum(a, const(xp, a, hi) if isinstance(hi, (int, float)) else hi)
    return a


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
    dtype, device = like.dtype, device_of(like)
    key = (dtype, device, value)
    try:
        return _CONSTS[key]
    except KeyError:
        c = _CONSTS[key] = xp.full((), value, dtype=dtype, device=device)
        return c
    except TypeError:  # an unhashable dtype or device: made afresh
        return xp.full((), value, dtype=dtype, device=device)
