"""Dropout layers: ``Dropout``, ``Dropout2d`` (Srivastava et al. 2014; functions:
``ops/dropout.py``).

Masks come from :func:`portanet.random.bernoulli`: the same ``pn.manual_seed`` gives the
same mask on every backend, generated on the device (no host round trip per step).
Kept values are scaled by ``1 / (1 - p)`` ("inverted dropout"), so eval mode is the
identity.  Departure: ``inplace=True`` is accepted but the result is a new tensor.

Example:
    >>> drop = pn.nn.Dropout(0.5)
    >>> y = drop(pn.ones(4, 10))      # about half zeros, the rest 2.0
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..ops.dropout import check_p, dropout, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


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
        self.p, self.inplace = check_p(p, type(self).__name__), inplace

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
