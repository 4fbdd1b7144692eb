"""``TransformerDecoderLayer``, ``TransformerDecoder`` and the encoder-decoder ``Transformer``
(Vaswani et al. 2017) with PyTorch's arguments, masks and ``state_dict`` keys.

Sub-module names are PyTorch's (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``,
``norm1..3``; ``encoder.layers.0...``, ``encoder.norm``, ``decoder.layers.0...``,
``decoder.norm``), so a PyTorch ``state_dict`` loads as it is.  Masks follow
:class:`~portanet.nn.MultiheadAttention`: a boolean mask is ``True`` where attention is
*not* allowed, a float mask is added to the scores.  The ``*_is_causal`` arguments are
hints, as in PyTorch: the mask given is used as it is (PyTorch may instead take a causal
fast path when the hint is set; the results agree when the hint is true).

Example:
    >>> model = pn.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1,
    ...                           num_decoder_layers=1, dim_feedforward=32, batch_first=True)
    >>> tgt_mask = pn.nn.Transformer.generate_square_subsequent_mask(5)
    >>> model(pn.randn(2, 7, 16), pn.randn(2, 5, 16), tgt_mask=tgt_mask).shape
    (2, 5, 16)
"""
from __future__ import annotations

from .. import argcheck
from . import init
from .attention import MultiheadAttention
from .dropout import Dropout
from .layers import Linear, ModuleList
from .module import Module
from .normalization import LayerNorm
from .transformer import (TransformerEncoder, TransformerEncoderLayer, _activation, _clone,
                          generate_square_subsequent_mask)

__all__ = ["TransformerDecoderLayer", "TransformerDecoder", "Transformer"]


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's ``memory``, then a feed-forward block,
    each with a residual and LayerNorm (``norm_first`` puts the norms before the blocks).

    Args: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu" (or
    "gelu", or a callable), layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True, dtype=None.

    Example:
        >>> layer = pn.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> layer(pn.randn(2, 5, 16), pn.randn(2, 7, 16)).shape
        (2, 5, 16)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        argcheck.positive_int("TransformerDecoderLayer", "dim_feedforward", dim_feedforward)
        argcheck.probability("TransformerDecoderLayer", "dropout", dropout)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False):
        """``tgt``: ``(T, N, E)`` (``(N, T, E)`` if batch_first) or ``(T, E)``; ``memory``:
        ``(S, N, E)`` likewise.  ``tgt_mask`` ``(T, T)``, ``memory_mask`` ``(T, S)`` (or
        ``(N * nhead, ., .)``), key padding masks ``(N, T)`` / ``(N, S)``."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


def _num_layers(who: str, n) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"{who}: num_layers must be a positive integer, got {n!r}")
    return n


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (names ``layers.0...``), then ``norm``.

    Example:
        >>> layer = pn.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
        >>> dec = pn.nn.TransformerDecoder(layer, num_layers=2)
        >>> dec(pn.randn(5, 2, 16), pn.randn(7, 2, 16)).shape
        (5, 2, 16)
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.num_layers = _num_layers("TransformerDecoder", num_layers)
        self.layers = ModuleList([_clone(decoder_layer) for _ in range(num_layers)])
        self.add_module("norm", norm)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal: bool = False):
        """Arguments as :meth:`TransformerDecoderLayer.forward` (``tgt_is_causal=None``
        means no hint: the mask is used as given, PyTorch's result either way)."""
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """The encoder-decoder Transformer of Vaswani et al. (2017), PyTorch's ``nn.Transformer``.

    Args:
        d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
        dim_feedforward=2048, dropout=0.1, activation="relu" (or "gelu", or a callable),
        custom_encoder=None, custom_decoder=None (modules used instead of the stacks),
        layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, dtype=None.

    Every parameter of more than one dimension is re-initialized Xavier-uniform, as PyTorch does.

    Shape: ``src`` ``(S, N, E)``, ``tgt`` ``(T, N, E)`` (batch first: ``(N, S, E)``,
    ``(N, T, E)``; unbatched ``(S, E)``, ``(T, E)``) -> ``(T, N, E)`` like ``tgt``.

    Example:
        >>> model = pn.nn.Transformer(16, 4, 1, 1, dim_feedforward=32)
        >>> out = model(pn.randn(7, 2, 16), pn.randn(5, 2, 16),
        ...             tgt_mask=model.generate_square_subsequent_mask(5))
        >>> out.shape
        (5, 2, 16)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 dtype=None):
        super().__init__()
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
                  bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            _num_layers("Transformer", num_encoder_layers)
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **kw), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            _num_layers("Transformer", num_decoder_layers)
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **kw), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, nhead={self.nhead}"

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        """Encode ``src``, then decode ``tgt`` attending to it; masks as in the layers."""
        lab = self._label()
        if src.ndim != tgt.ndim or src.ndim not in (2, 3):
            raise RuntimeError(f"{lab}: src and tgt must both be 3-D (batched) or 2-D "
                               f"(unbatched), got src {src.shape} and tgt {tgt.shape}")
        b = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[b] != tgt.shape[b]:
            raise RuntimeError(f"{lab}: the batch number of src and tgt must be equal, got "
                               f"src {src.shape} and tgt {tgt.shape} (batch_first="
                               f"{self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"{lab}: the feature number of src and tgt must be equal to "
                               f"d_model={self.d_model}, got src {src.shape} and tgt {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None):
        """Float ``(sz, sz)`` mask: 0 on and below the diagonal, ``-inf`` above.

        Example:
            >>> pn.nn.Transformer.generate_square_subsequent_mask(3)
        """
        return generate_square_subsequent_mask(sz, device=device, dtype=dtype)
