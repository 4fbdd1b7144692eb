"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``, ``GroupNorm``
(functions: ``ops/norm.py``).

PyTorch's arguments, defaults, parameter and buffer names (``weight``, ``bias``,
``running_mean``, ``running_var``, ``num_batches_tracked``), so ``state_dict`` keys
match.  As in PyTorch, the running variance is updated with the *unbiased* batch
variance while the batch itself is normalized with the biased one.

Example:
    >>> bn = pn.nn.BatchNorm2d(8)
    >>> bn(pn.randn(4, 8, 5, 5)).shape
    (4, 8, 5, 5)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend import get_backend, resolve_dtype
from ..ops.norm import batch_norm, group_norm, layer_norm
from . import init
from .layers import check_float_input
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]


def _const(shape, value, dtype):
    bk = get_backend()
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    return Tensor.from_array(bk.xp.full(shape, value, dtype=dt, device=bk.device), bk)


class _BatchNorm(Module):
    _dims: tuple = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(_const((num_features,), 1.0, dtype))
            self.bias = Parameter(_const((num_features,), 0.0, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _const((num_features,), 0.0, dtype))
            self.register_buffer("running_var", _const((num_features,), 1.0, dtype))
            self.register_buffer("num_batches_tracked", _const((), 0, "int64"))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            xp = self.running_mean._bk.xp
            self.running_mean.array = xp.zeros_like(self.running_mean.array)
            self.running_var.array = xp.ones_like(self.running_var.array)
            self.num_batches_tracked.array = xp.zeros_like(self.num_batches_tracked.array)

    def reset_parameters(self) -> None:
        """Running statistics to (0, 1), ``weight`` to ones and ``bias`` to zeros (PyTorch's)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim not in self._dims:
            dims = " or ".join(f"{d}-D" for d in self._dims)
            got = f"a {x.ndim}-D input of shape {x.shape}" if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{self._label()} expected a {dims} input, got {got}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{self._label()} expected input with {self.num_features} channels "
                             f"(axis 1), got shape {x.shape}")
        if self.weight is not None and (x.dtype != self.weight.dtype or x._bk is not self.weight._bk):
            check_float_input(self, x, self.weight)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array = self.num_batches_tracked.array + 1
            if self.momentum is None:  # cumulative moving average, as in PyTorch
                momentum = 1.0 / int(self.num_batches_tracked.item())
        # buffers are None without track_running_stats: then the batch statistics normalize
        # in eval mode too, and nothing is updated
        use_batch = self.training or not self.track_running_stats
        try:
            return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_batch, momentum, self.eps)
        except ValueError as e:
            raise ValueError(f"{self._label()}: {e}") from None

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` (Ioffe & Szegedy 2015).

    Args: num_features (C), eps=1e-5, momentum=0.1 (``None``: cumulative average),
    affine=True, track_running_stats=True, dtype=None.

    Example:
        >>> pn.nn.BatchNorm1d(16)(pn.randn(8, 16)).shape
        (8, 16)
    """
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(N, C, H, W)`` per channel.

    Args: as :class:`BatchNorm1d`.

    Example:
        >>> pn.nn.BatchNorm2d(8)(pn.randn(4, 8, 5, 5)).shape
        (4, 8, 5, 5)
    """
    _dims = (4,)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` axes (Ba et al. 2016).

    Args: normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None.

    Example:
        >>> pn.nn.LayerNorm(8)(pn.randn(2, 5, 8)).shape
        (2, 5, 8)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.weight = Parameter(_const(shape, 1.0, dtype)) if elementwise_affine else None
        self.bias = Parameter(_const(shape, 0.0, dtype)) if elementwise_affine and bias else None
        if self.weight is None:
            self.register_parameter("weight", None)
        if self.bias is None:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        try:
            return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        except ValueError as e:
            raise ValueError(f"{self._label()}: {e}") from None

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization of ``(N, C, *)`` with per-channel affine parameters.

    Args: num_groups, num_channels, eps=1e-5, affine=True, dtype=None.

    Example:
        >>> pn.nn.GroupNorm(2, 6)(pn.randn(3, 6, 4, 4)).shape
        (3, 6, 4, 4)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(_const((num_channels,), 1.0, dtype))
            self.bias = Parameter(_const((num_channels,), 0.0, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim < 2 or x.shape[1] != self.num_channels:
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{self._label()} expected input (N, {self.num_channels}, *), "
                             f"got shape {shape}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
