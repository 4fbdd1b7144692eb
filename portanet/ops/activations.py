"""Activation primitives.  Each keeps the one array its backward needs."""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend.fast import lookup
from .special import erf
from .util import register_methods

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus",
           "log_sigmoid"]


class Sigmoid(Function):
    def forward(self, xp, a):
        # 1/(1+exp(-a)) overflows exp for very negative a only into inf -> 0, which is the
        # right limit, so no branch is needed.
        self.y = 1 / (1 + xp.exp(-a))
        return self.y

    def backward(self, xp, g):
        y = self.y
        return (g * y * (1 - y),)


class Tanh(Function):
    def forward(self, xp, a):
        self.y = xp.tanh(a)
        return self.y

    def backward(self, xp, g):
        y = self.y
        return (g * (1 - y * y),)


class ReLU(Function):
    def forward(self, xp, a):
        self.y = xp.maximum(a, 0)
        return self.y

    def backward(self, xp, g):
        fast = lookup(xp, "relu_backward")  # e.g. NumPy: g times the boolean mask itself
        if fast is not None:
            return (fast(self.y, g),)
        return (g * xp.astype(self.y > 0, g.dtype),)


class LeakyReLU(Function):
    def forward(self, xp, a, slope):
        self.mask, self.slope = a > 0, slope
        return xp.where(self.mask, a, a * slope)

    def backward(self, xp, g):
        return (xp.where(self.mask, g, g * self.slope),)


class ELU(Function):
    def forward(self, xp, a, alpha):
        self.mask, self.alpha = a > 0, alpha
        # expm1 keeps precision near 0; clamp its argument so the untaken branch cannot overflow
        self.em1 = xp.expm1(xp.minimum(a, 0))
        return xp.where(self.mask, a, alpha * self.em1)

    def backward(self, xp, g):
        return (xp.where(self.mask, g, g * self.alpha * (self.em1 + 1)),)


class GELU(Function):
    """GELU, exact (``x * Phi(x)``, PyTorch's default) or ``approximate="tanh"``."""

    def forward(self, xp, a, approximate):
        self.a, self.approx = a, approximate
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            self.t = xp.tanh(k * (a + 0.044715 * a * a * a))
            return 0.5 * a * (1 + self.t)
        self.cdf = 0.5 * (1 + erf(xp, a * (1 / math.sqrt(2))))
        return a * self.cdf

    def backward(self, xp, g):
        a = self.a
        if self.approx == "tanh":
            k = math.sqrt(2 / math.pi)
            t = self.t
            dt = (1 - t * t) * k * (1 + 3 * 0.044715 * a * a)
            return (g * (0.5 * (1 + t) + 0.5 * a * dt),)
        pdf = xp.exp(-0.5 * a * a) * (1 / math.sqrt(2 * math.pi))
        return (g * (self.cdf + a * pdf),)


class SiLU(Function):
    def forward(self, xp, a):
        self.a = a
        self.s = 1 / (1 + xp.exp(-a))
        return a * self.s

    def backward(self, xp, g):
        s = self.s
        return (g * s * (1 + self.a * (1 - s)),)


class Softplus(Function):
    """``log(1 + exp(beta*a)) / beta``, linear above ``threshold`` as in PyTorch."""

    def forward(self, xp, a, beta, threshold):
        z = a * beta
        self.lin = z > threshold
        # log1p(exp(-|z|)) + max(z, 0) is the overflow-free form
        sp = (xp.log1p(xp.exp(-xp.abs(z))) + xp.maximum(z, 0)) / beta
        self.sig = 1 / (1 + xp.exp(-z))
        return xp.where(self.lin, a, sp)

    def backward(self, xp, g):
        return (xp.where(self.lin, g, g * self.sig),)


class LogSigmoid(Function):
    """``log(sigmoid(a)) = min(a, 0) - log1p(exp(-|a|))``, overflow-free."""

    def forward(self, xp, a):
        e = xp.exp(-xp.abs(a))
        self.a, self.e = a, e
        return xp.minimum(a, 0) - xp.log1p(e)

    def backward(self, xp, g):
        # d/da log(sigmoid(a)) = 1 - sigmoid(a) = sigmoid(-a), from the saved exp(-|a|)
        e = self.e
        s_neg = xp.where(self.a >= 0, e / (1 + e), 1 / (1 + e))
        return (g * s_neg,)


# ------------------------------------------------------------------ functions
def sigmoid(a: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-a))``."""
    return Sigmoid.apply(a)


def tanh(a: Tensor) -> Tensor:
    return Tanh.apply(a)


def relu(a: Tensor) -> Tensor:
    """``max(a, 0)``; gradient 0 at 0."""
    return ReLU.apply(a)


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(a, slope=negative_slope)


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    return ELU.apply(a, alpha=alpha)


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """GELU: exact erf form by default, ``approximate="tanh"`` as in PyTorch."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(a, approximate=approximate)


def silu(a: Tensor) -> Tensor:
    return SiLU.apply(a)


def softplus(a: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return Softplus.apply(a, beta=beta, threshold=threshold)


def log_sigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x))`` computed without overflow."""
    return LogSigmoid.apply(x)


register_methods(sigmoid, tanh, relu)
