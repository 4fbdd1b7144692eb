"""SGD for NumPy arrays with in-place NumPy calls: the rule for small arrays.

The generic rule (``portanet.optim.sgd``) computes the same NumPy operations through the
backend-neutral helpers of ``portanet.optim._inplace``, which ask of each array whether
it is writeable; for the handful of elements of a small network's parameters those
questions cost more than the arithmetic.  This path checks once and then calls NumPy
directly, the same operations in the same order (so the same bits).  Large arrays go to
the fused numba loop (:mod:`.numba_optim`) instead, when numba is installed.

Example:
    >>> sgd = make_sgd()
    >>> sgd(p, g, state, group)   # True: p (and the momentum buffer) updated in place
"""
from __future__ import annotations

import sys

import numpy as np

from . import NUMBA_MIN_SIZE

__all__ = ["make_sgd"]

_ndarray = np.ndarray


def make_sgd(fused=None):
    """The SGD fast path: ``fused(p, g, state, group)`` (the numba loop) for a large array,
    or for any array once numba is loaded; NumPy calls otherwise.

    ``fused`` is ``None`` when numba is not installed (or turned off).
    """
    def sgd(p, g, state, group) -> bool:
        """:class:`portanet.optim.SGD`'s rule in place; ``False`` (nothing changed) if it can't."""
        # ``is``: NumPy's built-in dtypes are singletons; anything unusual takes the generic path
        if type(p) is not _ndarray or type(g) is not _ndarray or g.dtype is not p.dtype \
                or g.shape != p.shape:
            return False
        if fused is not None and (p.size >= NUMBA_MIN_SIZE or "numba" in sys.modules) \
                and fused(p, g, state, group):
            return True
        if not p.flags.writeable:
            return False
        mu = group["momentum"]
        if mu == 0 and not group["weight_decay"] and not group["maximize"]:
            p -= g * group["lr"]  # plain gradient descent: the generic rule's one product
            return True
        return _sgd(p, g, state, group, mu)
    return sgd


def _sgd(p, g, state, group, mu) -> bool:
    buf = state.get("momentum_buffer") if mu != 0 else None
    if buf is not None and (type(buf) is not _ndarray or buf.dtype is not p.dtype
                            or buf.shape != p.shape or not buf.flags.writeable):
        return False
    if group.get("maximize"):
        g = -g
    wd = group.get("weight_decay", 0.0)
    if wd:
        g = g + p * wd
    if mu != 0:
        if buf is None:
            buf = state["momentum_buffer"] = np.array(g)  # a 0-d array, not a scalar
        else:
            keep = 1.0 - group["dampening"]
            buf *= mu
            buf += g if keep == 1.0 else g * keep
        g = g + buf * mu if group["nesterov"] else buf
    p -= g * group["lr"]
    return True
