"""Dropout layers (``Dropout``, ``Dropout2d``) and functions (Srivastava et al. 2014).

Masks come from :func:`portanet.random.bernoulli`: the same ``pn.manual_seed`` gives the
same mask on every backend, generated on the device (no host round trip per step).
Kept values are scaled by ``1 / (1 - p)`` ("inverted dropout"), so eval mode is the
identity.  Departure: ``inplace=True`` is accepted but the result is a new tensor.

Example:
    >>> drop = pn.nn.Dropout(0.5)
    >>> y = drop(pn.ones(4, 10))      # about half zeros, the rest 2.0
"""
from __future__ import annotations

from .. import random as _random
from ..autograd.tensor import Tensor
from ..ops.dropout import MaskMul
from .module import Module

__all__ = ["Dropout", "Dropout2d", "dropout", "dropout2d"]


def _check_p(p: float, who: str) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: dropout probability has to be between 0 and 1, but got {p}")
    return p


def _masked(x: Tensor, p: float, mask_shape) -> Tensor:
    xp = x._bk.xp
    keep = _random.bernoulli(mask_shape, 1.0 - p, backend=x._bk)
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return MaskMul.apply(x, mask=xp.astype(keep, x.array.dtype) * scale)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

    Example:
        >>> F.dropout(pn.ones(3, 3), 0.2, training=False)   # identity
    """
    p = _check_p(p, "dropout")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` (or ``(N, C, L)``) with probability ``p``.

    Example:
        >>> F.dropout2d(pn.ones(2, 8, 4, 4), 0.5).shape
        (2, 8, 4, 4)
    """
    p = _check_p(p, "dropout2d")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expected a 3-D or 4-D input (N, C, [H,] W), got shape "
                         f"{input.shape}")
    if not training or p == 0.0:
        return input
    return _masked(input, p, input.shape[:2] + (1,) * (input.ndim - 2))


class Dropout(Module):
    """Randomly zero elements in training; the identity in eval mode.

    Args: p=0.5 (probability of zeroing), inplace=False (no effect, see module docs).

    Example:
        >>> m = pn.nn.Dropout(0.1).eval()
        >>> m(pn.ones(2)).tolist()
        [1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        self.p, self.inplace = _check_p(p, type(self).__name__), inplace

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Randomly zero whole channels of ``(N, C, H, W)`` in training (Tompson et al. 2015).

    Example:
        >>> pn.nn.Dropout2d(0.2)(pn.ones(2, 4, 3, 3)).shape
        (2, 4, 3, 3)
    """

    def forward(self, x: Tensor) -> Tensor:
        try:
            return dropout2d(x, self.p, self.training)
        except ValueError as e:
            raise ValueError(f"{self._label()}: {e}") from None
