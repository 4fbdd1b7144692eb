"""Checks of scalar arguments where they enter (constructors, hyperparameters, options).

Each helper raises at once, before anything is built or computed, with a message that
names the function, the argument, what was expected and what was given::

    Conv2d: stride must be a positive integer or a tuple of 2 of them, got 0

They look only at Python values (sizes, rates, option strings), never at array data,
so they cost nothing on the hot path; checks on *data values* (class indices, targets
in ``[0, 1]``) are a different matter, see :mod:`portanet.checks` (deferred on devices).

Exception types follow PyTorch: ``TypeError`` for a value of the wrong type,
``ValueError`` for a value out of range.  ``bool`` is refused where an integer size is
expected (``Linear(3, True)`` is a slip, not a width of 1).

Example:
    >>> from portanet import argcheck
    >>> argcheck.positive_int("Linear", "in_features", 0)
    Traceback (most recent call last):
    ValueError: Linear: in_features must be a positive integer, got 0
"""
from __future__ import annotations

import math
import numbers

__all__ = ["is_int", "positive_int", "size", "nonneg_int", "int_tuple", "real", "probability",
           "one_of", "reduction", "pair", "window", "dim", "dims"]

REDUCTIONS = ("none", "mean", "sum")


def is_int(v) -> bool:
    """An integer that is not a bool (``numbers.Integral`` includes NumPy integers)."""
    # `type(v) is int` first: the ABC check costs a microsecond, this one 30 ns
    return type(v) is int or (isinstance(v, numbers.Integral) and not isinstance(v, bool))


def _int(who: str, name: str, v, what: str) -> int:
    if not is_int(v):
        raise TypeError(f"{who}: {name} must be {what}, got {type(v).__name__} {v!r}")
    return int(v)


def positive_int(who: str, name: str, v) -> int:
    """``v`` as an int > 0; TypeError for a non-integer, ValueError for <= 0."""
    v = _int(who, name, v, "a positive integer")
    if v <= 0:
        raise ValueError(f"{who}: {name} must be a positive integer, got {v}")
    return v


def size(who: str, name: str, v, owner=None) -> int:
    """A layer's size: a positive int, or the placeholder 0 of a lazy module (``owner``
    whose class names a ``cls_to_become``), whose size comes from its first input."""
    if v == 0 and is_int(v) and getattr(type(owner), "cls_to_become", None) is not None:
        return 0
    return positive_int(who, name, v)


def nonneg_int(who: str, name: str, v) -> int:
    """``v`` as an int >= 0."""
    v = _int(who, name, v, "a non-negative integer")
    if v < 0:
        raise ValueError(f"{who}: {name} must be a non-negative integer, got {v}")
    return v


def int_tuple(who: str, name: str, v, n: int, minimum: int = 1) -> tuple:
    """An int or a sequence of ``n`` ints, each >= ``minimum``, as a tuple of ``n`` ints.

    Example:
        >>> int_tuple("Conv2d", "stride", 2, 2)
        (2, 2)
    """
    kind = {1: "positive integer", 0: "non-negative integer"}.get(minimum, f"integer >= {minimum}")
    what = f"a {kind} or a tuple of {n} of them"
    if is_int(v):
        t = (int(v),) * n
    elif isinstance(v, (tuple, list)) and all(is_int(a) for a in v):
        t = tuple(int(a) for a in v)
        if len(t) != n:
            raise ValueError(f"{who}: {name} must be {what}, got {v!r} ({len(t)} values)")
    else:
        raise TypeError(f"{who}: {name} must be {what}, got {type(v).__name__} {v!r}")
    if any(a < minimum for a in t):
        raise ValueError(f"{who}: {name} must be {what}, got {v!r}")
    return t


def real(who: str, name: str, v, lo=None, hi=None, lo_open: bool = False,
         hi_open: bool = False) -> float:
    """``v`` as a float within ``[lo, hi]`` (open ends where asked); NaN is refused.

    Example:
        >>> real("HuberLoss", "delta", 1, lo=0, lo_open=True)
        1.0
    """
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{who}: {name} must be a real number, got {type(v).__name__} {v!r}")
    f = float(v)
    bad = math.isnan(f)
    if lo is not None:
        bad = bad or (f <= lo if lo_open else f < lo)
    if hi is not None:
        bad = bad or (f >= hi if hi_open else f > hi)
    if bad:
        left = "-inf" if lo is None else f"{lo}"
        right = "inf" if hi is None else f"{hi}"
        span = (("(" if lo_open or lo is None else "[") + f"{left}, {right}"
                + (")" if hi_open or hi is None else "]"))
        raise ValueError(f"{who}: {name} must be in {span}, got {v!r}")
    return f


def probability(who: str, name: str, p) -> float:
    """A probability in ``[0, 1]`` (dropout's ``p``); PyTorch's wording."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{who}: {name} must be a real number in [0, 1], got {type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:  # written so that NaN fails too
        raise ValueError(f"{who}: {name} (dropout probability) has to be between 0 and 1, but got {p}")
    return float(p)


def one_of(who: str, name: str, v, options) -> object:
    """``v`` if it is one of ``options``, else ValueError listing them."""
    if not isinstance(v, (str, type(None), bool, numbers.Number)) or v not in options:
        raise ValueError(f"{who}: {name} must be one of {', '.join(repr(o) for o in options)}, "
                         f"got {v!r}")
    return v


def reduction(who: str, v) -> str:
    """A loss's ``reduction``: ``'none'``, ``'mean'`` or ``'sum'``."""
    return one_of(who, "reduction", v, REDUCTIONS)


def pair(who: str, name: str, v, lo: float = 0.0, hi: float = 1.0) -> tuple:
    """Two reals in ``[lo, hi)`` (Adam's ``betas``); ValueError naming the index otherwise."""
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{who}: {name} must be a tuple of 2 floats, got {type(v).__name__} {v!r}")
    if len(v) != 2:
        raise ValueError(f"{who}: {name} must be a tuple of 2 floats, got {tuple(v)!r} "
                         f"({len(v)} values)")
    for i, b in enumerate(v):
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"{who}: {name}[{i}] must be a real number, got {type(b).__name__} {b!r}")
    return tuple(v)


def window(who: str, nd: int, kernel_size, stride=None, padding=0, dilation=1) -> None:
    """A sliding window's sizes (convolution, pooling): kernel, stride, dilation >= 1,
    padding >= 0, each an int or a tuple of ``nd`` ints; ``stride=None`` means the kernel.

    Example:
        >>> window("MaxPool2d", 2, 2, stride=0)
        Traceback (most recent call last):
        ValueError: MaxPool2d: stride must be a positive integer or a tuple of 2 of them, got 0
    """
    int_tuple(who, "kernel_size", kernel_size, nd, 1)
    if stride is not None:
        int_tuple(who, "stride", stride, nd, 1)
    if not isinstance(padding, str):  # 'same'/'valid' are the convolution's own check
        int_tuple(who, "padding", padding, nd, 0)
    int_tuple(who, "dilation", dilation, nd, 1)


def dim(who: str, d, ndim: int, name: str = "dim") -> int:
    """``d`` as an axis in ``[0, ndim)``: PyTorch's IndexError for one out of range (a 0-d
    tensor takes -1 and 0, as in PyTorch), TypeError for a non-integer.

    Example:
        >>> dim("softmax", -1, 2)
        1
    """
    n = ndim if ndim > 0 else 1
    if type(d) is int and -n <= d < n:  # the common case, in a few tens of nanoseconds
        return d % n
    if not is_int(d):
        raise TypeError(f"{who}: {name} must be an integer, got {type(d).__name__} {d!r}")
    if not -n <= d < n:
        raise IndexError(f"{who}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return int(d) % n


def dims(who: str, ds, ndim: int, name: str = "dim") -> tuple:
    """``None`` (every axis), an int or a sequence of distinct ints, each checked by :func:`dim`."""
    if ds is None:
        return tuple(range(ndim))
    if type(ds) is int or is_int(ds):
        return (dim(who, ds, ndim, name),)
    if not isinstance(ds, (tuple, list)):
        raise TypeError(f"{who}: {name} must be an int, a tuple of ints or None, got "
                        f"{type(ds).__name__} {ds!r}")
    out = tuple([dim(who, d, ndim, name) for d in ds])
    if len(out) > 1 and len(set(out)) != len(out):
        raise ValueError(f"{who}: {name} {tuple(ds)!r} names an axis twice")
    return out
