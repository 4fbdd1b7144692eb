"""More activations with PyTorch's names, arguments and gradients at the kinks:
``hardtanh``, ``relu6``, ``hardsigmoid``, ``hardswish``, ``hardshrink``, ``softshrink``,
``threshold``, ``selu``, ``celu``, ``glu``, ``mish``, ``softsign``, ``tanhshrink``,
``softmin``, ``prelu``, ``rrelu`` (and ``logsigmoid``, PyTorch's spelling of
``log_sigmoid``).

The piecewise ones are one :class:`Piecewise` node that keeps ``dy/dx`` (one array) for
backward; where a kink sits on a breakpoint the derivative there is PyTorch's (e.g.
``hardtanh``'s gradient is 0 at ``min_val`` and ``max_val``, ``hardswish``'s is 1.5 at 3).

``inplace=True`` (and the ``F.hardtanh_``-style functions) changes the input as PyTorch
does, through ``Tensor.copy_``: version stamp, PyTorch's error on a leaf that requires
grad, history rebased onto the result on a graph tensor.

Example:
    >>> import portanet.nn.functional as F
    >>> F.hardtanh(pn.tensor([-2.0, 0.5, 2.0])).tolist()
    [-1.0, 0.5, 1.0]
"""
from __future__ import annotations

from .. import argcheck, random
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .activations import elu, leaky_relu, log_sigmoid, relu, sigmoid, softplus, tanh
from .dropout import MaskMul
from .elementwise import abs, where
from .shape import reshape, split
from .softmax import softmax
from .util import clip_bounds, register_methods

__all__ = ["hardtanh", "relu6", "hardsigmoid", "hardswish", "hardshrink", "softshrink",
           "threshold", "selu", "celu", "glu", "mish", "softsign", "tanhshrink", "softmin",
           "prelu", "rrelu", "logsigmoid", "hardtanh_", "threshold_", "selu_", "celu_", "rrelu_",
           "elu_", "leaky_relu_", "relu_"]

# SELU's constants (Klambauer et al. 2017), as PyTorch spells them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _f(xp, a, mask):
    return xp.astype(mask, a.dtype)


class Piecewise(Function):
    """``y = fn(a)`` for a piecewise rule ``rule(xp, a, want_grad) -> (y, dy/da or None)``."""

    def forward(self, xp, a, *, rule):
        y, self.d = rule(xp, a, self.needs is not None)
        return y

    def backward(self, xp, g):
        return (g * self.d,)


def _hardtanh_rule(lo, hi):
    def rule(xp, a, grad):
        y = clip_bounds(xp, a, lo, hi)
        # PyTorch: no gradient at the bounds themselves
        return y, (_f(xp, a, (a > lo) & (a < hi)) if grad else None)
    return rule


def _hardsigmoid(xp, a, grad):
    y = clip_bounds(xp, a / 6 + 0.5, 0.0, 1.0)
    return y, (_f(xp, a, (a > -3) & (a < 3)) / 6 if grad else None)


def _hardswish(xp, a, grad):
    y = a * clip_bounds(xp, a + 3, 0.0, 6.0) / 6
    if not grad:
        return y, None
    # PyTorch: 0 up to -3 (included), x/3 + 1/2 on (-3, 3), 1 from 3 (included)
    d = xp.where(a <= -3, xp.zeros_like(a), xp.where(a < 3, a / 3 + 0.5, xp.ones_like(a)))
    return y, d


def _shrink_rule(lambd, soft):
    def rule(xp, a, grad):
        out = (a < -lambd) | (a > lambd)   # PyTorch: |x| <= lambd gives 0 and no gradient
        z = xp.zeros_like(a)
        if soft:
            y = xp.where(a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, z))
        else:
            y = xp.where(out, a, z)
        return y, (_f(xp, a, out) if grad else None)
    return rule


def _threshold_rule(th, value):
    def rule(xp, a, grad):
        above = a > th
        return xp.where(above, a, xp.full_like(a, value)), (_f(xp, a, above) if grad else None)
    return rule


def _inplace(who: str, inplace) -> None:
    if not isinstance(inplace, bool):
        raise TypeError(f"{who}: inplace must be a bool, got {type(inplace).__name__} {inplace!r}")


def finish(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """``out``, or with ``inplace`` ``input`` changed to ``out`` in place (and returned)."""
    return input.copy_(out) if inplace else out


def _tensor(who: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: input must be a pn.Tensor, got {type(x).__name__}")
    return x


# ------------------------------------------------------------------ functions
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``; gradient 1 strictly inside, 0 elsewhere.

    Example:
        >>> F.hardtanh(pn.tensor([-3.0, 0.2]), -2.0, 2.0).tolist()
        [-2.0, 0.2]
    """
    _tensor("hardtanh", input)
    lo = argcheck.real("hardtanh", "min_val", min_val)
    hi = argcheck.real("hardtanh", "max_val", max_val)
    if lo > hi:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val}, "
                         f"max_val={max_val}")
    _inplace("hardtanh", inplace)
    return finish(input, Piecewise.apply(input, rule=_hardtanh_rule(lo, hi)), inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` (``hardtanh(x, 0, 6)``).

    Example:
        >>> F.relu6(pn.tensor([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """
    _tensor("relu6", input)
    _inplace("relu6", inplace)
    return finish(input, Piecewise.apply(input, rule=_hardtanh_rule(0.0, 6.0)), inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``clamp(x / 6 + 1/2, 0, 1)``.  Example: ``F.hardsigmoid(x)``."""
    _tensor("hardsigmoid", input)
    _inplace("hardsigmoid", inplace)
    return finish(input, Piecewise.apply(input, rule=_hardsigmoid), inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (Howard et al. 2019).  Example: ``F.hardswish(x)``."""
    _tensor("hardswish", input)
    _inplace("hardswish", inplace)
    return finish(input, Piecewise.apply(input, rule=_hardswish), inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.  Example: ``F.hardshrink(x, 0.5)``."""
    _tensor("hardshrink", input)
    return Piecewise.apply(input, rule=_shrink_rule(argcheck.real("hardshrink", "lambd", lambd),
                                                    False))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0; ``lambd >= 0``.

    Example:
        >>> F.softshrink(pn.tensor([-2.0, 0.1, 2.0]), 1.0).tolist()
        [-1.0, 0.0, 1.0]
    """
    _tensor("softshrink", input)
    lambd = argcheck.real("softshrink", "lambd", lambd, lo=0)
    return Piecewise.apply(input, rule=_shrink_rule(lambd, True))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.  Example: ``F.threshold(x, 0.1, 20.0)``."""
    _tensor("threshold", input)
    th = argcheck.real("threshold", "threshold", threshold)
    v = argcheck.real("threshold", "value", value)
    _inplace("threshold", inplace)
    return finish(input, Piecewise.apply(input, rule=_threshold_rule(th, v)), inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with SELU's fixed constants.  Example: ``F.selu(x)``."""
    _tensor("selu", input)
    _inplace("selu", inplace)
    return finish(input, elu(input, SELU_ALPHA) * SELU_SCALE, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``; ``alpha != 0``.

    Example:
        >>> F.celu(pn.tensor([1.0]), 2.0).tolist()
        [1.0]
    """
    _tensor("celu", input)
    alpha = argcheck.real("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must be non-zero (it divides x), got 0")
    _inplace("celu", inplace)
    # CELU(x) = alpha * ELU_1(x / alpha)
    return finish(input, elu(input * (1.0 / alpha), 1.0) * alpha, inplace)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for ``a, b`` the two halves of ``dim``.

    Example:
        >>> F.glu(pn.ones(2, 4)).shape
        (2, 2)
    """
    _tensor("glu", input)
    if input.ndim == 0:
        raise ValueError("glu: glu does not support scalars because halving size must be even")
    d = argcheck.dim("glu", dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise ValueError(f"glu: Halving dimension must be even, but dimension {d} is size {n}")
    a, b = split(input, n // 2, d)
    return a * sigmoid(b)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra 2019).  Example: ``F.mish(x)``."""
    _tensor("mish", input)
    _inplace("mish", inplace)
    return finish(input, input * tanh(softplus(input)), inplace)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.  Example: ``F.softsign(x)``."""
    _tensor("softsign", input)
    return input / (abs(input) + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.  Example: ``F.tanhshrink(x)``."""
    _tensor("tanhshrink", input)
    return input - tanh(input)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x, dim)``.  ``dim=None`` takes PyTorch's legacy choice (0 for 0-, 1- and
    3-D input, else 1); ``dtype`` casts the input first.

    Example:
        >>> F.softmin(pn.tensor([1.0, 1.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    _tensor("softmin", input)
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    argcheck.dim("softmin", dim, input.ndim)
    if dtype is not None:
        input = input.astype(dtype)
    return softmax(-input, dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)`` with one slope, or one per channel (axis 1).

    Example:
        >>> F.prelu(pn.tensor([[-1.0, 2.0]]), pn.tensor([0.25])).tolist()
        [[-0.25, 2.0]]
    """
    _tensor("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a pn.Tensor, got {type(weight).__name__}")
    if weight.ndim > 1:
        raise ValueError(f"prelu: weight must be 0-D or 1-D, got shape {weight.shape}")
    k = weight.numel()
    if k != 1:
        c = input.shape[1] if input.ndim >= 2 else 1   # PyTorch: a 1-D input is one channel
        if k != c:
            raise ValueError(f"prelu: Mismatch of parameter numbers and input channel size. Found "
                             f"parameter numbers = {k} and channel size = {c}.")
        if input.ndim >= 2:
            weight = reshape(weight, (c,) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        weight = reshape(weight, ())
    # at 0 the slope branch: PyTorch's gradient there is weight (input) and 0 (weight)
    return where(input.array > 0, input, weight * input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU (Xu et al. 2015): in training each non-positive element gets a
    slope drawn from ``U(lower, upper)`` (portanet's Philox stream, the same on every
    backend for a seed, not PyTorch's numbers); in eval the slope is ``(lower + upper) / 2``.

    Example:
        >>> F.rrelu(pn.tensor([-1.0, 1.0]), 0.1, 0.3).tolist()
        [-0.2, 1.0]
    """
    _tensor("rrelu", input)
    lo = argcheck.real("rrelu", "lower", lower)
    hi = argcheck.real("rrelu", "upper", upper)
    if lo > hi:
        raise ValueError(f"rrelu: lower bound should be less than or equal to the upper bound, "
                         f"got lower={lower}, upper={upper}")
    _inplace("rrelu", inplace)
    if not training:
        return finish(input, leaky_relu(input, (lo + hi) / 2), inplace)
    xp, bk = input._bk.xp, input._bk
    a = input.array
    r = random.uniform(tuple(input.shape), lo, hi, dtype=a.dtype, backend=bk)
    return finish(input, MaskMul.apply(input, mask=xp.where(a > 0, xp.ones_like(a), r)), inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """PyTorch's name for :func:`log_sigmoid`: ``log(sigmoid(x))`` without overflow.

    Example: ``F.logsigmoid(pn.tensor([0.0]))`` is ``[-0.6931]``."""
    return log_sigmoid(input)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.  Example: ``F.hardtanh_(x)`` changes and returns ``x``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return finish(input, elu(input, alpha), True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return finish(input, leaky_relu(input, negative_slope), True)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return finish(input, relu(input), True)


register_methods(hardshrink, prelu)
