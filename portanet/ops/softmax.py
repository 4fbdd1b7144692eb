"""Softmax, log-softmax and the fused softmax + cross-entropy primitive."""
from __future__ import annotations

import warnings

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .util import device_of, register_methods

__all__ = ["softmax", "log_softmax"]


def _shifted(xp, a, axis):
    """``a - max(a)`` along ``axis``; rows that are all -inf get a shift of 0, not NaN."""
    m = xp.max(a, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return a - m


def log_softmax_array(xp, a, axis):
    z = _shifted(xp, a, axis)
    return z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))


class Softmax(Function):
    def forward(self, xp, a, axis):
        e = xp.exp(_shifted(xp, a, axis))
        self.y = e / xp.sum(e, axis=axis, keepdims=True)
        self.axis = axis
        return self.y

    def backward(self, xp, g):
        y = self.y
        return (y * (g - xp.sum(g * y, axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    def forward(self, xp, a, axis):
        self.y = log_softmax_array(xp, a, axis)
        self.axis = axis
        return self.y

    def backward(self, xp, g):
        return (g - xp.exp(self.y) * xp.sum(g, axis=self.axis, keepdims=True),)


class CrossEntropyIndex(Function):
    """Fused ``cross_entropy(logits (N, C), target (N,) class indices)``.

    Forward keeps only the softmax probabilities; backward is ``(p - onehot) * w``.
    Handles ``weight``, ``ignore_index``, ``label_smoothing`` and the three reductions
    with PyTorch's definitions (weighted mean divides by the summed target weights).
    """

    def forward(self, xp, logits, target, weight, ignore_index, label_smoothing, reduction):
        n, c = logits.shape
        dev = device_of(logits)
        logp = log_softmax_array(xp, logits, 1)
        valid = target != ignore_index
        safe_t = xp.where(valid, target, xp.zeros_like(target))
        onehot = xp.astype(xp.arange(c, device=dev)[None, :] == safe_t[:, None], logits.dtype)
        eps = label_smoothing
        q = onehot * (1 - eps) + eps / c if eps else onehot
        if weight is None:
            wrow = xp.astype(valid, logits.dtype)          # (N,) per-sample weight
            self.wq = q * wrow[:, None]  # ignored rows carry no target mass
            per = -xp.sum(self.wq * logp, axis=1)
            denom = xp.sum(wrow)
        else:
            wt = xp.take(weight, safe_t, axis=0) * xp.astype(valid, logits.dtype)
            # PyTorch: the smoothing term weights each class by its own weight
            wq = (onehot * (1 - eps)) * wt[:, None]
            if eps:
                wq = wq + (eps / c) * weight[None, :] * xp.astype(valid, logits.dtype)[:, None]
            per = -xp.sum(wq * logp, axis=1)
            self.wq = wq
            wrow = xp.sum(wq, axis=1)
            denom = xp.sum(wt)
        self.p = xp.exp(logp)
        self.rowsum = xp.sum(self.wq, axis=1, keepdims=True)  # sum of target mass per row
        self.reduction = reduction
        if reduction == "none":
            return per
        s = xp.sum(per)
        if reduction == "sum":
            return s
        self.denom = denom
        return s / denom

    def backward(self, xp, g):
        # d/dlogits of -sum_k q_k log p_k is p * sum_k q_k - q
        grad = self.p * self.rowsum - self.wq
        if self.reduction == "none":
            grad = grad * g[:, None]
        elif self.reduction == "sum":
            grad = grad * g
        else:
            grad = grad * (g / self.denom)
        return (grad, None)


# ------------------------------------------------------------------ functions
def _implicit_dim(who: str, a: Tensor, dim, dtype):
    """PyTorch's entry rules: ``dim=None`` picks 0 for 0-, 1- and 3-D input, else 1, with
    its deprecation warning; ``dtype`` casts the input first."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {who} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if a.ndim in (0, 1, 3) else 1
    argcheck.dim(who, dim, a.ndim)
    return (a if dtype is None else a.to(dtype)), dim


def softmax(a: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """Softmax along ``dim`` (max-shifted; all -inf rows give 0/0-free output).

    Example:
        >>> pn.softmax(pn.tensor([[1.0, 2.0]]), dim=1)
    """
    a, dim = _implicit_dim("softmax", a, dim, dtype)
    return Softmax.apply(a, axis=dim)


def log_softmax(a: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(a))`` computed stably along ``dim``."""
    a, dim = _implicit_dim("log_softmax", a, dim, dtype)
    return LogSoftmax.apply(a, axis=dim)


register_methods(softmax, log_softmax)
