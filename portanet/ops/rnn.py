"""Fused recurrent layers: one node per layer and direction, forward and backward through time.

A recurrent layer unrolled naively costs a dozen small nodes per gate per time step.
Here a whole sequence (one layer, one direction) is one multi-output node:

* the input projection of every time step is one matrix product ``x @ W_ih.T``;
* each step does one ``h @ W_hh.T`` plus the gate arithmetic, and keeps only what
  backward needs (gate activations, the previous state, ``tanh(c)``);
* backward runs through time once, collecting the gate gradients of every step, and
  then forms ``dW_ih``, ``dW_hh``, the biases and ``dx`` with one product each.

Layout: the input is "flat time-major", ``x`` of shape ``(N, input_size)`` where the rows
of time step ``t`` are ``x[off[t] : off[t] + batch_sizes[t]]`` (PyTorch's
``PackedSequence.data``).  A padded ``(T, B, I)`` batch is the special case
``batch_sizes = (B,) * T`` reshaped to ``(T * B, I)``.  ``batch_sizes`` is host data and
non-increasing, so the sequences alive at step ``t`` are the first ``batch_sizes[t]``
rows of the state (cuDNN's packed layout): a finished sequence's state is carried,
untouched, to the end, and its final state is the state at its last valid step, as in
PyTorch.  Padded steps are never computed, so they change neither outputs nor gradients.

Gate orders and equations are PyTorch's (LSTM i, f, g, o; GRU r, z, n with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``); ``proj_size`` projects LSTM outputs.

Example:
    >>> y, h_n, c_n = rnn_layer("LSTM", x2d, h0, c0, w_ih, w_hh, b_ih, b_hh,
    ...                         batch_sizes=(3, 3, 2))
"""
from __future__ import annotations

from ..autograd.function import Function
from ..backend.fast import lookup
from .util import device_of

__all__ = ["RNNLayer", "rnn_layer", "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell",
           "MODES"]

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def _sigmoid(xp, a):
    # exp(-a) overflows only to inf for very negative a, where 1/inf = 0 is the right limit
    return 1 / (1 + xp.exp(-a))


class RNNLayer(Function):
    """One recurrent layer in one direction over a whole (packed) sequence: a single node.

    Inputs: ``x (N, I)``, ``h0 (B, Hout)``, for LSTM ``c0 (B, H)``, ``w_ih (G*H, I)``,
    ``w_hh (G*H, Hout)``, then ``b_ih, b_hh (G*H,)`` when ``bias`` and ``w_hr (P, H)``
    when ``proj``.  Outputs: ``y (N, Hout)``, ``h_n (B, Hout)`` and for LSTM ``c_n (B, H)``.

    Params:
        mode: one of :data:`MODES`.  batch_sizes: host tuple of non-increasing ints
        summing to ``N``.  reverse: run from the last step to the first.
        bias, proj: which optional inputs are present.
    """

    multi_output = True

    def forward(self, xp, x, h0, *rest, mode, batch_sizes, reverse=False, bias=True, proj=False):
        lstm = mode == "LSTM"
        if lstm:
            c0, w_ih, w_hh, *rest = rest
        else:
            w_ih, w_hh, *rest = rest
        b_ih = b_hh = w_hr = None
        if bias:
            b_ih, b_hh, *rest = rest
        if proj:
            w_hr = rest[0]
        self.mode, self.bs, self.reverse = mode, batch_sizes, reverse
        self.bias, self.proj = bias, proj
        self.x, self.w_ih, self.w_hh, self.w_hr = x, w_ih, w_hh, w_hr
        self.batch = h0.shape[0]
        off, s = [], 0
        for n in batch_sizes:
            off.append(s)
            s += n
        self.off = off
        steps = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
        self.steps = steps
        xw = x @ w_ih.T  # the input projection of every step: one product
        if bias:
            xw = xw + (b_ih if mode == "GRU" else b_ih + b_hh)  # GRU keeps b_hn inside r * (.)
        whT = w_hh.T
        if lstm:
            return self._lstm(xp, xw, h0, c0, whT, w_hr, batch_sizes, off, steps)
        if mode == "GRU":
            return self._gru(xp, xw, h0, whT, b_hh, batch_sizes, off, steps)
        return self._simple(xp, xw, h0, whT, mode == "RNN_RELU", batch_sizes, off, steps)

    # ------------------------------------------------------------------ forward
    def _lstm(self, xp, xw, h, c, whT, w_hr, bs, off, steps):
        B = h.shape[0]
        H = c.shape[1]
        whrT = None if w_hr is None else w_hr.T
        ys, saved = [], []
        fused = lookup(xp, "lstm_cell_forward")  # CuPy: one kernel for the pointwise part
        for t in steps:
            n, s = bs[t], off[t]
            hp, cp = (h, c) if n == B else (h[:n, ...], c[:n, ...])
            gates = xw[s:s + n, ...] + hp @ whT
            out = fused(gates, cp) if fused is not None else None
            if out is not None:
                i, f, g, o, cn, tc, hn = out
            else:
                sg = _sigmoid(xp, gates)  # i, f, o (the g quarter is recomputed with tanh below)
                i, f, o = sg[:, :H], sg[:, H:2 * H], sg[:, 3 * H:]
                g = xp.tanh(gates[:, 2 * H:3 * H])
                cn = f * cp + i * g
                tc = xp.tanh(cn)
                hn = o * tc
            if whrT is not None:
                saved.append((i, f, g, o, cp, tc, hp, hn))  # hn: the projection's input
                hn = hn @ whrT
            else:
                saved.append((i, f, g, o, cp, tc, hp))
            ys.append(hn)
            if n == B:
                h, c = hn, cn
            else:
                h, c = xp.concat([hn, h[n:, ...]]), xp.concat([cn, c[n:, ...]])
        self.saved = saved
        return self._join(xp, ys), h, c

    def _gru(self, xp, xw, h, whT, b_hh, bs, off, steps):
        B, H = h.shape
        ys, saved = [], []
        for t in steps:
            n, s = bs[t], off[t]
            hp = h if n == B else h[:n, ...]
            gh = hp @ whT
            if b_hh is not None:
                gh = gh + b_hh
            xr = xw[s:s + n, ...]
            rz = _sigmoid(xp, xr[:, :2 * H] + gh[:, :2 * H])
            r, z = rz[:, :H], rz[:, H:]
            ghn = gh[:, 2 * H:]
            nn = xp.tanh(xr[:, 2 * H:] + r * ghn)
            hn = nn + z * (hp - nn)  # (1 - z) * n + z * h
            saved.append((r, z, nn, ghn, hp))
            ys.append(hn)
            h = hn if n == B else xp.concat([hn, h[n:, ...]])
        self.saved = saved
        return self._join(xp, ys), h

    def _simple(self, xp, xw, h, whT, relu, bs, off, steps):
        B = h.shape[0]
        ys, saved = [], []
        for t in steps:
            n, s = bs[t], off[t]
            hp = h if n == B else h[:n, ...]
            pre = xw[s:s + n, ...] + hp @ whT
            hn = xp.maximum(pre, 0) if relu else xp.tanh(pre)
            saved.append((hn, hp))
            ys.append(hn)
            h = hn if n == B else xp.concat([hn, h[n:, ...]])
        self.saved = saved
        return self._join(xp, ys), h

    def _join(self, xp, ys):
        """Per-step outputs in time order, as one ``(N, Hout)`` array."""
        if self.reverse:
            ys.reverse()
        return xp.concat(ys) if len(ys) > 1 else ys[0]

    # ----------------------------------------------------------------- backward
    def backward(self, xp, gy, gh, gc=None):
        mode, bs, off = self.mode, self.bs, self.off
        saved = self.saved
        ref = gy if gy is not None else gh if gh is not None else gc
        dt, dev = ref.dtype, device_of(ref)
        B = self.batch
        Hout = self.w_hh.shape[1]
        dh = gh if gh is not None else xp.zeros((B, Hout), dtype=dt, device=dev)
        T = len(bs)
        dgi = [None] * T   # gradients of the input-side pre-activations, per step
        dgh = [None] * T   # gradients of the hidden-side pre-activations (GRU differs)
        dproj = [None] * T  # LSTM with proj: gradient of each projected output
        whh = self.w_hh
        dc = None
        if mode == "LSTM":
            H = saved[0][0].shape[1]
            dc = gc if gc is not None else xp.zeros((B, H), dtype=dt, device=dev)
            w_hr = self.w_hr
            fused = lookup(xp, "lstm_cell_backward")  # CuPy: one kernel per step
        for k in range(len(saved) - 1, -1, -1):
            t = self.steps[k]
            n, s = bs[t], off[t]
            dht = dh if n == B else dh[:n, ...]
            if gy is not None:
                dht = dht + gy[s:s + n, ...]
            if mode == "LSTM":
                i, f, g, o, cp, tc = saved[k][:6]
                if w_hr is not None:
                    dproj[t] = dht
                    dht = dht @ w_hr
                dcn = dc if n == B else dc[:n, ...]
                out = fused(dht, dcn, i, f, g, o, cp, tc) if fused is not None else None
                if out is not None:
                    dG, dcp = out
                else:
                    dct = dht * o * (1 - tc * tc) + dcn
                    dG = xp.concat([dct * g * i * (1 - i), dct * cp * f * (1 - f),
                                    dct * i * (1 - g * g), dht * tc * o * (1 - o)], axis=1)
                    dcp = dct * f
                dgi[t] = dG
                dc = dcp if n == B else xp.concat([dcp, dc[n:, ...]])
                dhp = dG @ whh
            elif mode == "GRU":
                r, z, nn, ghn, hp = saved[k]
                dnp = dht * (1 - z) * (1 - nn * nn)
                drp = dnp * ghn * r * (1 - r)
                dzp = dht * (hp - nn) * z * (1 - z)
                dgi[t] = xp.concat([drp, dzp, dnp], axis=1)
                dG = xp.concat([drp, dzp, dnp * r], axis=1)
                dgh[t] = dG
                dhp = dht * z + dG @ whh
            else:
                hn, hp = saved[k]
                if mode == "RNN_RELU":
                    dG = dht * xp.astype(hn > 0, dt)
                else:
                    dG = dht * (1 - hn * hn)
                dgi[t] = dG
                dhp = dG @ whh
            dh = dhp if n == B else xp.concat([dhp, dh[n:, ...]])
        return self._param_grads(xp, dgi, dgh, dproj, dh, dc)

    def _param_grads(self, xp, dgi, dgh, dproj, dh0, dc0):
        """Every weight gradient as one product over all steps (rows aligned with ``x``)."""
        needs = self.needs
        mode, saved = self.mode, self.saved
        lstm = mode == "LSTM"
        cat = (lambda a: xp.concat(a) if len(a) > 1 else a[0])
        order = list(self.steps)
        # saved[k] belongs to step order[k]; rows of step t sit at off[t] in x
        pos = {t: k for k, t in enumerate(order)}
        T = len(order)

        def in_time(items):
            return [items[pos[t]] for t in range(T)]
        dG = cat(dgi)
        grads = [None] * len(needs)
        grads[0] = dG @ self.w_ih if needs[0] else None
        grads[1] = dh0 if needs[1] else None
        j = 2
        if lstm:
            grads[2] = dc0 if needs[2] else None
            j = 3
        grads[j] = dG.T @ self.x if needs[j] else None
        hidx = 6 if lstm else -1
        if needs[j + 1] or (self.bias and needs[j + 3]):
            dGh = dG if mode != "GRU" else cat(dgh)
        if needs[j + 1]:
            hps = cat(in_time([sv[hidx] for sv in saved]))
            grads[j + 1] = dGh.T @ hps
        k = j + 2
        if self.bias:
            grads[k] = xp.sum(dG, axis=0) if needs[k] else None
            grads[k + 1] = xp.sum(dGh, axis=0) if needs[k + 1] else None
            k += 2
        if self.proj and needs[k]:
            grads[k] = cat(dproj).T @ cat(in_time([sv[7] for sv in saved]))
        return tuple(grads)


def rnn_layer(mode, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, *, batch_sizes,
              reverse=False):
    """Run one layer in one direction over a flat time-major sequence; one node.

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        x: ``(N, input_size)`` rows of all steps, step after step (``PackedSequence.data``).
        h0: ``(B, Hout)`` initial hidden state; ``c0`` ``(B, H)`` for LSTM, else ``None``.
        w_ih, w_hh, b_ih, b_hh, w_hr: PyTorch's parameters of this layer and direction.
        batch_sizes: host sequence of non-increasing ints summing to ``N``.
        reverse: run from the last step to the first (the backward direction).

    Returns:
        ``(y, h_n)``, or ``(y, h_n, c_n)`` for LSTM; ``y`` is ``(N, Hout)``.

    Example:
        >>> y, h = rnn_layer("GRU", x.reshape(T * B, I), h0, None, w_ih, w_hh, b_ih, b_hh,
        ...                  batch_sizes=(B,) * T)
    """
    if mode not in MODES:
        raise ValueError(f"rnn_layer: mode must be one of {MODES}, got {mode!r}")
    ins = [x, h0] + ([c0] if mode == "LSTM" else []) + [w_ih, w_hh]
    bias = b_ih is not None
    if bias:
        ins += [b_ih, b_hh]
    if w_hr is not None:
        ins.append(w_hr)
    return RNNLayer.apply(*ins, mode=mode, batch_sizes=tuple(batch_sizes), reverse=reverse,
                          bias=bias, proj=w_hr is not None)


def _cell(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh):
    """A cell step is a one-step layer: the same fused node (1-D input is unbatched)."""
    unbatched = input.ndim == 1
    if unbatched:
        input = input.reshape(1, input.shape[0])
        hx = hx.reshape(1, hx.shape[0])
        cx = None if cx is None else cx.reshape(1, cx.shape[0])
    out = rnn_layer(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh,
                    batch_sizes=(input.shape[0],))[1:]
    if unbatched:
        out = tuple(o.reshape(o.shape[1]) for o in out)
    return out


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``, one node.

    Example:
        >>> h = rnn_tanh_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    """
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``, one node."""
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (gate order i, f, g, o); ``hx = (h, c)``; returns ``(h', c')``.

    Example:
        >>> h, c = lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
    """
    h, c = hx
    return _cell("LSTM", input, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (gates r, z, n; ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``)."""
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]
