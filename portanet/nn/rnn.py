"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's API (cells: ``rnn_cell.py``).

Parameter names, shapes, initialization (U(-k, k), k = 1/sqrt(hidden_size)) and gate
orders are PyTorch's, so ``load_state_dict(torch_model.state_dict())`` works.  Each layer
and direction runs as one fused node (:mod:`portanet.ops.rnn`); packed sequences
(:mod:`portanet.nn.utils.rnn`) are computed without their padding.

Example:
    >>> lstm = pn.nn.LSTM(10, 20, num_layers=2, batch_first=True)
    >>> out, (h_n, c_n) = lstm(pn.randn(3, 5, 10))
    >>> out.shape, h_n.shape
    ((3, 5, 20), (2, 3, 20))
"""
from __future__ import annotations

import math
import warnings

from .. import ops
from ..autograd.tensor import Tensor
from ..ops.indexing import Take
from ..ops.rnn import rnn_layer
from . import init
from ..ops.dropout import dropout as _dropout
from .layers import check_float_input, empty_parameter
from .module import Module
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size, hidden_size: features in and per direction out.
        num_layers: stacked layers.  bias: learn ``b_ih`` and ``b_hh``.
        batch_first: input and output are ``(B, T, *)`` instead of ``(T, B, *)``.
        dropout: dropout on the outputs of every layer but the last (training only).
        bidirectional: add a reverse direction; outputs are concatenated.
        proj_size: LSTM only, project ``h`` to this size (``weight_hr_l{k}``).
        dtype: parameter dtype (default float32).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, "
                          f"so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for arg, v in (("input_size", input_size), ("hidden_size", hidden_size),
                       ("num_layers", num_layers)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name}: {arg} must be an integer greater than zero, got {v!r}")
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable "
                             f"projections, got {proj_size!r}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        G = _GATES[mode]
        D = 2 if bidirectional else 1
        out = proj_size or hidden_size
        names = []
        for layer in range(num_layers):
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (G * hidden_size, input_size if layer == 0 else out * D)),
                          ("weight_hh", (G * hidden_size, out))]
                if bias:
                    shapes += [("bias_ih", (G * hidden_size,)), ("bias_hh", (G * hidden_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for pname, shp in shapes:
                    setattr(self, pname + sfx, empty_parameter(shp, dtype))
                    names.append(pname + sfx)
        self._flat_weights_names = names
        self.reset_parameters()

    def reset_parameters(self) -> None:
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def flatten_parameters(self) -> None:
        """No-op, kept so that PyTorch code calling it runs unchanged (cuDNN-only in PyTorch)."""

    @property
    def _flat_weights(self) -> list:
        return [self._parameters[n] for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, as PyTorch's ``all_weights``."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ------------------------------------------------------------------ forward
    def forward(self, input, hx=None):
        """Run every layer over ``input``.

        Args:
            input: ``(T, B, input_size)`` (``(B, T, input_size)`` if ``batch_first``),
                ``(T, input_size)`` unbatched, or a :class:`PackedSequence`.
            hx: initial hidden state ``(num_layers * D, B, Hout)`` (LSTM: a tuple with the
                cell state ``(num_layers * D, B, hidden_size)``); zeros when ``None``.

        Returns:
            ``(output, h_n)`` or, for LSTM, ``(output, (h_n, c_n))``; ``output`` has
            ``D * Hout`` features and is a PackedSequence when ``input`` is one.
        """
        lstm = self.mode == "LSTM"
        w0 = self._parameters[self._flat_weights_names[0]]
        packed = isinstance(input, PackedSequence)
        if packed:
            x = input.data
            bs = input.host_batch_sizes()
            B, T = bs[0], len(bs)
            if not isinstance(x, Tensor) or x.ndim != 2:
                raise ValueError(f"{self._label()}: packed data must be 2-D (N, input_size), got "
                                 f"shape {getattr(x, 'shape', None)}")
            self._check_features(x.shape[-1], x.shape)
            unbatched = False
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{self._label()} expected a pn.Tensor or PackedSequence input, "
                                f"got {type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"{self._label()}: Expected input to be 2D (unbatched) or 3D "
                                 f"(batched), got {input.ndim}D input of shape {input.shape}")
            self._check_features(input.shape[-1], input.shape)
            unbatched = input.ndim == 2
            x = input
            if unbatched:
                x = ops.unsqueeze(x, 1)
            elif self.batch_first:
                x = ops.transpose(x, 0, 1)
            T, B = x.shape[:2]
            x = ops.reshape(x, (T * B, self.input_size))
            bs = (B,) * T
        check_float_input(self, x, w0)
        h0s, c0s = self._initial_states(hx, B, unbatched, input if packed else None, w0)
        D = 2 if self.bidirectional else 1
        weights = self.all_weights
        hn, cn = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                w = weights[k]
                b = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size else None
                r = rnn_layer(self.mode, layer_in, h0s[k], c0s[k] if lstm else None, w[0], w[1],
                              *b, w_hr, batch_sizes=bs, reverse=d == 1)
                outs.append(r[0])
                hn.append(r[1])
                if lstm:
                    cn.append(r[2])
            layer_in = outs[0] if D == 1 else ops.concat(outs, axis=1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = _dropout(layer_in, self.dropout, True)
        h_n = ops.stack(hn, 0)
        c_n = ops.stack(cn, 0) if lstm else None
        if packed:
            if input.unsorted_indices is not None:
                h_n = _batch_take(h_n, input.unsorted_indices)
                c_n = _batch_take(c_n, input.unsorted_indices) if lstm else None
            out = PackedSequence(layer_in, input.batch_sizes, input.sorted_indices,
                                 input.unsorted_indices)
        else:
            out = ops.reshape(layer_in, (T, B, layer_in.shape[-1]))
            if unbatched:
                out = ops.reshape(out, (T, out.shape[-1]))
                h_n = ops.reshape(h_n, (h_n.shape[0], h_n.shape[2]))
                c_n = ops.reshape(c_n, (c_n.shape[0], c_n.shape[2])) if lstm else None
            elif self.batch_first:
                out = ops.transpose(out, 0, 1)
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def _check_features(self, n: int, shape) -> None:
        if n != self.input_size:
            raise ValueError(f"{self._label()}: input.size(-1) must be equal to input_size. "
                             f"Expected {self.input_size}, got {n} (input shape {tuple(shape)})")

    def _initial_states(self, hx, B, unbatched, packed, w0):
        """Per layer and direction initial states ``(B, Hout)`` (and ``(B, H)``), checked."""
        lstm = self.mode == "LSTM"
        L = self.num_layers * (2 if self.bidirectional else 1)
        Hout = self.proj_size or self.hidden_size
        if hx is None:
            bk = w0._bk
            xp = bk.xp
            h = Tensor.from_array(xp.zeros((B, Hout), dtype=w0.array.dtype, device=bk.device), bk)
            c = h if Hout == self.hidden_size else Tensor.from_array(
                xp.zeros((B, self.hidden_size), dtype=w0.array.dtype, device=bk.device), bk)
            return [h] * L, [c] * L
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{self._label()}: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            states = [("hidden[0]", hx[0], Hout), ("hidden[1]", hx[1], self.hidden_size)]
        else:
            if not isinstance(hx, Tensor):
                raise TypeError(f"{self._label()}: hx must be a Tensor, got {type(hx).__name__}")
            states = [("hidden", hx, Hout)]
        out = []
        for what, h, size in states:
            if not isinstance(h, Tensor):
                raise TypeError(f"{self._label()}: {what} must be a Tensor, got {type(h).__name__}")
            want = (L, size) if unbatched else (L, B, size)
            if unbatched and h.ndim != 2:
                raise ValueError(f"{self._label()}: For unbatched 2-D input, {what} should also be "
                                 f"2-D but got {h.ndim}-D tensor of shape {h.shape}")
            if h.shape != want:
                raise ValueError(f"{self._label()}: Expected {what} size {want}, got {h.shape}")
            check_float_input(self, h, w0)
            if unbatched:
                h = ops.unsqueeze(h, 1)
            if packed is not None and packed.sorted_indices is not None:
                h = _batch_take(h, packed.sorted_indices)
            out.append(list(ops.unbind(h, 0)))
        return out[0], (out[1] if lstm else None)


def _batch_take(h: Tensor, index: Tensor) -> Tensor:
    """``h[:, index]`` for ``h (L, B, H)``: one gather node (the index stays on the device)."""
    L, B = h.shape[:2]
    xp = h._bk.xp
    idx = xp.arange(L, dtype=index.array.dtype, device=h._bk.device)[:, None] * B + index.array[None, :]
    return Take.apply(h, idx=idx, lead=2, out_shape=h.shape)


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    Args: input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, dtype=None (PyTorch's order).

    Example:
        >>> rnn = pn.nn.RNN(4, 8, batch_first=True)
        >>> out, h_n = rnn(pn.randn(2, 5, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, dtype=None, proj_size: int = 0):
        # proj_size is accepted only to refuse it with PyTorch's error
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), PyTorch's gate order i, f, g, o.

    Args: input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, dtype=None.

    Example:
        >>> lstm = pn.nn.LSTM(10, 20, 2)
        >>> out, (h, c) = lstm(pn.randn(5, 3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), gates r, z, n as PyTorch computes them.

    Example:
        >>> gru = pn.nn.GRU(4, 8, batch_first=True)
        >>> out, h_n = gru(pn.randn(2, 5, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype=None, proj_size: int = 0):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype)
