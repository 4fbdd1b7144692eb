"""More dropouts: whole-channel ``dropout1d``/``dropout3d`` and the SELU-preserving
``alpha_dropout``/``feature_alpha_dropout`` (Klambauer et al. 2017).  Masks come from
portanet's seeded Philox stream (:func:`portanet.random.bernoulli`), the same on every
backend for a seed (not PyTorch's numbers), generated on the device.

Alpha dropout sets dropped values to SELU's negative saturation ``-alpha' = -1.7581``
and applies the affine map ``a x + b`` that keeps zero mean and unit variance:
``a = ((1 - p) (1 + p alpha'^2))^-1/2``, ``b = a alpha' p`` on kept values.

Example:
    >>> import portanet.nn.functional as F
    >>> F.alpha_dropout(pn.ones(3), 0.5, training=False).tolist()
    [1.0, 1.0, 1.0]
"""
from __future__ import annotations

import math

from .. import random
from ..autograd.tensor import Tensor
from .dropout import MaskMul, _masked, check_p

__all__ = ["dropout1d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766   # SELU's scale * alpha: the value a dropped SELU unit takes


def _channel_dropout(input, p, training, who, nd):
    p = check_p(p, who)
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a pn.Tensor, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{who}: Expected {nd + 1}D or {nd + 2}D input, but received a "
                         f"{input.ndim}D input of shape {input.shape}")
    if not training or p == 0.0:
        return input
    lead = 2 if input.ndim == nd + 2 else 1      # unbatched (C, *): one mask per channel
    return _masked(input, p, tuple(input.shape[:lead]) + (1,) * (input.ndim - lead))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p``.

    Example:
        >>> F.dropout1d(pn.ones(2, 4, 3), 0.5).shape
        (2, 4, 3)
    """
    return _channel_dropout(input, p, training, "dropout1d", 1)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) with probability ``p``.

    Example:
        >>> F.dropout3d(pn.ones(2, 4, 2, 2, 2), 0.5).shape
        (2, 4, 2, 2, 2)
    """
    return _channel_dropout(input, p, training, "dropout3d", 3)


def _alpha(input, p, training, mask_shape, who):
    p = check_p(p, who)
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}: input must be a pn.Tensor, got {type(input).__name__}")
    if not training or p == 0.0:
        return input
    xp, bk = input._bk.xp, input._bk
    dt = input.array.dtype
    if p == 1.0:   # PyTorch: everything dropped gives zeros
        return MaskMul.apply(input, mask=xp.zeros(mask_shape, dtype=dt, device=bk.device))
    keep = xp.astype(random.bernoulli(mask_shape, 1.0 - p, backend=bk), dt)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return MaskMul.apply(input, mask=keep * a) + Tensor.from_array(b, bk)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout of each element (keeps SELU's self-normalization); identity in eval.
    ``training`` defaults to False, as in PyTorch.

    Example:
        >>> F.alpha_dropout(pn.randn(4, 8), 0.2, training=True).shape
        (4, 8)
    """
    return _alpha(input, p, training, tuple(input.shape) if isinstance(input, Tensor) else (),
                  "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of ``(N, C, *)``; identity in eval.

    Example:
        >>> F.feature_alpha_dropout(pn.randn(2, 4, 3), 0.2, training=True).shape
        (2, 4, 3)
    """
    if isinstance(input, Tensor) and input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected input (N, C, *) with at least 2 "
                         f"dimensions, got shape {input.shape}")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if isinstance(input, Tensor) else ()
    return _alpha(input, p, training, shape, "feature_alpha_dropout")
