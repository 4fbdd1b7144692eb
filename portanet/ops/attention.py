"""Scaled dot-product attention as one fused node, and PyTorch's functional form.

``softmax(q k^T * scale + mask) v`` with optional dropout on the weights.  The node keeps
``q``, ``k``, ``v`` and the weights; backward is the closed form
``ds = p * (dp - sum(dp * p))`` of the softmax, then three matrix products.

Rows whose every key is masked get weights 0 and output 0 (PyTorch's "safe softmax"
of ``scaled_dot_product_attention``; its ``MultiheadAttention`` gives NaN there).

Example:
    >>> out = scaled_dot_product_attention(q, k, v, is_causal=True)
"""
from __future__ import annotations

import math

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .shape import broadcast_to, reshape, unsqueeze
from .util import const, unbroadcast

__all__ = ["Attention", "scaled_dot_product_attention", "attention_with_weights"]


class Attention(Function):
    """``(out, weights)`` of ``softmax(q @ k^T * scale + mask) @ v``; one node.

    Inputs: ``q (..., L, E)``, ``k (..., S, E)``, ``v (..., S, Ev)`` and optionally an
    additive float ``mask`` broadcastable to ``(..., L, S)`` (``-inf`` = not allowed),
    which receives a gradient when it requires one.
    Params: ``scale``; ``drop``: ``None`` or a raw array of scaled keep-masks for the
    weights (dropout).  The returned weights are the ones ``v`` is multiplied by (after
    dropout), as PyTorch's ``MultiheadAttention`` returns them.
    """

    multi_output = True

    def forward(self, xp, q, k, v, mask=None, *, scale, drop=None):
        s = (q @ xp.matrix_transpose(k)) * scale
        if mask is not None:
            s = s + mask
        m = xp.max(s, axis=-1, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # fully masked rows: no inf - inf
        e = xp.exp(s - m)
        tot = xp.sum(e, axis=-1, keepdims=True)
        p = e / xp.where(tot > 0, tot, xp.ones_like(tot))  # fully masked rows -> weights 0
        pd = p if drop is None else p * drop
        self.q, self.k, self.v, self.p, self.pd = q, k, v, p, pd
        self.scale, self.drop = scale, drop
        self.mshape = None if mask is None else mask.shape
        return pd @ v, pd

    def backward(self, xp, gout, gw):
        q, k, v, p, pd = self.q, self.k, self.v, self.p, self.pd
        needs = self.needs
        dpd = gw
        dv = None
        if gout is not None:
            dpd = gout @ xp.matrix_transpose(v) if dpd is None else dpd + gout @ xp.matrix_transpose(v)
            if needs[2]:
                dv = unbroadcast(xp, xp.matrix_transpose(pd) @ gout, v.shape)
        dp = dpd if self.drop is None else dpd * self.drop
        ds = p * (dp - xp.sum(dp * p, axis=-1, keepdims=True))
        dq = unbroadcast(xp, (ds @ k) * self.scale, q.shape) if needs[0] else None
        dk = unbroadcast(xp, (xp.matrix_transpose(ds) @ q) * self.scale, k.shape) if needs[1] else None
        out = (dq, dk, dv)
        if len(needs) > 3:
            out += (unbroadcast(xp, ds, self.mshape) if needs[3] else None,)
        return out


def additive_mask(mask, like: Tensor, *, true_means: str, who: str):
    """A boolean or float mask as an additive float Tensor of ``like``'s dtype."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{who}: a mask must be a pn.Tensor, got {type(mask).__name__}")
    bk = like._bk
    xp = bk.xp
    if mask.dtype == xp.bool:   # cached constants: no host-to-device copy at each step
        inf, zero = const(xp, like.array, -math.inf), const(xp, like.array, 0.0)
        arr = xp.where(mask.array, inf, zero) if true_means == "masked" else xp.where(
            mask.array, zero, inf)
        return Tensor.from_array(arr, bk)
    if mask.dtype != like.dtype:
        from ..backend import dtype_name
        raise TypeError(f"{who}: a mask must be bool or of the query's float dtype "
                        f"{dtype_name(like.dtype)}, got {dtype_name(mask.dtype)}")
    return mask


def _causal(L: int, S: int, like: Tensor) -> Tensor:
    """Additive lower-triangular mask (top-left aligned, PyTorch's ``is_causal``)."""
    bk = like._bk
    xp = bk.xp
    i = xp.arange(L, device=bk.device)[:, None]
    j = xp.arange(S, device=bk.device)[None, :]
    arr = xp.where(i >= j, const(xp, like.array, 0.0), const(xp, like.array, -math.inf))
    return Tensor.from_array(arr, bk)


def _broadcastable(shape, target) -> bool:
    if len(shape) > len(target):
        return False
    return all(a == b or a == 1 for a, b in zip(shape[::-1], target[::-1]))


def attention_with_weights(query, key, value, mask=None, dropout_p: float = 0.0, scale=None):
    """``(out, weights)`` for an additive float ``mask`` (internal form used by
    ``MultiheadAttention``); dropout masks come from :mod:`portanet.random`."""
    E = query.shape[-1]
    sc = 1.0 / math.sqrt(E) if scale is None else float(scale)
    drop = None
    if dropout_p > 0.0:
        from .. import random as _random
        bk = query._bk
        xp = bk.xp
        shape = _broadcast(query.shape[:-2], key.shape[:-2]) + (query.shape[-2], key.shape[-2])
        keep = _random.bernoulli(shape, 1.0 - dropout_p, backend=bk)
        drop = xp.astype(keep, query.array.dtype) * (0.0 if dropout_p >= 1.0 else 1.0 / (1.0 - dropout_p))
    ins = (query, key, value) if mask is None else (query, key, value, mask)
    return Attention.apply(*ins, scale=sc, drop=drop)


def _broadcast(a, b) -> tuple:
    """The broadcast of two batch shapes."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return tuple(max(x, y) for x, y in zip(a, b))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False):
    """``softmax(query @ key^T * scale + mask) @ value`` (PyTorch's function).

    Args:
        query: ``(..., L, E)``; key: ``(..., S, E)``; value: ``(..., S, Ev)``.
        attn_mask: boolean (``True`` = takes part in attention, as PyTorch's function
            defines it) or float (added to the scores), broadcastable to ``(..., L, S)``.
        dropout_p: dropout on the attention weights (applied whenever > 0, as PyTorch).
        is_causal: a top-left aligned lower-triangular mask.  Combined with
            ``attn_mask`` it raises, as PyTorch does (ValueError here, RuntimeError there).
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: let ``key``/``value`` have fewer heads (dim -3) than ``query``, each
            shared by a group of query heads.

    Returns:
        ``(..., L, Ev)``.  Rows with every key masked give 0.

    Example:
        >>> q = k = v = pn.randn(2, 4, 6, 8)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 6, 8)
    """
    who = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ValueError(f"{who}: {name} must be a Tensor of at least 2 dimensions, got "
                             f"{getattr(t, 'shape', type(t).__name__)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{who}: expected query (..., L, E), key (..., S, E), value (..., S, Ev); "
                         f"got query {query.shape}, key {key.shape}, value {value.shape}")
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise ValueError(f"{who}: with enable_gqa the query heads ({hq}) must be a multiple of "
                             f"the key/value heads ({hk}, {value.shape[-3]})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    L, S = query.shape[-2], key.shape[-2]
    mask = additive_mask(attn_mask, query, true_means="allowed", who=who)
    if is_causal:
        if mask is not None:
            raise ValueError(f"{who}: Explicit attn_mask should not be set when is_causal=True")
        mask = _causal(L, S, query)
    if mask is not None:
        target = query.shape[:-1] + (S,)
        if not _broadcastable(mask.shape, target):
            raise ValueError(f"{who}: attn_mask of shape {mask.shape} does not broadcast to the "
                             f"attention scores' shape {target}")
    return attention_with_weights(query, key, value, mask, dropout_p, scale)[0]


def _repeat_heads(t: Tensor, r: int) -> Tensor:
    shp = t.shape
    x = unsqueeze(t, -3)  # (..., Hk, 1, S, E)
    x = broadcast_to(x, shp[:-2] + (r,) + shp[-2:])
    return reshape(x, shp[:-3] + (shp[-3] * r,) + shp[-2:])
