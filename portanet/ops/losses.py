"""Loss functions with PyTorch's names, arguments and ``reduction`` semantics.

Each takes ``input`` then ``target`` and ``reduction="mean" | "sum" | "none"``.

Example:
    >>> loss = pn.nn.functional.cross_entropy(logits, labels, label_smoothing=0.1)
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .activations import log_sigmoid, relu
from .elementwise import abs, clip, exp, log, where
from .fused import MSELoss
from .indexing import getitem
from .reduce import mean, sum
from .shape import permute, reshape, unsqueeze
from .softmax import CrossEntropyIndex, log_softmax
from .util import lift

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
           "multi_margin_loss", "kl_div"]


def _clamped_log(xp, a):
    """``max(log(a), -100)`` without evaluating ``log(0)`` (no divide-by-zero warning;
    a negative ``a`` still gives NaN: the range check is portanet.checks')."""
    zero = a == 0
    one, floor = xp.ones_like(a), xp.full_like(a, -100.0)
    return xp.where(zero, floor, xp.clip(xp.log(xp.where(zero, one, a)), min=-100.0))


_EPS = 9.999999960041972e-13  # PyTorch's EPSILON: the float32 nearest 1e-12, used in float64 too


class BinaryCrossEntropy(Function):
    """Elementwise ``-(t log p + (1 - t) log(1 - p))`` on probabilities, saturating as
    PyTorch's kernel does: each log is clamped at -100 (a probability of exactly 0 or 1
    costs at most 100, never inf), and the gradient for ``p`` is
    ``(p - t) / max(p (1 - p), 1e-12)`` (PyTorch's EPSILON), finite at p = 0 and 1 where
    the composed ``clip(log(p))`` gave ``0 * inf = NaN``.  The gradient for ``t`` is
    ``log(1 - p) - log(p)``, unclamped as PyTorch's (infinite at p = 0 and 1).
    """

    def forward(self, xp, p, t):
        self.p, self.t = p, t
        return -(t * _clamped_log(xp, p) + (1 - t) * _clamped_log(xp, 1 - p))

    def backward(self, xp, g):
        p, t = self.p, self.t
        need_p, need_t = self.needs
        gp = g * (p - t) / xp.clip(p * (1 - p), min=_EPS) if need_p else None
        gt = g * (xp.log(1 - p) - xp.log(p)) if need_t else None
        return gp, gt


def _weight(name: str, arg: str, w, input: Tensor):
    """An elementwise weight: None, or a Tensor that broadcasts to the input's shape."""
    if w is None:
        return None
    if not isinstance(w, Tensor):
        raise TypeError(f"{name}: {arg} must be a pn.Tensor or None, got {type(w).__name__}")
    shape = tuple(input.shape)
    ws = tuple(w.shape)
    if len(ws) > len(shape) or any(a != 1 and a != b for a, b in zip(ws[::-1], shape[::-1])):
        raise ValueError(f"{name}: {arg} of shape {ws} does not broadcast to the input's shape {shape}")
    return w


def _class_args(name: str, input, target, weight, reduction, ignore_index=-100):
    """Check a class-index loss's arguments (shapes and dtypes: host metadata, free) and
    return the target as a Tensor and the class weight as an array (or None)."""
    argcheck.reduction(name, reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a pn.Tensor, got {type(input).__name__}")
    if not dtype_name(input.dtype).startswith("float"):
        raise TypeError(f"{name}: input must be floating point, got {dtype_name(input.dtype)}")
    if not argcheck.is_int(ignore_index):
        raise TypeError(f"{name}: ignore_index must be an integer, got "
                        f"{type(ignore_index).__name__} {ignore_index!r}")
    if not isinstance(target, Tensor):
        target = Tensor(target, backend=input._bk)
    tdt = dtype_name(target.dtype)
    if not tdt.startswith(("int", "uint")):
        raise TypeError(f"{name}: target must hold integer class indices (int64), got {tdt}")
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-D input")
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != expected:
        raise ValueError(f"{name}: input shape {input.shape} needs class-index target of "
                         f"shape {expected}, got {target.shape}")
    return target, _class_weight(name, weight, input)


def _class_weight(name: str, weight, input: Tensor):
    """A class weight: None, or a Tensor of shape ``(C,)``; returned as its array."""
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}: weight must be a pn.Tensor or None, got {type(weight).__name__}")
    if tuple(weight.shape) != (c,):
        raise ValueError(f"{name}: weight must hold one value per class, shape ({c},), "
                         f"got shape {weight.shape}")
    return weight.array


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_pair(name: str, input, target, same_shape: bool = True, reduction: str = "mean",
                reductions: tuple = argcheck.REDUCTIONS) -> Tensor:
    """Check a loss's input, target and reduction before anything is computed; the target
    as a Tensor of the input's dtype."""
    argcheck.one_of(name, "reduction", reduction, reductions)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a pn.Tensor, got {type(input).__name__}")
    if not dtype_name(input.dtype).startswith("float"):
        raise TypeError(f"{name}: input must be floating point, got {dtype_name(input.dtype)}")
    if not isinstance(target, Tensor):
        target = lift(target, input)
    if same_shape and target.shape != input.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape {target.shape} differ")
    if same_shape and target.dtype != input.dtype:
        if not dtype_name(target.dtype).startswith("float"):
            raise TypeError(f"{name}: target must be floating point like the input "
                            f"({dtype_name(input.dtype)}), got {dtype_name(target.dtype)}")
        target = target.astype(input.dtype)
    return target


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target)^2``."""
    target = _check_pair("mse_loss", input, target, reduction=reduction)
    # one fused node (ops/fused.py): the same arithmetic as square(input - target) reduced
    return MSELoss.apply(input, target, reduction=reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``."""
    target = _check_pair("l1_loss", input, target, reduction=reduction)
    return _reduce(abs(input - target), reduction, "l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``0.5 d^2`` for ``|d| < delta``, else ``delta (|d| - delta/2)``; ``delta > 0``."""
    return _huber(input, target, reduction, delta, "huber_loss", "delta")


def _huber(input, target, reduction, delta, name, arg):
    argcheck.real(name, arg, delta, lo=0, lo_open=True)
    target = _check_pair(name, input, target, reduction=reduction)
    a = abs(input - target)
    q = clip(a, None, delta)
    return _reduce(0.5 * q * q + delta * (a - q), reduction, name)


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber loss divided by ``beta`` (PyTorch's SmoothL1Loss); ``beta >= 0``, 0 is L1."""
    if argcheck.real("smooth_l1_loss", "beta", beta, lo=0) == 0:
        target = _check_pair("smooth_l1_loss", input, target, reduction=reduction)
        return _reduce(abs(input - target), reduction, "smooth_l1_loss")
    return _huber(input, target, reduction, beta, "smooth_l1_loss", "beta") * (1.0 / beta)


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """BCE on probabilities, saturating as PyTorch's: each log is clamped at -100 in value
    and gradient, so probabilities of exactly 0 and 1 give finite losses and gradients.

    Example:
        >>> F.binary_cross_entropy(pn.sigmoid(logits), labels)
    """
    target = _check_pair("binary_cross_entropy", input, target, reduction=reduction)
    _check_unit("binary_cross_entropy", input, "input")
    _check_unit("binary_cross_entropy", target, "target")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _weight("binary_cross_entropy", "weight", weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy")


def _check_unit(name: str, t: Tensor, what: str) -> None:
    """PyTorch's check (and message) that BCE's input and target lie in [0, 1]; NaN fails."""
    xp = t._bk.xp
    a = t.array
    checks.check(t._bk, xp.all(xp.logical_and(a >= 0, a <= 1)), RuntimeError,
                 f"{name}: all elements of {what} should be between 0 and 1")


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Sigmoid + BCE in one stable expression:
    ``(1 - t) x - (1 + (pw - 1) t) log_sigmoid(x)``."""
    target = _check_pair("binary_cross_entropy_with_logits", input, target, reduction=reduction)
    weight = _weight("binary_cross_entropy_with_logits", "weight", weight, input)
    pos_weight = _weight("binary_cross_entropy_with_logits", "pos_weight", pos_weight, input)
    ls = log_sigmoid(input)
    if pos_weight is None:
        loss = (1 - target) * input - ls
    else:
        loss = (1 - target) * input - (1 + (pos_weight - 1) * target) * ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _class_layout(input: Tensor, target: Tensor):
    """Move the class dim last and flatten: (N, C, d1..) -> (N*d1*.., C)."""
    if input.ndim > 2:
        c = input.shape[1]
        perm = (0,) + tuple(range(2, input.ndim)) + (1,)
        return reshape(permute(input, perm), (-1, c)), reshape(target, (-1,))
    if input.ndim == 1:
        return reshape(input, (1, -1)), reshape(target, (1,))
    return input, target


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy on logits ``(N, C)`` (or ``(N, C, d1, ...)``).

    Args:
        target: class indices ``(N,)`` (integer) or class probabilities shaped like ``input``.
        weight: per-class weights ``(C,)``.
        ignore_index: class index whose samples contribute nothing (index targets only).
        label_smoothing: mix targets with the uniform distribution by this amount.

    Example:
        >>> loss = pn.nn.functional.cross_entropy(model(x), y)
    """
    if not isinstance(input, Tensor) or not dtype_name(input.dtype).startswith("float"):
        got = dtype_name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"cross_entropy: input must be floating-point logits, got {got}")
    if not isinstance(target, Tensor):
        target = lift(target, input) if not isinstance(target, list) else Tensor(target, backend=input._bk)
    argcheck.real("cross_entropy", "label_smoothing", label_smoothing, lo=0, hi=1)
    if dtype_name(target.dtype).startswith("float"):
        argcheck.reduction("cross_entropy", reduction)
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                             f"{input.shape}, got {target.shape}")
        if input.ndim == 0:
            raise ValueError("cross_entropy: input must have a class dimension, got a 0-D input")
        c = input.shape[1] if input.ndim > 1 else input.shape[0]
        w = _class_weight("cross_entropy", weight, input)
        t = target * (1 - label_smoothing) + label_smoothing / c if label_smoothing else target
        logp = log_softmax(input, dim=1 if input.ndim > 1 else 0)
        prod = t * logp
        if w is not None:
            shape = (1, c) + (1,) * (input.ndim - 2) if input.ndim > 1 else (c,)
            prod = prod * Tensor.from_array(input._bk.xp.reshape(w, shape), input._bk)
        per = -sum(prod, axis=1 if input.ndim > 1 else 0)
        return _reduce(per, reduction, "cross_entropy")
    target, w = _class_args("cross_entropy", input, target, weight, reduction, ignore_index)
    expected = tuple(target.shape)
    x2, t2 = _class_layout(input, target)
    _check_range("cross_entropy", t2, x2.shape[1], ignore_index)
    out = CrossEntropyIndex.apply(x2, t2, weight=w, ignore_index=ignore_index,
                                  label_smoothing=label_smoothing, reduction=reduction)
    if reduction == "none":
        out = reshape(out, expected)
    return out


def _check_range(name: str, target: Tensor, c: int, ignore_index: int) -> None:
    # on the device: immediate where reads are free, else raised at the next sync (checks.py)
    xp = target._bk.xp
    t = target.array
    ok = xp.all(xp.logical_or(xp.logical_and(t >= 0, t < c), t == ignore_index))
    checks.check(target._bk, ok, IndexError, f"{name}: target class index out of range [0, {c}) "
                                             f"(ignore_index={ignore_index})")


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood on log-probabilities ``(N, C)``; weighted mean as PyTorch."""
    target, _ = _class_args("nll_loss", input, target, weight, reduction, ignore_index)
    x2, t2 = _class_layout(input, target)
    _check_range("nll_loss", t2, x2.shape[1], ignore_index)
    xp = input._bk.xp
    valid = t2.array != ignore_index
    safe = Tensor.from_array(xp.where(valid, t2.array, xp.zeros_like(t2.array)), input._bk)
    n = x2.shape[0]
    picked = getitem(x2, (Tensor.from_array(xp.arange(n, device=input._bk.device), input._bk), safe),
                           _in_range=True)
    w = xp.astype(valid, input.array.dtype)
    if weight is not None:
        wd = weight.array if isinstance(weight, Tensor) else weight
        w = w * xp.take(wd, safe.array, axis=0)
    wt = Tensor.from_array(w, input._bk)
    per = -picked * wt
    if reduction == "mean":
        # an array division, not float(): no host sync, and all-ignored gives nan as PyTorch
        return sum(per) / Tensor.from_array(xp.sum(w), input._bk)
    if reduction == "none" and input.ndim > 2:
        per = reshape(per, target.shape)
    return _reduce(per, reduction, "nll_loss")


def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight=None,
                      reduction: str = "mean") -> Tensor:
    """Multiclass SVM hinge loss: ``sum_{j != y} max(0, margin - x_y + x_j)^p / C``."""
    if p not in (1, 2) or not argcheck.is_int(p):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p!r}")
    argcheck.real("multi_margin_loss", "margin", margin)
    if isinstance(input, Tensor) and input.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: input must be 1-D (C,) or 2-D (N, C), got shape "
                         f"{input.shape}")
    target, _ = _class_args("multi_margin_loss", input, target, weight, reduction)
    x = input if input.ndim == 2 else reshape(input, (1, -1))
    t = target if target.ndim == 1 else reshape(target, (1,))
    n, c = x.shape
    _check_range("multi_margin_loss", t, c, -(10 ** 9))
    xp = input._bk.xp
    bk = input._bk
    rows = Tensor.from_array(xp.arange(n, device=bk.device), bk)
    xy = unsqueeze(getitem(x, (rows, t), _in_range=True), 1)
    h = relu(margin - xy + x)
    if p == 2:
        h = h * h
    not_y = xp.astype(xp.arange(c, device=bk.device)[None, :] != t.array[:, None], input.array.dtype)
    if weight is not None:
        wd = weight.array if isinstance(weight, Tensor) else weight
        not_y = not_y * xp.take(wd, t.array, axis=0)[:, None]
    per = sum(h * Tensor.from_array(not_y, bk), axis=1) * (1.0 / c)
    if input.ndim == 1 and reduction == "none":
        per = reshape(per, ())
    return _reduce(per, reduction, "multi_margin_loss")


def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` as log-probabilities (PyTorch's argument order).

    ``reduction="batchmean"`` divides the sum by the batch size (the mathematically
    correct KL); ``"mean"`` averages over all elements as PyTorch does.
    """
    target = _check_pair("kl_div", input, target, reduction=reduction,
                         reductions=argcheck.REDUCTIONS + ("batchmean",))
    if log_target:
        loss = exp(target) * (target - input)
    else:
        # xlogy: 0 * log 0 = 0; log on the graph so that a target requiring grad gets one
        logt = log(where(target.array > 0, target, 1.0))
        loss = target * (logt - input)
    if reduction == "batchmean":  # a 0-d input is its own batch (PyTorch's rule)
        return sum(loss) * (1.0 / input.shape[0]) if input.ndim else sum(loss)
    return _reduce(loss, reduction, "kl_div")
