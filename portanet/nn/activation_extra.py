"""More activation Modules (``pn.nn.PReLU()``, ``pn.nn.Hardtanh()`` ...), PyTorch's
names, arguments and defaults; functions in ``ops/activations_extra.py``.

``inplace=True`` changes the input in place, as PyTorch does (see
``ops/activations_extra.py``).

Example:
    >>> act = pn.nn.PReLU(3)            # one learnable slope per channel, 0.25 each
    >>> act(pn.randn(2, 3, 4)).shape
    (2, 3, 4)
"""
from __future__ import annotations

from .. import argcheck
from ..ops import activations_extra as A
from ..ops.softmax import softmax
from . import init
from .layers import empty_parameter
from .module import Module

__all__ = ["PReLU", "SELU", "CELU", "GLU", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish",
           "Hardshrink", "Softshrink", "Tanhshrink", "Softsign", "Mish", "Threshold", "Softmin",
           "Softmax2d", "RReLU"]


class _Inplace(Module):
    """An activation with PyTorch's ``inplace`` flag."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        A._inplace(type(self).__name__, inplace)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)`` with a learnable ``weight`` (He et al. 2015).

    Args: num_parameters=1 (1, or the number of channels, axis 1 of the input),
    init=0.25 (the slopes' initial value), dtype=None.  ``state_dict`` key ``'weight'``.

    Example:
        >>> pn.nn.PReLU()(pn.tensor([-2.0, 1.0])).tolist()
        [-0.5, 1.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=None):
        super().__init__()
        self.num_parameters = argcheck.positive_int("PReLU", "num_parameters", num_parameters)
        self.init = argcheck.real("PReLU", "init", init)
        self.weight = empty_parameter((self.num_parameters,), dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, x):
        return A.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class SELU(_Inplace):
    """``scale * elu(x, alpha)``, SELU's constants (Klambauer et al. 2017).

    Example: ``pn.nn.SELU()(x)``."""

    def forward(self, x):
        return A.selu(x, self.inplace)


class CELU(_Inplace):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``; alpha=1.0, non-zero.

    Example: ``pn.nn.CELU(0.5)(x)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.alpha = argcheck.real("CELU", "alpha", alpha)
        if self.alpha == 0:
            raise ValueError("CELU: alpha must be non-zero (it divides x), got 0")

    def forward(self, x):
        return A.celu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """``a * sigmoid(b)`` for the two halves of ``dim`` (default -1).

    Example:
        >>> pn.nn.GLU()(pn.ones(3, 4)).shape
        (3, 2)
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        if not argcheck.is_int(dim):
            raise TypeError(f"GLU: dim must be an integer, got {type(dim).__name__} {dim!r}")
        self.dim = dim

    def forward(self, x):
        return A.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardtanh(_Inplace):
    """``clamp(x, min_val, max_val)``; min_val=-1.0, max_val=1.0.

    Example:
        >>> pn.nn.Hardtanh(-2, 2)(pn.tensor([3.0])).tolist()
        [2.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        who = type(self).__name__
        self.min_val = argcheck.real(who, "min_val", min_val)
        self.max_val = argcheck.real(who, "max_val", max_val)
        if self.max_val <= self.min_val:
            raise ValueError(f"{who}: max_val must be greater than min_val, got min_val={min_val}, "
                             f"max_val={max_val}")

    def forward(self, x):
        return A.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``.  Example: ``pn.nn.ReLU6()(x)``."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Inplace):
    """``clamp(x / 6 + 1/2, 0, 1)``.  Example: ``pn.nn.Hardsigmoid()(x)``."""

    def forward(self, x):
        return A.hardsigmoid(x, self.inplace)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``.  Example: ``pn.nn.Hardswish()(x)``."""

    def forward(self, x):
        return A.hardswish(x, self.inplace)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd`` (0.5), else 0.  Example: ``pn.nn.Hardshrink()(x)``."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = argcheck.real(type(self).__name__, "lambd", lambd)

    def forward(self, x):
        return A.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """Shrink towards 0 by ``lambd`` (0.5, >= 0).  Example: ``pn.nn.Softshrink()(x)``."""

    def __init__(self, lambd: float = 0.5):
        super().__init__(lambd)
        argcheck.real("Softshrink", "lambd", lambd, lo=0)

    def forward(self, x):
        return A.softshrink(x, self.lambd)


class Tanhshrink(Module):
    """``x - tanh(x)``.  Example: ``pn.nn.Tanhshrink()(x)``."""

    def forward(self, x):
        return A.tanhshrink(x)


class Softsign(Module):
    """``x / (1 + |x|)``.  Example: ``pn.nn.Softsign()(x)``."""

    def forward(self, x):
        return A.softsign(x)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``.  Example: ``pn.nn.Mish()(x)``."""

    def forward(self, x):
        return A.mish(x, self.inplace)


class Threshold(_Inplace):
    """``x`` where ``x > threshold``, else ``value``.

    Example:
        >>> pn.nn.Threshold(0.5, -1.0)(pn.tensor([0.2, 0.9])).tolist()
        [-1.0, 0.9]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__(inplace)
        self.threshold = argcheck.real("Threshold", "threshold", threshold)
        self.value = argcheck.real("Threshold", "value", value)

    def forward(self, x):
        return A.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class Softmin(Module):
    """``softmax(-x, dim)``.  Example: ``pn.nn.Softmin(dim=1)(x)``."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        if dim is not None and not argcheck.is_int(dim):
            raise TypeError(f"Softmin: dim must be an integer, got {type(dim).__name__} {dim!r}")
        self.dim = dim

    def forward(self, x):
        return A.softmin(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` at each location.

    Example:
        >>> pn.nn.Softmax2d()(pn.zeros(1, 2, 3, 3)).sum(1).tolist()[0][0]
        [1.0, 1.0, 1.0]
    """

    def forward(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input (C, H, W) or (N, C, H, W), "
                             f"got shape {x.shape}")
        return softmax(x, -3)


class RReLU(_Inplace):
    """Randomized leaky ReLU: slopes ~ U(lower, upper) in training, their mean in eval.

    Args: lower=1/8, upper=1/3, inplace=False.  Training draws from portanet's seeded
    Philox stream (same on every backend, not PyTorch's numbers).

    Example:
        >>> pn.nn.RReLU(0.1, 0.3).eval()(pn.tensor([-1.0])).tolist()
        [-0.2]
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__(inplace)
        self.lower = argcheck.real("RReLU", "lower", lower)
        self.upper = argcheck.real("RReLU", "upper", upper)
        if self.lower > self.upper:
            raise ValueError(f"RReLU: lower bound should be less than or equal to the upper "
                             f"bound, got lower={lower}, upper={upper}")

    def forward(self, x):
        return A.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")
