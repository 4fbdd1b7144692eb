"""More dropout layers: ``Dropout1d``, ``Dropout3d`` (whole channels), ``AlphaDropout``,
``FeatureAlphaDropout`` (for SELU networks); functions in ``ops/dropout_extra.py``.
Masks from portanet's seeded Philox stream (same on every backend, not PyTorch's numbers);
``inplace=True`` is accepted and computes out of place.

Example:
    >>> pn.nn.AlphaDropout(0.2).eval()(pn.ones(2)).tolist()
    [1.0, 1.0]
"""
from __future__ import annotations

from ..ops import dropout_extra as D
from .dropout import Dropout

__all__ = ["Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class Dropout1d(Dropout):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` in training.

    Example: ``pn.nn.Dropout1d(0.2)(pn.ones(2, 4, 3))``."""

    def forward(self, x):
        return D.dropout1d(x, self.p, self.training)


class Dropout3d(Dropout):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` in training.

    Example: ``pn.nn.Dropout3d(0.2)(pn.ones(2, 4, 2, 2, 2))``."""

    def forward(self, x):
        return D.dropout3d(x, self.p, self.training)


class AlphaDropout(Dropout):
    """Alpha dropout (keeps SELU's zero mean, unit variance); identity in eval.

    Example: ``pn.nn.AlphaDropout(0.1)(x)``."""

    def forward(self, x):
        return D.alpha_dropout(x, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of ``(N, C, *)``; identity in eval.

    Example: ``pn.nn.FeatureAlphaDropout(0.1)(x)``."""

    def forward(self, x):
        return D.feature_alpha_dropout(x, self.p, self.training)
