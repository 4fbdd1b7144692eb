"""``MultiheadAttention`` (Vaswani et al. 2017) with PyTorch's parameters and masks.

Parameter names and initialization are PyTorch's (``in_proj_weight``, ``in_proj_bias``,
``out_proj``, ``q/k/v_proj_weight`` when ``kdim``/``vdim`` differ, ``bias_k``/``bias_v``), so a
PyTorch ``state_dict`` loads as it is.  Masks follow this module's convention: a boolean
mask is ``True`` where attention is *not* allowed, a float mask is added to the scores.
(For :func:`portanet.nn.functional.scaled_dot_product_attention` a boolean ``True`` means
the opposite, "takes part", as in PyTorch.)  The attention itself is one fused node
(:mod:`portanet.ops.attention`).

Example:
    >>> mha = pn.nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = pn.randn(2, 5, 16)
    >>> out, weights = mha(x, x, x, key_padding_mask=pn.zeros(2, 5, dtype="bool"))
"""
from __future__ import annotations

from .. import argcheck
from .. import ops
from ..autograd.tensor import Tensor
from ..ops.attention import additive_mask, attention_with_weights
from . import init
from .layers import Linear, check_float_input, empty_parameter
from .module import Module

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads (Vaswani et al. 2017), PyTorch's parameters.

    Args:
        embed_dim, num_heads: model width and heads (``embed_dim % num_heads == 0``).
        dropout: dropout on the attention weights (training only).
        bias: biases of the input and output projections.
        add_bias_kv: learn ``bias_k``/``bias_v`` appended to the keys and values.
        add_zero_attn: append a zero key and value.
        kdim, vdim: key/value widths (default ``embed_dim``; then separate
            ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``).
        batch_first: inputs are ``(N, L, E)`` instead of ``(L, N, E)``.

    Example:
        >>> mha = pn.nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = pn.randn(2, 5, 16)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        ((2, 5, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, dtype=None):
        super().__init__()
        argcheck.positive_int("MultiheadAttention", "embed_dim", embed_dim)
        argcheck.positive_int("MultiheadAttention", "num_heads", num_heads)
        argcheck.probability("MultiheadAttention", "dropout", dropout)
        for name, v in (("kdim", kdim), ("vdim", vdim)):
            if v is not None:
                argcheck.positive_int("MultiheadAttention", name, v)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, "
                             f"got embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, float(dropout)
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first, self.add_zero_attn = batch_first, add_zero_attn
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter((3 * embed_dim, embed_dim), dtype)
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = empty_parameter((embed_dim, embed_dim), dtype)
            self.k_proj_weight = empty_parameter((embed_dim, self.kdim), dtype)
            self.v_proj_weight = empty_parameter((embed_dim, self.vdim), dtype)
        if bias:
            self.in_proj_bias = empty_parameter((3 * embed_dim,), dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty_parameter((1, 1, embed_dim), dtype)
            self.bias_v = empty_parameter((1, 1, embed_dim), dtype)
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` if batch_first) or ``(L, E)`` unbatched.
            key, value: ``(S, N, kdim)``, ``(S, N, vdim)`` likewise.
            key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); bool ``True`` = ignore that key.
            need_weights: also return the attention weights.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool ``True`` = not allowed.
            average_attn_weights: average the returned weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask (it must be given).

        Returns:
            ``(attn_output, attn_weights)``: ``(L, N, E)`` (or batch first) and
            ``(N, L, S)`` (``(N, num_heads, L, S)`` unaveraged), or ``None`` for weights.
        """
        lab = self._label()
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{lab}: {name} must be a pn.Tensor, got {type(t).__name__}")
        if query.ndim not in (2, 3):
            raise ValueError(f"{lab}: query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor of shape {query.shape}")
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{lab}: key and value should have the query's {query.ndim} "
                             f"dimensions, got query {query.shape}, key {key.shape}, value {value.shape}")
        batched = query.ndim == 3
        for name, t, want in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.shape[-1] != want:
                raise ValueError(f"{lab}: was expecting embedding dimension of {want} for {name}, "
                                 f"but got {t.shape[-1]} ({name} shape {t.shape})")
        w0 = self.out_proj.weight
        for t in (query, key, value):
            check_float_input(self, t, w0)
        self_attn = query is key and key is value
        same_kv = key is value
        if not batched:
            query, key, value = (ops.unsqueeze(t, 0) for t in (query, key, value))
        elif not self.batch_first:
            query, key, value = (ops.transpose(t, 0, 1) for t in (query, key, value))
        N, L, E = query.shape
        S = key.shape[1]
        if key.shape[:2] != value.shape[:2]:
            raise ValueError(f"{lab}: key shape {key.shape} does not match value shape {value.shape}")
        mask = self._masks(attn_mask, key_padding_mask, is_causal, N, L, S, batched, query, lab)
        q, k, v = self._project(query, key, value, self_attn, same_kv)
        if self.bias_k is not None:
            k = ops.concat([k, ops.broadcast_to(self.bias_k, (N, 1, E))], axis=1)
            v = ops.concat([v, ops.broadcast_to(self.bias_v, (N, 1, E))], axis=1)
            mask = _pad_key(mask)
        h, d = self.num_heads, self.head_dim
        q, k, v = (ops.permute(ops.reshape(t, (N, t.shape[1], h, d)), (0, 2, 1, 3)) for t in (q, k, v))
        if self.add_zero_attn:
            bk = q._bk
            z = Tensor.from_array(bk.xp.zeros((N, h, 1, d), dtype=q.array.dtype, device=bk.device), bk)
            k, v = ops.concat([k, z], axis=2), ops.concat([v, z], axis=2)
            mask = _pad_key(mask)
        p = self.dropout if self.training else 0.0
        out, weights = attention_with_weights(q, k, v, mask, p)
        out = ops.reshape(ops.permute(out, (0, 2, 1, 3)), (N, L, E))
        out = self.out_proj(out)
        if not batched:
            out = ops.reshape(out, (L, E))
        elif not self.batch_first:
            out = ops.transpose(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = ops.mean(weights, axis=1)
        if not batched:
            weights = ops.squeeze(weights, 0)
        return out, weights

    def _project(self, query, key, value, self_attn: bool, same_kv: bool):
        """The q, k, v input projections (one product for self-attention)."""
        E = self.embed_dim
        b = self.in_proj_bias
        bq = bk = bv = None
        if b is not None:
            bq, bk, bv = ops.split(b, [E, E, E])
        if self._qkv_same_embed_dim:
            W = self.in_proj_weight
            if self_attn:
                return ops.split(ops.linear(query, W, b), [E, E, E], dim=-1)
            wq, wk, wv = ops.split(W, [E, E, E])
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        q = ops.linear(query, wq, bq)
        if same_kv and self._qkv_same_embed_dim:
            bkv = None if b is None else ops.concat([bk, bv])
            k, v = ops.split(ops.linear(key, ops.concat([wk, wv]), bkv), [E, E], dim=-1)
            return q, k, v
        return q, ops.linear(key, wk, bk), ops.linear(value, wv, bv)

    def _masks(self, attn_mask, key_padding_mask, is_causal, N, L, S, batched, like, lab):
        """One additive float mask broadcastable to ``(N, heads, L, S)``, or ``None``."""
        if is_causal and attn_mask is None:
            raise RuntimeError(f"{lab}: Need attn_mask if specifying the is_causal hint. You may "
                               "use generate_square_subsequent_mask to create this mask.")
        mask = None
        if attn_mask is not None:
            if not isinstance(attn_mask, Tensor):
                raise TypeError(f"{lab}: attn_mask must be a pn.Tensor, got {type(attn_mask).__name__}")
            m = additive_mask(attn_mask, like, true_means="masked", who=lab)
            if m.ndim == 2:
                if m.shape != (L, S):
                    raise ValueError(f"{lab}: The shape of the 2D attn_mask is {m.shape}, but should "
                                     f"be {(L, S)}.")
            elif m.ndim == 3:
                want = (N * self.num_heads, L, S)
                if m.shape != want:
                    raise ValueError(f"{lab}: The shape of the 3D attn_mask is {m.shape}, but should "
                                     f"be {want}.")
                m = ops.reshape(m, (N, self.num_heads, L, S))
            else:
                raise ValueError(f"{lab}: attn_mask's dimension {m.ndim} is not supported "
                                 f"(shape {m.shape}); expected (L, S) or (N * num_heads, L, S)")
            mask = m
        if key_padding_mask is not None:
            if not isinstance(key_padding_mask, Tensor):
                raise TypeError(f"{lab}: key_padding_mask must be a pn.Tensor, got "
                                f"{type(key_padding_mask).__name__}")
            want = (N, S) if batched else (S,)
            if key_padding_mask.shape != want:
                raise ValueError(f"{lab}: expecting key_padding_mask shape of {want}, but got "
                                 f"{key_padding_mask.shape}")
            kpm = additive_mask(key_padding_mask, like, true_means="masked", who=lab)
            kpm = ops.reshape(kpm, (N, 1, 1, S))
            mask = kpm if mask is None else mask + kpm
        return mask


def _pad_key(mask):
    """Append one allowed key (a zero column) to an additive mask."""
    if mask is None:
        return None
    bk = mask._bk
    z = Tensor.from_array(bk.xp.zeros(mask.shape[:-1] + (1,), dtype=mask.array.dtype, device=bk.device), bk)
    return ops.concat([mask, z], axis=-1)
