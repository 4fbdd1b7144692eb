"""``torch.special``: the special functions under PyTorch's names (``pn.special.erf`` ...),
the same functions as ``pn.erf`` etc., plus ``expit``, ``ndtr``, ``ndtri`` and ``entr``
composed from them.  ``gammaln``/``digamma``/Bessel functions are not provided.

Example:
    >>> pn.special.expit(pn.tensor([0.0]))          # tensor([0.5])
    >>> pn.special.ndtr(pn.tensor([0.0]))           # tensor([0.5])
"""
from __future__ import annotations

import math

from .ops.activations import sigmoid as expit
from .ops.api import (erf, erfc, erfinv, exp2, expm1, log1p, logit, logsumexp, round, sinc,  # noqa: A004
                      xlogy)
from .ops.mathargs import floating, tensor_arg
from .ops.pointwise import unary
from .ops.softmax import log_softmax, softmax

__all__ = ["erf", "erfc", "erfinv", "expit", "exp2", "expm1", "log1p", "logit", "logsumexp",
           "round", "sinc", "xlogy", "log_softmax", "softmax", "ndtr", "ndtri", "entr"]


def ndtr(input):  # noqa: A002
    """The standard normal CDF ``(1 + erf(x / sqrt 2)) / 2``.

    Example:
        >>> pn.special.ndtr(pn.tensor([1.0]))       # tensor([0.8413])
    """
    return (erf(floating(input) * (1 / math.sqrt(2.0))) + 1) * 0.5


def ndtri(input):  # noqa: A002
    """The inverse of ``ndtr``: ``sqrt 2 * erfinv(2p - 1)``.

    Example:
        >>> pn.special.ndtri(pn.tensor([0.975]))    # tensor([1.9600])
    """
    return erfinv(floating(input) * 2 - 1) * math.sqrt(2.0)


def _entr(xp, x):
    pos = x > 0
    safe = xp.where(pos, x, xp.ones_like(x))
    return xp.where(pos, -x * xp.log(safe), xp.where(x == 0, xp.zeros_like(x), xp.full_like(x, -math.inf)))


_Entr = unary("Entr", _entr, lambda xp, x, y: -(1 + xp.log(x)))   # +inf at 0, NaN below


def entr(input):  # noqa: A002
    """Elementwise entropy term ``-x log x`` (0 at 0, -inf below 0); the gradient
    ``-(1 + log x)`` is +inf at 0, as PyTorch's.

    Example:
        >>> pn.special.entr(pn.tensor([0.0, 0.5]))  # tensor([0.0000, 0.3466])
    """
    return _Entr.apply(floating(tensor_arg("entr", input)))
