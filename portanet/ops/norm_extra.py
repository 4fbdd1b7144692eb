"""More normalizations (PyTorch's functional forms): ``rms_norm`` (Zhang & Sennrich 2019),
``instance_norm`` (Ulyanov et al. 2016) over the fused :class:`~portanet.ops.norm.Normalize`
node, and ``local_response_norm`` (Krizhevsky et al. 2012) as a sum of shifted slices.

Example:
    >>> import portanet.nn.functional as F
    >>> F.rms_norm(pn.tensor([[3.0, 4.0]]), (2,), eps=0.0).tolist()
    [[0.8485281229019165, 1.1313708424568176]]
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .norm import Normalize, moments
from .reduce import mean
from .shape import concat, reshape

__all__ = ["rms_norm", "instance_norm", "local_response_norm"]


def _finfo_eps(t: Tensor) -> float:
    return float(t._bk.xp.finfo(t.array.dtype).eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` axes;
    ``eps=None`` is the input dtype's machine epsilon (PyTorch's default).

    Example:
        >>> F.rms_norm(pn.ones(2, 4), (4,)).shape
        (2, 4)
    """
    if not isinstance(input, Tensor) or not dtype_name(input.dtype).startswith("float"):
        got = dtype_name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"rms_norm: input must be a floating-point pn.Tensor, got {got}")
    shape = (normalized_shape,) if argcheck.is_int(normalized_shape) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"rms_norm: normalized_shape {shape} does not match the trailing "
                         f"dimensions of input of shape {input.shape}")
    if weight is not None and tuple(weight.shape) != shape:
        raise ValueError(f"rms_norm: weight must have shape {shape}, got {weight.shape}")
    eps = _finfo_eps(input) if eps is None else argcheck.real("rms_norm", "eps", eps, lo=0)
    axes = tuple(range(input.ndim - k, input.ndim))
    y = input * (mean(input * input, axis=axes, keepdims=True) + eps) ** -0.5
    return y * weight if weight is not None else y


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each sample's each channel over its spatial axes: ``(N, C, *)``.

    With ``use_input_stats`` and running buffers given, they are updated in place with
    the batch mean of the per-instance statistics (unbiased variance), as PyTorch does;
    without ``use_input_stats`` the running statistics normalize.

    Example:
        >>> F.instance_norm(pn.randn(2, 3, 5)).shape
        (2, 3, 5)
    """
    if not isinstance(input, Tensor) or input.ndim < 3:
        got = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"instance_norm: expected input (N, C, *) with at least one spatial "
                         f"dimension, got {got}")
    n, c = input.shape[0], input.shape[1]
    axes = tuple(range(2, input.ndim))
    count = 1
    for a in axes:
        count *= input.shape[a]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"instance_norm: {name} must have shape ({c},) for input of shape "
                             f"{input.shape}, got {t.shape}")
    xp = input._bk.xp
    pshape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        if count <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when "
                             f"training, got input of shape {input.shape}")
        m, v = moments(xp, input.array, axes)
        if running_mean is not None or running_var is not None:
            mom = float(momentum)
            if running_mean is not None:
                bm = xp.mean(xp.reshape(m, (n, c)), axis=0)
                running_mean.array = (1.0 - mom) * running_mean.array + mom * bm
            if running_var is not None:
                bv = xp.mean(xp.reshape(v, (n, c)), axis=0) * (count / (count - 1))
                running_var.array = (1.0 - mom) * running_var.array + mom * bv
        stats = (m, v, True)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are needed when "
                             "use_input_stats is False")
        stats = (xp.reshape(running_mean.array, pshape), xp.reshape(running_var.array, pshape), False)
    y = Normalize.apply(input, axes=axes, eps=eps, stats=stats)
    if weight is not None:
        y = y * reshape(weight, pshape)
    if bias is not None:
        y = y + reshape(bias, pshape)
    return y


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """``x / (k + alpha / size * sum of x^2 over the size neighbouring channels)^beta``
    (zero-padded: ``size // 2`` channels before, ``(size - 1) // 2`` after).

    Example:
        >>> F.local_response_norm(pn.ones(1, 4, 2, 2), 2).shape
        (1, 4, 2, 2)
    """
    if not isinstance(input, Tensor) or input.ndim < 3:
        got = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input, "
                         f"got {got}")
    size = argcheck.positive_int("local_response_norm", "size", size)
    alpha = argcheck.real("local_response_norm", "alpha", alpha)
    beta = argcheck.real("local_response_norm", "beta", beta)
    k = argcheck.real("local_response_norm", "k", k)
    if input.shape[1] == 0:
        return input
    bk, xp = input._bk, input._bk.xp
    c = input.shape[1]
    sq = input * input

    def zeros(m):
        shape = (input.shape[0], m) + tuple(input.shape[2:])
        return Tensor.from_array(xp.zeros(shape, dtype=input.array.dtype, device=bk.device), bk)

    before, after = size // 2, (size - 1) // 2
    parts = ([zeros(before)] if before else []) + [sq] + ([zeros(after)] if after else [])
    padded = concat(parts, axis=1) if len(parts) > 1 else sq
    rest = (slice(None),) * (input.ndim - 2)
    win = padded[(slice(None), slice(0, c)) + rest]
    for i in range(1, size):
        win = win + padded[(slice(None), slice(i, i + c)) + rest]
    return input / (win * (alpha / size) + k) ** beta
