"""Activation functions as Modules (``pn.nn.ReLU()`` ...)."""
from __future__ import annotations

from .. import argcheck
from .. import ops
from ..ops.activations import log_sigmoid
from .module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus",
           "Softmax", "LogSoftmax", "LogSigmoid"]


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``."""

    def forward(self, x):
        return ops.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return ops.tanh(x)


class ReLU(Module):
    """``max(x, 0)``.  (``inplace`` is accepted for PyTorch compatibility and ignored.)"""

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, x):
        return ops.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = argcheck.real("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = argcheck.real("ELU", "alpha", alpha)

    def forward(self, x):
        return ops.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(Module):
    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = argcheck.one_of("GELU", "approximate", approximate, ("none", "tanh"))

    def forward(self, x):
        return ops.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    def forward(self, x):
        return ops.silu(x)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        if argcheck.real("Softplus", "beta", beta) == 0:  # log(1 + exp(beta x)) / beta
            raise ValueError("Softplus: beta must be non-zero, got 0")
        argcheck.real("Softplus", "threshold", threshold)
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return ops.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    def __init__(self, dim: int | None = None):
        super().__init__()
        if dim is not None and not argcheck.is_int(dim):
            raise TypeError(f"{type(self).__name__}: dim must be an integer, got "
                            f"{type(dim).__name__} {dim!r}")
        self.dim = dim

    def forward(self, x):
        return ops.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return ops.log_softmax(x, self.dim)


class LogSigmoid(Module):
    def forward(self, x):
        return log_sigmoid(x)
