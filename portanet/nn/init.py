"""Weight initializers (``pn.nn.init``), in place on a Tensor, with PyTorch's names.

All draw from ``pn.random``'s counter-based stream, so the same ``pn.manual_seed`` gives
the same weights on every backend.

Example:
    >>> w = pn.nn.Parameter(pn.zeros(256, 784))
    >>> pn.nn.init.kaiming_uniform_(w, nonlinearity="relu")
"""
from __future__ import annotations

import math

from .. import random as _random
from ..autograd.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "glorot_uniform_", "glorot_normal_",
           "kaiming_uniform_", "kaiming_normal_", "he_uniform_", "he_normal_",
           "lecun_uniform_", "lecun_normal_", "orthogonal_", "trunc_normal_"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended gain for an activation (PyTorch's table)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(t: Tensor) -> tuple[int, int]:
    shape = t.shape
    if len(shape) < 2:
        raise ValueError(f"fan in/out need a tensor with at least 2 dims, got shape {shape}")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _fill(t: Tensor, arr) -> Tensor:
    # through _set_inplace, as any in-place write: the value reaches the tensor a `.data`
    # alias or a slice came from (`init.xavier_uniform_(m.weight.data)`), and a graph that
    # saved the old value for backward notices the change
    t._set_inplace(arr, "an nn.init function")
    return t


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, _random.uniform(tensor.shape, a, b, dtype=tensor.dtype,
                                         generator=generator, backend=tensor._bk))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std^2)."""
    return _fill(tensor, _random.normal(tensor.shape, mean, std, dtype=tensor.dtype,
                                        generator=generator, backend=tensor._bk))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """N(mean, std^2) truncated to [a, b].

    PyTorch samples by inverse CDF (erfinv, not in the Array API standard).  Here each
    element takes the first of 8 normal draws that lands in [a, b] (rejection sampling
    with a fixed number of draws, so the result is the same on every backend); an
    element whose 8 draws all miss is clipped, which for the usual [-2 std, 2 std]
    happens with probability 0.046^8, i.e. never in practice.

    Example:
        >>> pn.nn.init.trunc_normal_(w, std=0.02)
    """
    xp = tensor._bk.xp
    out = filled = None
    for _ in range(8):
        cand = _random.normal(tensor.shape, mean, std, dtype=tensor.dtype, generator=generator,
                              backend=tensor._bk)
        ok = xp.logical_and(cand >= a, cand <= b)
        if out is None:
            out, filled = cand, ok
        else:
            out = xp.where(filled, out, cand)
            filled = xp.logical_or(filled, ok)
    return _fill(tensor, xp.clip(out, a, b))


def constant_(tensor: Tensor, val: float) -> Tensor:
    xp = tensor._bk.xp
    return _fill(tensor, xp.full(tensor.shape, val, dtype=tensor.array.dtype, device=tensor._bk.device))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan_in, fan_out = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He et al. (2015): U(-b, b), b = gain * sqrt(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def lecun_uniform_(tensor: Tensor, generator=None) -> Tensor:
    """LeCun (1998): U(-b, b), b = sqrt(3 / fan_in) (not in torch.nn.init)."""
    fan_in, _ = _fans(tensor)
    b = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -b, b, generator)


def lecun_normal_(tensor: Tensor, generator=None) -> Tensor:
    fan_in, _ = _fans(tensor)
    return normal_(tensor, 0.0, math.sqrt(1.0 / fan_in), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Saxe et al. (2013): a (semi-)orthogonal matrix from the QR of a Gaussian one."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError("orthogonal_ needs a tensor with at least 2 dims")
    xp = tensor._bk.xp
    rows, cols = shape[0], tensor.numel() // shape[0]
    flat = _random.normal((rows, cols), dtype=tensor.dtype, generator=generator, backend=tensor._bk)
    if rows < cols:
        flat = xp.matrix_transpose(flat)
    q, r = xp.linalg.qr(flat)
    # make the factorization unique: columns of q signed by diag(r)
    d = xp.sign(xp.linalg.diagonal(r) if hasattr(xp.linalg, "diagonal") else xp.diagonal(r))
    q = q * d[None, :]
    if rows < cols:
        q = xp.matrix_transpose(q)
    return _fill(tensor, xp.reshape(q * gain, shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
