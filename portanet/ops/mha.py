"""Multi-head attention as a function: PyTorch's ``F.multi_head_attention_forward``, the body
of :class:`portanet.nn.MultiheadAttention`.

Projections ``q = query W_q^T + b_q`` (one product for self-attention), optional learned
``bias_k``/``bias_v`` rows and a zero key/value, ``num_heads`` heads of scaled dot-product
attention in one fused node (:mod:`portanet.ops.attention`), the output projection.
Masks: a boolean mask is ``True`` where attention is *not* allowed, a float mask is added
to the scores (PyTorch's convention for this function and the module).

Example:
    >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, mha.in_proj_weight,
    ...     mha.in_proj_bias, None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from .attention import additive_mask, attention_with_weights
from .linalg import linear
from .reduce import mean
from .shape import broadcast_to, concat, permute, reshape, split, squeeze, transpose, unsqueeze

__all__ = ["multi_head_attention_forward"]


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight, out_proj_bias,
                                 training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None,
                                 use_separate_proj_weight: bool = False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True,
                                 is_causal: bool = False):
    """PyTorch's functional multi-head attention (sequence first).

    Args:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (or unbatched
        ``(L, E)``...); ``in_proj_weight (3E, E)`` / ``in_proj_bias (3E,)``, or with
        ``use_separate_proj_weight`` the three ``q/k/v_proj_weight``; ``bias_k``/``bias_v``
        ``(1, 1, E)`` or None; ``static_k``/``static_v`` ``(N * num_heads, S, E / num_heads)``
        replace the projected keys/values; the rest as :class:`portanet.nn.MultiheadAttention`.

    Returns:
        ``(attn_output (L, N, E), attn_weights (N, L, S) or (N, heads, L, S) or None)``.
    """
    return mha_forward("multi_head_attention_forward", query, key, value, embed_dim_to_check,
                       num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                       dropout_p if training else 0.0, out_proj_weight, out_proj_bias,
                       key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                       q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
                       average_attn_weights, is_causal, batch_first=False)


def mha_forward(who, query, key, value, E, h, in_w, in_b, bias_k, bias_v, add_zero_attn, p,
                out_w, out_b, key_padding_mask, need_weights, attn_mask, separate, wq, wk, wv,
                static_k, static_v, average, is_causal, batch_first):
    """The shared body; ``who`` names the caller in errors, ``p`` is the dropout in force."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {name} must be a pn.Tensor, got {type(t).__name__}")
    if query.ndim not in (2, 3):
        raise ValueError(f"{who}: query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor of shape {query.shape}")
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(f"{who}: key and value should have the query's {query.ndim} "
                         f"dimensions, got query {query.shape}, key {key.shape}, value {value.shape}")
    if E % h:
        raise ValueError(f"{who}: embed_dim must be divisible by num_heads, got embed_dim={E} "
                         f"and num_heads={h}")
    if separate:
        if wq is None or wk is None or wv is None:
            raise ValueError(f"{who}: use_separate_proj_weight is True but q_proj_weight, "
                             "k_proj_weight or v_proj_weight is None")
        kdim, vdim = wk.shape[-1], wv.shape[-1]
    else:
        if in_w is None:
            raise ValueError(f"{who}: use_separate_proj_weight is False but in_proj_weight is None")
        kdim = vdim = E
    for name, t, want in (("query", query, E), ("key", key, kdim), ("value", value, vdim)):
        if t.shape[-1] != want:
            raise ValueError(f"{who}: was expecting embedding dimension of {want} for {name}, "
                             f"but got {t.shape[-1]} ({name} shape {t.shape})")
    batched = query.ndim == 3
    self_attn, same_kv = query is key and key is value, key is value
    if not batched:
        query, key, value = (unsqueeze(t, 0) for t in (query, key, value))
    elif not batch_first:
        query, key, value = (transpose(t, 0, 1) for t in (query, key, value))
    N, L, _ = query.shape
    S = key.shape[1] if static_k is None else static_k.shape[-2]   # static keys set the length
    if (static_k is not None or static_v is not None) and bias_k is not None:
        raise ValueError(f"{who}: bias_k/bias_v cannot be added to static_k/static_v")
    d = E // h
    for name, t in (("static_k", static_k), ("static_v", static_v)):
        if t is not None and (not isinstance(t, Tensor) or t.ndim != 3 or t.shape[0] != N * h
                              or t.shape[2] != d):
            raise ValueError(f"{who}: expecting {name} of shape ({N * h}, S, {d}), got "
                             f"{getattr(t, 'shape', type(t).__name__)}")
    if key.shape[:2] != value.shape[:2]:
        raise ValueError(f"{who}: key shape {key.shape} does not match value shape {value.shape}")
    mask = _masks(who, attn_mask, key_padding_mask, is_causal, N, h, L, S, batched, query)
    q, k, v = _project(query, key, value, E, in_w, in_b, wq, wk, wv, separate, self_attn, same_kv)
    if bias_k is not None and bias_v is not None:
        k = concat([k, broadcast_to(bias_k, (N, 1, E))], axis=1)
        v = concat([v, broadcast_to(bias_v, (N, 1, E))], axis=1)
        mask = _pad_key(mask)
    q, k, v = (permute(reshape(t, (N, t.shape[1], h, d)), (0, 2, 1, 3)) for t in (q, k, v))
    k = k if static_k is None else reshape(static_k, (N, h, static_k.shape[1], d))
    v = v if static_v is None else reshape(static_v, (N, h, static_v.shape[1], d))
    if add_zero_attn:
        bk = q._bk
        z = Tensor.from_array(bk.xp.zeros((N, h, 1, d), dtype=q.array.dtype, device=bk.device), bk)
        k, v = concat([k, z], axis=2), concat([v, z], axis=2)
        mask = _pad_key(mask)
    out, weights = attention_with_weights(q, k, v, mask, p)
    out = linear(reshape(permute(out, (0, 2, 1, 3)), (N, L, E)), out_w, out_b)
    if not batched:
        out = reshape(out, (L, E))
    elif not batch_first:
        out = transpose(out, 0, 1)
    if not need_weights:
        return out, None
    if average:
        weights = mean(weights, axis=1)
    if not batched:
        weights = squeeze(weights, 0)
    return out, weights


def _project(query, key, value, E, W, b, wq, wk, wv, separate, self_attn, same_kv):
    """The q, k, v input projections (one product for self-attention)."""
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = split(b, [E, E, E])
    if not separate:
        if self_attn:
            return split(linear(query, W, b), [E, E, E], dim=-1)
        wq, wk, wv = split(W, [E, E, E])
        if same_kv:
            bkv = None if b is None else concat([bk, bv])
            k, v = split(linear(key, concat([wk, wv]), bkv), [E, E], dim=-1)
            return linear(query, wq, bq), k, v
    return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)


def _masks(who, attn_mask, key_padding_mask, is_causal, N, h, L, S, batched, like):
    """One additive float mask broadcastable to ``(N, heads, L, S)``, or ``None``."""
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{who}: Need attn_mask if specifying the is_causal hint. You may "
                           "use generate_square_subsequent_mask to create this mask.")
    mask = None
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{who}: attn_mask must be a pn.Tensor, got {type(attn_mask).__name__}")
        m = additive_mask(attn_mask, like, true_means="masked", who=who)
        if m.ndim == 2:
            if m.shape != (L, S):
                raise ValueError(f"{who}: The shape of the 2D attn_mask is {m.shape}, but should "
                                 f"be {(L, S)}.")
        elif m.ndim == 3:
            if m.shape != (N * h, L, S):
                raise ValueError(f"{who}: The shape of the 3D attn_mask is {m.shape}, but should "
                                 f"be {(N * h, L, S)}.")
            m = reshape(m, (N, h, L, S))
        else:
            raise ValueError(f"{who}: attn_mask's dimension {m.ndim} is not supported "
                             f"(shape {m.shape}); expected (L, S) or (N * num_heads, L, S)")
        mask = m
    if key_padding_mask is not None:
        if not isinstance(key_padding_mask, Tensor):
            raise TypeError(f"{who}: key_padding_mask must be a pn.Tensor, got "
                            f"{type(key_padding_mask).__name__}")
        want = (N, S) if batched else (S,)
        if key_padding_mask.shape != want:
            raise ValueError(f"{who}: expecting key_padding_mask shape of {want}, but got "
                             f"{key_padding_mask.shape}")
        kpm = reshape(additive_mask(key_padding_mask, like, true_means="masked", who=who), (N, 1, 1, S))
        mask = kpm if mask is None else mask + kpm
    return mask


def _pad_key(mask):
    """Append one allowed key (a zero column) to an additive mask."""
    if mask is None:
        return None
    bk = mask._bk
    z = Tensor.from_array(bk.xp.zeros(mask.shape[:-1] + (1,), dtype=mask.array.dtype, device=bk.device), bk)
    return concat([mask, z], axis=-1)
