"""More normalization layers: ``RMSNorm``, ``InstanceNorm1d/2d/3d``, ``LocalResponseNorm``,
``BatchNorm3d`` (functions: ``ops/norm_extra.py``, ``ops/norm.py``), PyTorch's
arguments, defaults, parameter and buffer names.

Note PyTorch's defaults for instance norm: ``affine=False, track_running_stats=False``
(unlike batch norm).

Example:
    >>> pn.nn.InstanceNorm2d(3)(pn.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
"""
from __future__ import annotations

import warnings

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.norm_extra import instance_norm, local_response_norm, rms_norm
from .module import Module
from .normalization import _BatchNorm, _const
from .parameter import Parameter

__all__ = ["RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm"]


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes.

    Args: normalized_shape, eps=None (the input dtype's machine epsilon),
    elementwise_affine=True (a ``weight`` of ones), dtype=None.

    Example:
        >>> pn.nn.RMSNorm(8)(pn.randn(2, 5, 8)).shape
        (2, 5, 8)
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if argcheck.is_int(normalized_shape) else normalized_shape
        if not isinstance(shape, (tuple, list)) or not all(argcheck.is_int(n) for n in shape):
            raise TypeError("RMSNorm: normalized_shape must be an int or a tuple of ints, got "
                            f"{type(normalized_shape).__name__} {normalized_shape!r}")
        if any(n < 1 for n in shape):
            raise ValueError(f"RMSNorm: normalized_shape must hold positive sizes, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = None if eps is None else argcheck.real("RMSNorm", "eps", eps, lo=0)
        self.elementwise_affine = bool(elementwise_affine)
        if elementwise_affine:
            self.weight = Parameter(_const(self.normalized_shape, 1.0, dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            from . import init
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        try:
            return rms_norm(x, self.normalized_shape, self.weight, self.eps)
        except ValueError as e:
            raise ValueError(f"{self._label()}: {e}") from None

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _InstanceNorm(_BatchNorm):
    _nd = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)

    def forward(self, x: Tensor) -> Tensor:
        nd = self._nd
        if not isinstance(x, Tensor) or x.ndim not in (nd + 1, nd + 2):
            got = f"{x.ndim}D input of shape {x.shape}" if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{self._label()}: expected {nd + 1}D or {nd + 2}D input, got {got}")
        unbatched = x.ndim == nd + 1
        c = x.shape[0 if unbatched else 1]
        if c != self.num_features:
            if self.affine:
                raise ValueError(f"{self._label()}: expected input's size at dim="
                                 f"{0 if unbatched else 1} to match num_features "
                                 f"({self.num_features}), but got: {c}.")
            warnings.warn(f"{self._label()}: input's size at the channel dim ({c}) does not match "
                          f"num_features ({self.num_features}); it is ignored without affine",
                          stacklevel=2)
        if unbatched:
            x = x.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_input_stats, 0.0 if self.momentum is None else self.momentum,
                          self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` or ``(C, L)``.

    Args: num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False.

    Example:
        >>> pn.nn.InstanceNorm1d(3, affine=True)(pn.randn(2, 3, 6)).shape
        (2, 3, 6)
    """
    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` or ``(C, H, W)``; arguments as 1d.

    Example: ``pn.nn.InstanceNorm2d(3, affine=True)(pn.randn(2, 3, 8, 8))``."""
    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; arguments as 1d.

    Example: ``pn.nn.InstanceNorm3d(2)(pn.randn(1, 2, 4, 4, 4))``."""
    _nd = 3


class LocalResponseNorm(Module):
    """Normalization across neighbouring channels (AlexNet's).

    Args: size, alpha=1e-4, beta=0.75, k=1.0.

    Example:
        >>> pn.nn.LocalResponseNorm(2)(pn.randn(1, 4, 3, 3)).shape
        (1, 4, 3, 3)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = argcheck.positive_int("LocalResponseNorm", "size", size)
        self.alpha = argcheck.real("LocalResponseNorm", "alpha", alpha)
        self.beta = argcheck.real("LocalResponseNorm", "beta", beta)
        self.k = argcheck.real("LocalResponseNorm", "k", k)

    def forward(self, x: Tensor) -> Tensor:
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
