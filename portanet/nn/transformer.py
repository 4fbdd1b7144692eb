"""``TransformerEncoderLayer`` and ``TransformerEncoder`` (PyTorch's API).

Sub-module names are PyTorch's (``self_attn``, ``linear1``, ``linear2``, ``norm1``,
``norm2``), so a PyTorch ``state_dict`` loads as it is.  Masks follow
:class:`~portanet.nn.MultiheadAttention`: a boolean mask is ``True`` where attention is
*not* allowed, a float mask is added to the scores.

Example:
    >>> layer = pn.nn.TransformerEncoderLayer(d_model=32, nhead=4, batch_first=True)
    >>> enc = pn.nn.TransformerEncoder(layer, num_layers=2)
    >>> enc(pn.randn(2, 10, 32)).shape
    (2, 10, 32)
"""
from __future__ import annotations

import copy
import math

from .. import argcheck
from .. import ops
from ..autograd.tensor import Tensor
from ..backend import get_backend, resolve_dtype
from ..backend.devices import backend_for
from .attention import MultiheadAttention
from .dropout import Dropout
from .layers import Linear, ModuleList
from .module import Module
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "generate_square_subsequent_mask"]


def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """Float ``(sz, sz)`` causal mask: 0 on and below the diagonal, ``-inf`` above
    (PyTorch's ``nn.Transformer.generate_square_subsequent_mask``).

    Example:
        >>> m = generate_square_subsequent_mask(4)
    """
    argcheck.nonneg_int("generate_square_subsequent_mask", "sz", sz)
    bk = get_backend() if device is None else backend_for(device)
    xp = bk.xp
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, xp)
    i = xp.arange(sz, device=bk.device)
    arr = xp.where(i[:, None] >= i[None, :], xp.asarray(0.0, dtype=dt, device=bk.device),
                   xp.asarray(-math.inf, dtype=dt, device=bk.device))
    return Tensor.from_array(arr, bk)


def _activation(activation):
    if isinstance(activation, str):
        if activation == "relu":
            return ops.relu
        if activation == "gelu":
            return ops.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual and LayerNorm.

    ``norm_first=False`` (post-norm, Vaswani et al.): ``x = norm1(x + sa(x))``,
    ``x = norm2(x + ff(x))``; ``norm_first=True`` (pre-norm): ``x = x + sa(norm1(x))``,
    ``x = x + ff(norm2(x))``.

    Args: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu" (or
    "gelu", or a callable), layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True, dtype=None.

    Example:
        >>> layer = pn.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> layer(pn.randn(2, 7, 16)).shape
        (2, 7, 16)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        argcheck.positive_int("TransformerEncoderLayer", "dim_feedforward", dim_feedforward)
        argcheck.probability("TransformerEncoderLayer", "dropout", dropout)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        """``src``: ``(S, N, E)`` (``(N, S, E)`` if batch_first) or ``(S, E)``; masks as in
        :class:`MultiheadAttention` (``src_mask`` is its ``attn_mask``)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def _clone(module: Module) -> Module:
    """A deep copy with fresh arrays; backends (which hold library modules) are shared."""
    memo = {}
    for t in list(module.parameters()) + list(module.buffers()):
        memo[id(t._bk)] = t._bk
        memo[id(t.array)] = t._bk.xp.asarray(t.array, copy=True)
    return copy.deepcopy(module, memo)


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (names ``layers.0...``), then ``norm``.

    Args: encoder_layer, num_layers, norm=None; ``enable_nested_tensor`` and
    ``mask_check`` are accepted for PyTorch compatibility and have no effect (no fast path).

    Example:
        >>> layer = pn.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
        >>> enc = pn.nn.TransformerEncoder(layer, num_layers=2)
        >>> enc(pn.randn(7, 2, 16)).shape
        (7, 2, 16)
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"TransformerEncoder: num_layers must be a positive integer, got "
                             f"{num_layers!r}")
        self.layers = ModuleList([_clone(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.add_module("norm", norm)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=bool(is_causal))
        if self.norm is not None:
            out = self.norm(out)
        return out
