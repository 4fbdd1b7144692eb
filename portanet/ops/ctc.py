"""Connectionist temporal classification loss (Graves et al. 2006): ``ctc_loss``.

The forward algorithm runs in log space over the time steps on the device, one step per
Python iteration over all samples at once (the padded, blank-interleaved targets side by
side); the gradient is autograd's through that recursion.  The one primitive of its own
is :class:`LogAddExp`, whose gradient is 0, not NaN, where every term is ``-inf``
(unreachable states are the rule in CTC, not the exception).

Cost: ``T`` steps of a few ``(N, 2S+1)`` nodes, fine for the sequence lengths of CPU work;
PyTorch's fused kernel is faster on long sequences.

Example:
    >>> import portanet.nn.functional as F
    >>> lp = pn.randn(6, 2, 4).log_softmax(2)
    >>> F.ctc_loss(lp, pn.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2])
"""
from __future__ import annotations

import builtins

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .elementwise import where
from .indexing import getitem
from .reduce import mean, sum
from .shape import concat

__all__ = ["ctc_loss"]

_NEG = float("-inf")
sum_ = builtins.sum


class LogAddExp(Function):
    """``log(sum_i exp(x_i))`` of several same-shape arrays, elementwise; all ``-inf``
    gives ``-inf`` with gradient 0."""

    def forward(self, xp, *xs):
        m = xs[0]
        for x in xs[1:]:
            m = xp.maximum(m, x)
        fin = xp.isfinite(m)
        m0 = xp.where(fin, m, xp.zeros_like(m))
        s = xp.zeros_like(m)
        for x in xs:
            s = s + xp.exp(x - m0)
        out = xp.where(fin, m0 + xp.log(xp.where(fin, s, xp.ones_like(s))), m)
        self.xs, self.out, self.fin = xs, out, fin
        return out

    def backward(self, xp, g):
        out, fin = self.out, self.fin
        safe = xp.where(fin, out, xp.zeros_like(out))
        zero = xp.zeros_like(g)
        return tuple(xp.where(fin, g * xp.exp(x - safe), zero) if need else None
                     for x, need in zip(self.xs, self.needs))


def _lengths(who, name, v, n, bk):
    """Lengths as a raw int64 array of shape ``(n,)`` (a Tensor, or ints from the host)."""
    xp = bk.xp
    if isinstance(v, Tensor):
        if not dtype_name(v.dtype).startswith("int") or tuple(v.shape) not in ((n,), ()):
            raise ValueError(f"{who}: {name} must be an integer tensor of shape ({n},), got "
                             f"{dtype_name(v.dtype)} of shape {v.shape}")
        return xp.reshape(xp.astype(v.array, xp.int64), (-1,)) if v.ndim else \
            xp.reshape(xp.astype(v.array, xp.int64), (1,))
    vals = [v] if argcheck.is_int(v) else list(v) if isinstance(v, (tuple, list)) else None
    if vals is None or not all(argcheck.is_int(a) for a in vals) or len(vals) != n:
        raise ValueError(f"{who}: {name} must be a tuple of {n} ints or an integer tensor, got {v!r}")
    if any(a < 0 for a in vals):
        raise ValueError(f"{who}: {name} must be non-negative, got {tuple(vals)}")
    return xp.asarray([int(a) for a in vals], dtype=xp.int64, device=bk.device)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of ``log_probs`` ``(T, N, C)`` (or unbatched ``(T, C)``, log-softmaxed)
    against ``targets`` ``(N, S)`` padded (or 1-D, concatenated).

    ``reduction="mean"`` divides each loss by its target length, then averages over the
    batch (PyTorch's rule); ``zero_infinity`` turns impossible alignments (infinite loss)
    into 0 with gradient 0.

    Example:
        >>> F.ctc_loss(pn.zeros(3, 1, 2).log_softmax(2), pn.tensor([[1]]), [3], [1])
    """
    who = "ctc_loss"
    argcheck.reduction(who, reduction)
    if not isinstance(log_probs, Tensor) or not dtype_name(log_probs.dtype).startswith("float"):
        got = dtype_name(log_probs.dtype) if isinstance(log_probs, Tensor) else type(log_probs).__name__
        raise TypeError(f"{who}: log_probs must be a floating-point pn.Tensor, got {got}")
    if not isinstance(targets, Tensor) or not dtype_name(targets.dtype).startswith("int"):
        got = dtype_name(targets.dtype) if isinstance(targets, Tensor) else type(targets).__name__
        raise TypeError(f"{who}: targets must be an integer pn.Tensor, got {got}")
    if log_probs.ndim not in (2, 3):
        raise ValueError(f"{who}: log_probs must be (T, N, C) or (T, C), got shape {log_probs.shape}")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    t_max, n, c = lp.shape
    if not argcheck.is_int(blank) or not 0 <= blank < c:
        raise ValueError(f"{who}: blank must be in label range [0, {c}), got {blank!r}")
    bk, xp = lp._bk, lp._bk.xp
    il = _lengths(who, "input_lengths", input_lengths, n, bk)
    tl = _lengths(who, "target_lengths", target_lengths, n, bk)
    tg = targets.array
    if targets.ndim == 1 and not unbatched:
        # concatenated targets: cut by the lengths, which are sizes and so come from the
        # host (given as a Tensor, they are read back once: pass ints to avoid that)
        sizes = (target_lengths.tolist() if isinstance(target_lengths, Tensor)
                 else list(target_lengths))
        sizes = [sizes] if argcheck.is_int(sizes) else [int(k) for k in sizes]
        if sum_(sizes) != targets.shape[0]:
            raise ValueError(f"{who}: 1-D targets hold {targets.shape[0]} labels but "
                             f"target_lengths sum to {sum_(sizes)}")
        s_max = max(sizes) if sizes else 0
        rows, a = [], 0
        for k in sizes:
            rows.append(xp.concat([tg[a:a + k], xp.zeros((s_max - k,), dtype=tg.dtype,
                                                           device=bk.device)]))
            a += k
        tg = xp.stack(rows) if rows else xp.zeros((0, 0), dtype=tg.dtype, device=bk.device)
    elif unbatched:
        tg = xp.reshape(tg, (1, -1))
    if tg.ndim != 2 or tg.shape[0] != n:
        raise ValueError(f"{who}: targets must be (N, S) padded or 1-D concatenated, got shape "
                         f"{targets.shape} for a batch of {n}")
    s_max = tg.shape[1]
    checks.check(bk, xp.all(il <= t_max), ValueError,
                 f"{who}: input_lengths must be at most the input's length {t_max}")
    checks.check(bk, xp.all(tl <= s_max), ValueError,
                 f"{who}: target_lengths must be at most the targets' length {s_max}")
    # extended labels l' = (blank, y1, blank, y2, ..., blank): (N, L), L = 2 S + 1
    L = 2 * s_max + 1
    pos = xp.arange(L, device=bk.device)
    lab = xp.take(tg, xp.clip(pos // 2, 0, max(s_max - 1, 0)), axis=1) \
        if s_max else xp.zeros((n, L), dtype=tg.dtype, device=bk.device)
    lab = xp.where((pos % 2 == 1)[None, :], lab, xp.full_like(lab, blank))
    lab = xp.where(xp.logical_and(lab >= 0, lab < c), lab, xp.full_like(lab, blank))
    # a skip from s - 2 is allowed onto a label that differs from the label two back
    prev2 = xp.concat([xp.full((n, 2), blank, dtype=lab.dtype, device=bk.device), lab[:, :-2]], axis=1)
    skip = xp.logical_and(lab != blank, lab != prev2)
    skip = xp.logical_and(skip, (pos >= 2)[None, :])
    ti = xp.arange(t_max, device=bk.device)
    ni = xp.arange(n, device=bk.device)
    # lp[t, n, l'_s] for every step at once: (T, N, L)
    emit = getitem(lp, (Tensor.from_array(ti[:, None, None], bk), Tensor.from_array(ni[None, :, None], bk),
                        Tensor.from_array(lab[None, :, :], bk)), _in_range=True)
    neg = Tensor.from_array(xp.full((n, L), _NEG, dtype=lp.array.dtype, device=bk.device), bk)
    start = (pos < 2)[None, :]
    alpha = where(xp.broadcast_to(start, (n, L)), emit[0], neg)
    pad1 = Tensor.from_array(xp.full((n, 1), _NEG, dtype=lp.array.dtype, device=bk.device), bk)
    for t in range(1, t_max):
        a1 = concat([pad1, alpha[:, :L - 1]], axis=1)
        a2 = where(skip, concat([pad1, pad1, alpha[:, :L - 2]], axis=1), neg) if L > 2 else neg
        new = LogAddExp.apply(alpha, a1, a2) + emit[t]
        alpha = where(xp.broadcast_to((t < il)[:, None], (n, L)), new, alpha)
    last = Tensor.from_array(2 * tl, bk)
    rows = Tensor.from_array(ni, bk)
    end1 = getitem(alpha, (rows, last), _in_range=True)
    end2 = getitem(alpha, (rows, Tensor.from_array(xp.maximum(2 * tl - 1, xp.zeros_like(tl)), bk)),
                   _in_range=True)
    end2 = where(tl > 0, end2, neg[:, 0])
    nll = -LogAddExp.apply(end1, end2)
    if zero_infinity:
        nll = where(xp.isinf(nll.array), 0.0, nll)
    if reduction == "none":
        return nll[0] if unbatched else nll
    if reduction == "sum":
        return sum(nll)
    per = nll / Tensor.from_array(xp.astype(xp.maximum(tl, xp.ones_like(tl)), lp.array.dtype), bk)
    return mean(per)
