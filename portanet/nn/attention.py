"""``MultiheadAttention`` (Vaswani et al. 2017) with PyTorch's parameters and masks.

Parameter names and initialization are PyTorch's (``in_proj_weight``, ``in_proj_bias``,
``out_proj``, ``q/k/v_proj_weight`` when ``kdim``/``vdim`` differ, ``bias_k``/``bias_v``), so a
PyTorch ``state_dict`` loads as it is.  Masks follow this module's convention: a boolean
mask is ``True`` where attention is *not* allowed, a float mask is added to the scores.
(For :func:`portanet.nn.functional.scaled_dot_product_attention` a boolean ``True`` means
the opposite, "takes part", as in PyTorch.)  The attention itself is one fused node
(:mod:`portanet.ops.attention`); the body is
:func:`portanet.ops.mha.multi_head_attention_forward`, PyTorch's functional form.

Example:
    >>> mha = pn.nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = pn.randn(2, 5, 16)
    >>> out, weights = mha(x, x, x, key_padding_mask=pn.zeros(2, 5, dtype="bool"))
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.tensor import Tensor
from ..ops.mha import mha_forward
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
        w0 = self.out_proj.weight
        for t in (query, key, value):
            if isinstance(t, Tensor):   # other types: mha_forward names the argument
                check_float_input(self, t, w0)
        sep = not self._qkv_same_embed_dim
        return mha_forward(self._label(), query, key, value, self.embed_dim, self.num_heads,
                           self.in_proj_weight, self.in_proj_bias, self.bias_k, self.bias_v,
                           self.add_zero_attn, self.dropout if self.training else 0.0,
                           self.out_proj.weight, self.out_proj.bias, key_padding_mask,
                           need_weights, attn_mask, sep, self.q_proj_weight, self.k_proj_weight,
                           self.v_proj_weight, None, None, average_attn_weights, is_causal,
                           self.batch_first)
