"""More losses, PyTorch's names, positional order (including the legacy ``size_average``
and ``reduce``, mapped to ``reduction`` as PyTorch maps them), defaults and checks:
margin-ranking, hinge-embedding, soft-margin, multi-label (soft) margin, cosine-embedding,
triplet-margin (also with a distance function), Poisson NLL, Gaussian NLL.

All are composed from differentiable primitives (no hand-written backward), and none
reads a value back from the device: the target-value checks go through
:mod:`portanet.checks` (deferred on accelerators).

Example:
    >>> import portanet.nn.functional as F
    >>> F.margin_ranking_loss(pn.tensor([1.0]), pn.tensor([0.0]), pn.tensor([1.0]))
"""
from __future__ import annotations

import math

from .. import argcheck, checks
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .activations import log_sigmoid, relu
from .distance import pairwise_distance
from .elementwise import exp, log, minimum, where
from .linalg import matmul
from .losses import _check_pair, _reduce
from .reduce import sum
from .shape import reshape, unsqueeze

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "legacy_reduction"]


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _float(who: str, name: str, t) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}: {name} must be a pn.Tensor, got {type(t).__name__}")
    if not dtype_name(t.dtype).startswith("float"):
        raise TypeError(f"{who}: {name} must be floating point, got {dtype_name(t.dtype)}")
    return t


def _same_shapes(who: str, **tensors) -> None:
    shapes = {k: tuple(v.shape) for k, v in tensors.items()}
    if len(set(shapes.values())) > 1:
        got = ", ".join(f"{k}: {s}" for k, s in shapes.items())
        raise ValueError(f"{who}: all input tensors should have the same shape, got {got}")


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, ``target`` in {1, -1}.

    Example:
        >>> F.margin_ranking_loss(pn.tensor([0.5]), pn.tensor([1.0]), pn.tensor([1.0])).item()
        0.5
    """
    who = "margin_ranking_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    margin = argcheck.real(who, "margin", margin)
    _float(who, "input1", input1), _float(who, "input2", input2), _float(who, "target", target)
    _same_shapes(who, input1=input1, input2=input2, target=target)
    return _reduce(relu(-target * (input1 - input2) + margin), reduction, who)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``
    (PyTorch's sum of both terms for any other target value).

    Example:
        >>> F.hinge_embedding_loss(pn.tensor([0.3, 2.0]), pn.tensor([-1.0, 1.0])).item()
        1.35
    """
    who = "hinge_embedding_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    margin = argcheck.real(who, "margin", margin)
    target = _check_pair(who, input, target, reduction=reduction)
    t = target.array
    zero = 0.0 * input
    loss = where(t != 1, relu(margin - input), zero) + where(t != -1, input, zero)
    return _reduce(loss, reduction, who)


def soft_margin_loss(input, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``, averaged over all elements by default.

    Example:
        >>> F.soft_margin_loss(pn.tensor([0.0]), pn.tensor([1.0])).item()   # log 2
        0.6931...
    """
    who = "soft_margin_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    target = _check_pair(who, input, target, reduction=reduction)
    return _reduce(-log_sigmoid(target * input), reduction, who)   # overflow-free


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over the classes (last axis), then ``reduction``.

    Example:
        >>> F.multilabel_soft_margin_loss(pn.zeros(2, 3), pn.ones(2, 3)).item()   # log 2
        0.6931...
    """
    who = "multilabel_soft_margin_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    target = _check_pair(who, input, target, reduction=reduction)
    loss = -(target * log_sigmoid(input) + (1 - target) * log_sigmoid(-input))
    if weight is not None:
        _float(who, "weight", weight)
        try:
            loss = loss * weight
        except Exception as e:
            raise ValueError(f"{who}: weight of shape {weight.shape} does not broadcast to the "
                             f"input's shape {input.shape}") from e
    if input.ndim:
        loss = sum(loss, axis=input.ndim - 1) * (1.0 / input.shape[-1])
    return _reduce(loss, reduction, who)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """``sum_{j, i not a target} max(0, 1 - (x[y_j] - x[i])) / C`` per sample.

    ``target`` (int, the input's shape ``(C,)`` or ``(N, C)``) lists each sample's target
    classes, ended by the first -1.  Computed with one-hot products on the device.

    Example:
        >>> F.multilabel_margin_loss(pn.tensor([[0.1, 0.2, 0.4, 0.8]]),
        ...                          pn.tensor([[3, 0, -1, 1]])).item()
        0.85
    """
    who = "multilabel_margin_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    _float(who, "input", input)
    if not isinstance(target, Tensor) or not dtype_name(target.dtype).startswith("int"):
        got = dtype_name(target.dtype) if isinstance(target, Tensor) else type(target).__name__
        raise TypeError(f"{who}: target must be an integer tensor (int64), got {got}")
    if input.ndim not in (1, 2) or tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{who}: expected input (C,) or (N, C) and a target of the same shape, "
                         f"got input {input.shape} and target {target.shape}")
    bk, xp = input._bk, input._bk.xp
    x = input if input.ndim == 2 else reshape(input, (1, -1))
    y = target.array if target.ndim == 2 else xp.reshape(target.array, (1, -1))
    c = x.shape[1]
    checks.check(bk, xp.all(xp.logical_and(y >= -1, y < c)), IndexError,
                 f"{who}: target class index out of range [-1, {c})")
    dt = x.array.dtype
    # valid[n, j]: no -1 at or before j (a prefix mask through a triangular product)
    stop = xp.astype(y == -1, dt)
    tri = xp.astype(xp.arange(c, device=bk.device)[:, None] <= xp.arange(c, device=bk.device)[None, :], dt)
    valid = (stop @ tri) == 0
    cls = xp.arange(c, device=bk.device)
    onehot = xp.logical_and(valid[:, :, None], y[:, :, None] == cls[None, None, :])  # (N, j, C)
    is_target = xp.any(onehot, axis=1)                                              # (N, C)
    oh = Tensor.from_array(xp.astype(onehot, dt), bk)
    xy = matmul(oh, unsqueeze(x, 2))                                                 # (N, j, 1)
    h = relu(1.0 - xy + unsqueeze(x, 1))                                             # (N, j, C)
    keep = xp.astype(xp.logical_and(valid[:, :, None], xp.logical_not(is_target)[:, None, :]), dt)
    per = sum(sum(h * Tensor.from_array(keep, bk), axis=2), axis=1) * (1.0 / c)
    if input.ndim == 1:
        per = reshape(per, ())
    return _reduce(per, reduction, who)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``; cos over axis 1 of ``(N, D)`` (axis 0 of ``(D,)``), PyTorch's 1e-12
    added to each squared norm.

    Example:
        >>> F.cosine_embedding_loss(pn.ones(1, 2), pn.ones(1, 2), pn.tensor([1.0])).item()
        0.0
    """
    who = "cosine_embedding_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    margin = argcheck.real(who, "margin", margin)
    _float(who, "input1", input1), _float(who, "input2", input2)
    if not isinstance(target, Tensor):
        raise TypeError(f"{who}: target must be a pn.Tensor, got {type(target).__name__}")
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise ValueError(f"{who}: expected input1 and input2 of the same shape (N, D) or (D,), "
                         f"got {input1.shape} and {input2.shape}")
    if tuple(target.shape) != tuple(input1.shape[:-1]):
        raise ValueError(f"{who}: expected target of shape {tuple(input1.shape[:-1])} for inputs "
                         f"of shape {input1.shape}, got {target.shape}")
    d = input1.ndim - 1
    prod = sum(input1 * input2, axis=d)
    m1 = sum(input1 * input1, axis=d) + 1e-12
    m2 = sum(input2 * input2, axis=d) + 1e-12
    cos = prod / (m1 * m2) ** 0.5
    t = target.array
    zero = 0.0 * cos
    loss = where(t == 1, 1.0 - cos, zero) + where(t == -1, relu(cos - margin), zero)
    return _reduce(loss, reduction, who)


def _triplet_check(who, anchor, positive, negative):
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _float(who, name, t)
    nd = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(nd)) > 1 or nd[0] not in (1, 2):
        raise ValueError(f"{who}: anchor, positive and negative must all be 1-D (D,) or 2-D "
                         f"(N, D), got shapes {anchor.shape}, {positive.shape}, {negative.shape}")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d = pairwise_distance(., ., p, eps)``;
    ``swap`` uses ``min(d(a, n), d(p, n))`` (Balntas et al. 2016).

    Example:
        >>> a = pn.zeros(1, 2); F.triplet_margin_loss(a, a, a + 3.0).item()
        0.0
    """
    who = "triplet_margin_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    margin = argcheck.real(who, "margin", margin, lo=0, lo_open=True)
    _triplet_check(who, anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(relu(margin + d_pos - d_neg), reduction, who)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """:func:`triplet_margin_loss` with any ``distance_function(x1, x2)`` (default
    :func:`pairwise_distance`).

    Example:
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y:
        ...     1.0 - F.cosine_similarity(x, y))
    """
    who = "triplet_margin_with_distance_loss"
    reduction = argcheck.reduction(who, reduction)
    margin = argcheck.real(who, "margin", margin, lo=0, lo_open=True)
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{who}: distance_function must be callable or None, got "
                        f"{type(distance_function).__name__}")
    _triplet_check(who, anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce(relu(margin + d_pos - d_neg), reduction, who)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``),
    else ``input - target * log(input + eps)``; ``full`` adds Stirling's term
    ``t log t - t + log(2 pi t) / 2`` where ``target > 1``.

    Example:
        >>> F.poisson_nll_loss(pn.tensor([0.0]), pn.tensor([1.0])).item()
        1.0
    """
    who = "poisson_nll_loss"
    reduction = argcheck.reduction(who, legacy_reduction(size_average, reduce, reduction))
    eps = argcheck.real(who, "eps", eps)
    target = _check_pair(who, input, target, reduction=reduction)
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    if full:
        t = target.array
        big = t > 1
        safe = where(big, target, 2.0)
        stirling = safe * log(safe) - safe + 0.5 * log(2 * math.pi * safe)
        loss = loss + where(big, stirling, 0.0 * stirling)
    return _reduce(loss, reduction, who)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(max(var, eps)) + (input - target)^2 /
    max(var, eps)) / 2`` (+ ``log(2 pi) / 2`` when ``full``).  ``var`` has the input's
    shape, or one fewer trailing axis or a trailing 1 (homoscedastic); the clamp passes
    the gradient through unchanged, as PyTorch's (done under ``no_grad``).

    Raises ValueError (deferred on accelerators) where ``var`` has a negative entry.

    Example:
        >>> F.gaussian_nll_loss(pn.zeros(2), pn.zeros(2), pn.ones(2)).item()
        0.0
    """
    who = "gaussian_nll_loss"
    reduction = argcheck.reduction(who, reduction)
    eps = argcheck.real(who, "eps", eps, lo=0)
    target = _check_pair(who, input, target, same_shape=False, reduction=reduction)
    _float(who, "var", var)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = unsqueeze(var, -1)          # one fewer dimension: homoscedastic
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"{who}: var is of incorrect size: input {input.shape}, var "
                             f"{var.shape} (expected the input's shape, or with the last "
                             f"dimension 1 or left out)")
    xp = var._bk.xp
    checks.check(var._bk, xp.all(var.array >= 0), ValueError, f"{who}: var has negative entry/entries")
    clamped = xp.maximum(var.array, xp.asarray(eps, dtype=var.array.dtype, device=var._bk.device))
    var = var + Tensor.from_array(clamped - var.array, var._bk)   # value clamped, gradient 1
    d = input - target
    loss = 0.5 * (log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, who)
