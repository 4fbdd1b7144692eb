"""One-step recurrent cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` with PyTorch's API.

A cell step is the fused recurrent node of :mod:`portanet.ops.rnn` run for one step, so a
cell costs one node per call.  Parameters (``weight_ih``, ``weight_hh``, ``bias_ih``,
``bias_hh``) and initialization (U(-k, k), k = 1/sqrt(hidden_size)) are PyTorch's.

Example:
    >>> cell = pn.nn.LSTMCell(10, 20)
    >>> h, c = cell(pn.randn(3, 10))
    >>> h, c = cell(pn.randn(3, 10), (h, c))
"""
from __future__ import annotations

import math

from .. import ops
from ..autograd.tensor import Tensor
from ..ops.rnn import rnn_layer
from . import init
from .layers import check_float_input, empty_parameter
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """One time step; parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, num_chunks: int = 1,
                 dtype=None):
        super().__init__()
        for arg, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{type(self).__name__}: {arg} must be an integer greater than "
                                 f"zero, got {v!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = empty_parameter((num_chunks * hidden_size, input_size), dtype)
        self.weight_hh = empty_parameter((num_chunks * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = empty_parameter((num_chunks * hidden_size,), dtype)
            self.bias_hh = empty_parameter((num_chunks * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _prepare(self, input, states):
        """Check ``input`` and the states; zeros for missing ones; returns the fused call's args."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._label()} expected a pn.Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{self._label()}: Expected input to be 1D or 2D, got {input.ndim}D "
                             f"input of shape {input.shape}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{self._label()}: input has inconsistent input_size: got "
                             f"{input.shape[-1]} expected {self.input_size} (input shape {input.shape})")
        w = self.weight_ih
        check_float_input(self, input, w)
        want = (self.hidden_size,) if input.ndim == 1 else (input.shape[0], self.hidden_size)
        out = []
        for what, h in states:
            if h is None:
                bk = w._bk
                h = Tensor.from_array(bk.xp.zeros(want, dtype=w.array.dtype, device=bk.device), bk)
            elif not isinstance(h, Tensor) or h.shape != want:
                raise ValueError(f"{self._label()}: Expected {what} of shape {want} for input of "
                                 f"shape {input.shape}, got {getattr(h, 'shape', type(h).__name__)}")
            else:
                check_float_input(self, h, w)
            out.append(h)
        return out

    def _run(self, input, h, c=None):
        unbatched = input.ndim == 1
        if unbatched:
            input = ops.unsqueeze(input, 0)
            h = ops.unsqueeze(h, 0)
            c = None if c is None else ops.unsqueeze(c, 0)
        b = (self.bias_ih, self.bias_hh) if self.bias else (None, None)
        r = rnn_layer(self._mode, input, h, c, self.weight_ih, self.weight_hh, *b,
                      batch_sizes=(input.shape[0],))[1:]
        if unbatched:
            r = tuple(ops.squeeze(t, 0) for t in r)
        return r


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU) for one step.

    Example:
        >>> cell = pn.nn.RNNCell(4, 8)
        >>> h = cell(pn.randn(3, 4))           # h0 = zeros
        >>> h = cell(pn.randn(3, 4), h)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, 1, dtype)

    def forward(self, input, hx=None):
        (h,) = self._prepare(input, [("hx", hx)])
        return self._run(input, h)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``.

    Example:
        >>> cell = pn.nn.LSTMCell(4, 8)
        >>> h, c = cell(pn.randn(3, 4))
        >>> h, c = cell(pn.randn(3, 4), (h, c))
    """

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{self._label()}: hx must be a tuple (h, c), got {type(hx).__name__}")
        h, c = self._prepare(input, [("hx[0]", None if hx is None else hx[0]),
                                     ("hx[1]", None if hx is None else hx[1])])
        return self._run(input, h, c)


class GRUCell(RNNCellBase):
    """One GRU step; returns ``h'``.

    Example:
        >>> cell = pn.nn.GRUCell(4, 8)
        >>> h = cell(pn.randn(3, 4))
    """

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, dtype)

    def forward(self, input, hx=None):
        (h,) = self._prepare(input, [("hx", hx)])
        return self._run(input, h)[0]

