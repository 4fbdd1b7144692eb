"""SGD for NumPy arrays with in-place NumPy calls: the rule for small arrays.

The generic rule (``portanet.optim.sgd``) computes the same NumPy operations through the
backend-neutral helpers of ``portanet.optim._inplace``, which ask of each array whether
it is writeable; for the handful of elements of a small network's parameters those
questions cost more than the arithmetic.  This path checks once and then calls NumPy
directly, the same operations in the same order (so the same bits).  Large arrays go to
the fused numba loop (:mod:`.numba_optim`) instead, when numba is installed.

Example:
    >>> sgd(p, g, state, group)   # True: p (and the momentum buffer) updated in place
"""
from __future__ import annotations

import numpy as np

__all__ = ["sgd"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def sgd(p, g, state, group) -> bool:
    """:class:`portanet.optim.SGD`'s rule in place; ``False`` (nothing changed) if it can't."""
    if (type(p) is not np.ndarray or type(g) is not np.ndarray or p.dtype not in _FLOATS
            or g.dtype != p.dtype or g.shape != p.shape or not p.flags.writeable):
        return False
    mu = group["momentum"]
    buf = state.get("momentum_buffer") if mu != 0 else None
    if buf is not None and (type(buf) is not np.ndarray or buf.dtype != p.dtype
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
