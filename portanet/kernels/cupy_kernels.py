"""CuPy fast paths: fused elementwise CUDA kernels where the generic code launches many.

On a GPU a small op costs a kernel launch (and CuPy's Python dispatch) whatever its size,
so a training step of small layers is bound by the number of launches. These kernels
fuse what the generic Array API code does in a dozen launches into one:

* ``optim.adam`` / ``optim.sgd``: one pass over a parameter updating it and its state
  (the generic Adam launches about ten kernels per parameter);
* ``lstm_cell_forward`` / ``lstm_cell_backward``: the pointwise part of one LSTM step
  (gate nonlinearities, cell and hidden state, and their gradients), which the generic
  code spreads over about twelve launches forward and fifteen backward.

Each is registered for CuPy only, declines (returns ``None``/``False``) for what it does
not handle, and is proven equal to the generic path by ``tests/test_kernels_cupy.py``
(which runs where CuPy and a GPU are: ``ci/gpu_check.sh``). Scalars travel as kernel
arguments, never as device arrays: nothing is copied to or from the host.
"""
from __future__ import annotations

import cupy

__all__ = ["adam", "sgd", "lstm_cell_forward", "lstm_cell_backward", "paths"]

_FLOATS = (cupy.dtype("float32"), cupy.dtype("float64"))

_ADAM = cupy.ElementwiseKernel(
    "T g, T wd, T decay, T c1, T b2, T c2, T bc2, T eps, T step_size, bool maximize, bool ams",
    "T p, T m, T v, T vmax",
    """
    T gi = maximize ? -g : g;
    T pi = p * decay;
    if (wd != 0) gi = gi + pi * wd;   // skipped, not multiplied by 0: an inf weight stays inf
    m = m + (gi - m) * c1;
    v = v * b2 + gi * gi * c2;
    T vh = v;
    if (ams) { vmax = max(vmax, v); vh = vmax; }
    p = pi - step_size * (m / (sqrt(vh) / bc2 + eps));
    """,
    "portanet_adam")

_SGD = cupy.ElementwiseKernel(
    "T g, T lr, T wd, T mu, T keep, bool maximize, bool nesterov, bool first",
    "T p, T buf",
    """
    T gi = maximize ? -g : g;
    if (wd != 0) gi = gi + p * wd;
    if (mu != 0) {
        buf = first ? gi : buf * mu + gi * keep;
        gi = nesterov ? gi + buf * mu : buf;
    }
    p = p - gi * lr;
    """,
    "portanet_sgd")

_LSTM_FWD = cupy.ElementwiseKernel(
    "raw T gates, T cp, int32 H",
    "T ig, T fg, T gg, T og, T cn, T tc, T hn",
    """
    const int r = i / H, col = i % H;
    const ptrdiff_t base = (ptrdiff_t)r * 4 * H + col;
    ig = 1 / (1 + exp(-gates[base]));
    fg = 1 / (1 + exp(-gates[base + H]));
    gg = tanh(gates[base + 2 * H]);
    og = 1 / (1 + exp(-gates[base + 3 * H]));
    cn = fg * cp + ig * gg;
    tc = tanh(cn);
    hn = og * tc;
    """,
    "portanet_lstm_fwd")

_LSTM_BWD = cupy.ElementwiseKernel(
    "T dh, T dc, T ig, T fg, T gg, T og, T cp, T tc, int32 H",
    "raw T dgates, T dcp",
    """
    const int r = i / H, col = i % H;
    const ptrdiff_t base = (ptrdiff_t)r * 4 * H + col;
    T dct = dh * og * (1 - tc * tc) + dc;
    dgates[base] = dct * gg * ig * (1 - ig);
    dgates[base + H] = dct * cp * fg * (1 - fg);
    dgates[base + 2 * H] = dct * ig * (1 - gg * gg);
    dgates[base + 3 * H] = dh * tc * og * (1 - og);
    dcp = dct * fg;
    """,
    "portanet_lstm_bwd")


def _ok(*arrays) -> bool:
    """Same float dtype, C-contiguous CuPy arrays (what the kernels index flat)."""
    dt = arrays[0].dtype
    return dt in _FLOATS and all(isinstance(a, cupy.ndarray) and a.dtype == dt and a.flags.c_contiguous
                                 for a in arrays)


def adam(p, g, state, group) -> bool:
    """:class:`portanet.optim.Adam` / ``AdamW``'s rule in one kernel (amsgrad included)."""
    ams = bool(group["amsgrad"])
    m, v = state["exp_avg"], state["exp_avg_sq"]
    vmax = state["max_exp_avg_sq"] if ams else v
    if not _ok(p, g, m, v, vmax):
        return False
    beta1, beta2 = (float(b) for b in group["betas"])
    step = state["step"] = state["step"] + 1.0
    wd = float(group.get("weight_decay", 0.0) or 0.0)
    decay = 1.0
    if wd and group.get("decoupled_weight_decay"):
        wd, decay = 0.0, 1.0 - float(group["lr"]) * wd
    dt = p.dtype.type
    # v is both an output and (when not amsgrad) the stand-in for vmax: the kernel then
    # never writes vmax, so the aliasing is harmless
    _ADAM(g, dt(wd), dt(decay), dt(1.0 - beta1), dt(beta2), dt(1.0 - beta2),
          dt((1.0 - beta2 ** step) ** 0.5), dt(group["eps"]),
          dt(float(group["lr"]) / (1.0 - beta1 ** step)), bool(group.get("maximize")), ams,
          p, m, v, vmax)
    return True


def sgd(p, g, state, group) -> bool:
    """:class:`portanet.optim.SGD`'s rule (momentum, dampening, Nesterov, weight decay)."""
    mu = float(group["momentum"])
    buf = state.get("momentum_buffer")
    first = buf is None
    if mu != 0 and first:
        buf = state["momentum_buffer"] = cupy.empty_like(p)
    if not _ok(p, g) or (mu != 0 and not _ok(p, buf)):
        if mu != 0 and first:
            del state["momentum_buffer"]
        return False
    dt = p.dtype.type
    _SGD(g, dt(group["lr"]), dt(group.get("weight_decay", 0.0) or 0.0), dt(mu),
         dt(1.0 - float(group["dampening"])), bool(group.get("maximize")), bool(group["nesterov"]),
         first, p, buf if mu != 0 else p)
    return True


def lstm_cell_forward(gates, cp):
    """``(i, f, g, o, c_new, tanh(c_new), h_new)`` from pre-activations ``gates (n, 4H)``
    (PyTorch's i, f, g, o order) and the previous cell ``cp (n, H)``; ``None`` declines."""
    if not (_ok(gates, cp) and gates.ndim == 2 and gates.shape[1] == 4 * cp.shape[1]):
        return None
    return _LSTM_FWD(gates, cp, cupy.int32(cp.shape[1]))


def lstm_cell_backward(dh, dc, i, f, g, o, cp, tc):
    """``(dgates (n, 4H), dc_prev)`` for one LSTM step; ``dc`` is the cell gradient from
    the next step; ``None`` declines."""
    if not _ok(dh, dc, i, f, g, o, cp, tc):
        return None
    n, H = dh.shape
    dgates = cupy.empty((n, 4 * H), dtype=dh.dtype)
    dcp = cupy.empty_like(dh)
    # outputs are passed all or none; a raw one cannot be allocated by CuPy, so all
    _LSTM_BWD(dh, dc, i, f, g, o, cp, tc, cupy.int32(H), dgates, dcp)
    return dgates, dcp


def paths() -> dict:
    """The registry entries for CuPy."""
    return {"optim.adam": adam, "optim.sgd": sgd, "lstm_cell_forward": lstm_cell_forward,
            "lstm_cell_backward": lstm_cell_backward}
