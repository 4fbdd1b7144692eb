"""Fused optimizer updates for NumPy arrays: one numba loop per rule, one pass over memory.

The generic rules in ``portanet/optim`` run ten or so NumPy passes per parameter (each a
full read and write of the array) plus Python overhead per pass; these loops read each
parameter, gradient and state element once and write them back once.  Each loop spells
out the generic rule's arithmetic in the same order and in the parameter's dtype (the
scalars are cast to it first, as NumPy does with Python floats), so the results agree
with the generic path to float rounding (in practice bit for bit).

Every wrapper has the signature of a fast path looked up by an optimizer's ``_update``:
``rule(p, g, state, group) -> bool``.  It returns ``False``, having changed nothing, when
the arrays are not all writeable C-contiguous NumPy float32/float64 arrays of one dtype
and shape (read-only views, JAX-like arrays, mixed dtypes): the generic rule then runs.
Scalars of the state (``step``, ``mu_product``) stay Python floats and are advanced here
exactly as the generic rule advances them, so ``state_dict`` is unchanged.

Compilation: ``cache=True`` (compiled once per machine, loaded in ~10 ms afterwards),
``fastmath=False`` (no reassociation: same rounding as NumPy), ``error_model="numpy"``
(x/0 gives inf as in NumPy; Python's error model adds a zero test per division that
stops LLVM from vectorizing the loop, which made it 6x slower).  The loops are serial:
measured on a 2-core machine, ``parallel=True`` made the 536k-parameter Adam step
1.6x faster in isolation but cost 1.7 s to load per process (4 s to compile) and stalls
for milliseconds whenever another process holds a core; see benchmarks/RESULTS.md.

Example:
    >>> adam(p, g, state, group)   # True: p, exp_avg, exp_avg_sq updated in place
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import OPTIM_RULES

__all__ = ["sgd", "adam", "adamax", "nadam", "radam", "adagrad", "adadelta", "rmsprop", "RULES"]

_jit = njit(cache=True, fastmath=False, error_model="numpy", nogil=True)
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_NONE = {d: np.empty(0, d) for d in _FLOATS}  # stands for an absent state array


def _flat(p, g, *state):
    """1-D views of ``p``, ``g`` and the state arrays, or ``None`` if a loop cannot take them."""
    if type(p) is not np.ndarray or type(g) is not np.ndarray:
        return None
    dt = p.dtype
    if dt not in _FLOATS or g.dtype != dt or g.shape != p.shape:
        return None
    f = p.flags
    if not (f.c_contiguous and f.writeable and g.flags.c_contiguous):
        return None
    for a in state:
        if type(a) is not np.ndarray or a.dtype != dt or a.shape != p.shape:
            return None
        f = a.flags
        if not (f.c_contiguous and f.writeable):
            return None
    return [a.reshape(-1) for a in (p, g, *state)]


def _grad_prologue(group):
    """(maximize, weight_decay) as the loops take them."""
    return bool(group.get("maximize")), float(group.get("weight_decay", 0.0) or 0.0)


# ------------------------------------------------------------------------------ SGD
@_jit
def _sgd_loop(p, g, buf, lr, wd, maximize, mu, keep, nesterov, first):
    dt = p.dtype.type
    lr_, wd_, mu_, keep_ = dt(lr), dt(wd), dt(mu), dt(keep)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        if wd != 0.0:
            gi = gi + p[i] * wd_
        if mu != 0.0:
            if first:
                b = gi
            elif keep == 1.0:
                b = buf[i] * mu_ + gi
            else:
                b = buf[i] * mu_ + gi * keep_
            buf[i] = b
            gi = gi + b * mu_ if nesterov else b
        p[i] = p[i] - gi * lr_


def sgd(p, g, state, group) -> bool:
    """:class:`portanet.optim.SGD`'s rule (momentum, dampening, nesterov, weight decay, maximize)."""
    mu = float(group["momentum"])
    buf = state.get("momentum_buffer") if mu != 0 else None
    first = mu != 0 and buf is None
    arrs = _flat(p, g) if buf is None else _flat(p, g, buf)
    if arrs is None:
        return False
    if first:
        buf = state["momentum_buffer"] = np.empty_like(p)
        arrs.append(buf.reshape(-1))
    elif buf is None:
        arrs.append(_NONE[p.dtype])
    maximize, wd = _grad_prologue(group)
    _sgd_loop(*arrs, float(group["lr"]), wd, maximize, mu, 1.0 - float(group["dampening"]),
              bool(group["nesterov"]), first)
    return True


# ----------------------------------------------------------------------------- Adam
@_jit
def _adam_loop(p, g, m, v, vmax, wd, maximize, decay, c1, b2, c2, bc2s, eps, step_size):
    # decay = 1 - lr*wd when the decay is decoupled (AdamW), else 1.0 (and wd coupled)
    dt = p.dtype.type
    wd_, decay_, c1_, b2_, c2_ = dt(wd), dt(decay), dt(c1), dt(b2), dt(c2)
    bc2s_, eps_, step_ = dt(bc2s), dt(eps), dt(step_size)
    amsgrad = vmax.size != 0
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        pi = p[i]
        if decay != 1.0:
            pi = pi * decay_
        elif wd != 0.0:
            gi = gi + pi * wd_
        mi = m[i] + (gi - m[i]) * c1_
        vi = v[i] * b2_ + (gi * gi) * c2_
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = np.maximum(vmax[i], vi)
            vmax[i] = vi
        p[i] = pi - (mi / (np.sqrt(vi) / bc2s_ + eps_)) * step_


def _decay(group, wd):
    """``(wd for the gradient, multiplier of p)``: coupled L2 or decoupled (AdamW) decay."""
    if wd and group.get("decoupled_weight_decay"):
        return 0.0, 1.0 - float(group["lr"]) * wd
    return wd, 1.0


def adam(p, g, state, group) -> bool:
    """:class:`portanet.optim.Adam` / ``AdamW``'s rule (amsgrad, weight decay, maximize)."""
    ams = group["amsgrad"]
    arrs = (_flat(p, g, state["exp_avg"], state["exp_avg_sq"], state["max_exp_avg_sq"]) if ams
            else _flat(p, g, state["exp_avg"], state["exp_avg_sq"]))
    if arrs is None:
        return False
    if not ams:
        arrs.append(_NONE[p.dtype])
    beta1, beta2 = (float(b) for b in group["betas"])
    step = state["step"] = state["step"] + 1.0
    maximize, wd = _grad_prologue(group)
    wd, decay = _decay(group, wd)
    _adam_loop(*arrs, wd, maximize, decay, 1.0 - beta1, beta2, 1.0 - beta2,
               (1.0 - beta2 ** step) ** 0.5, float(group["eps"]),
               float(group["lr"]) / (1.0 - beta1 ** step))
    return True


# --------------------------------------------------------------------------- Adamax
@_jit
def _adamax_loop(p, g, m, u, wd, maximize, decay, c1, b2, eps, step_size):
    dt = p.dtype.type
    wd_, decay_, c1_, b2_, eps_, step_ = dt(wd), dt(decay), dt(c1), dt(b2), dt(eps), dt(step_size)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        pi = p[i]
        if decay != 1.0:
            pi = pi * decay_
        elif wd != 0.0:
            gi = gi + pi * wd_
        mi = m[i] + (gi - m[i]) * c1_
        ui = np.maximum(u[i] * b2_, np.abs(gi) + eps_)
        m[i] = mi
        u[i] = ui
        p[i] = pi - (mi / ui) * step_


def adamax(p, g, state, group) -> bool:
    """:class:`portanet.optim.Adamax`'s rule."""
    arrs = _flat(p, g, state["exp_avg"], state["exp_inf"])
    if arrs is None:
        return False
    beta1, beta2 = (float(b) for b in group["betas"])
    step = state["step"] = state["step"] + 1.0
    maximize, wd = _grad_prologue(group)
    wd, decay = _decay(group, wd)
    _adamax_loop(*arrs, wd, maximize, decay, 1.0 - beta1, beta2, float(group["eps"]),
                 float(group["lr"]) / (1.0 - beta1 ** step))
    return True


# ---------------------------------------------------------------------------- NAdam
@_jit
def _nadam_loop(p, g, m, v, wd, maximize, decay, c1, b2, c2, bc2, eps, cg, cm):
    dt = p.dtype.type
    wd_, decay_, c1_, b2_, c2_ = dt(wd), dt(decay), dt(c1), dt(b2), dt(c2)
    bc2_, eps_, cg_, cm_ = dt(bc2), dt(eps), dt(cg), dt(cm)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        pi = p[i]
        if decay != 1.0:
            pi = pi * decay_
        elif wd != 0.0:
            gi = gi + pi * wd_
        mi = m[i] + (gi - m[i]) * c1_
        vi = v[i] * b2_ + (gi * gi) * c2_
        m[i] = mi
        v[i] = vi
        d = np.sqrt(vi / bc2_) + eps_
        pi = pi - (gi / d) * cg_
        p[i] = pi - (mi / d) * cm_


def nadam(p, g, state, group) -> bool:
    """:class:`portanet.optim.NAdam`'s rule (momentum warm-up, decoupled decay option)."""
    arrs = _flat(p, g, state["exp_avg"], state["exp_avg_sq"])
    if arrs is None:
        return False
    beta1, beta2 = (float(b) for b in group["betas"])
    lr, psi = float(group["lr"]), float(group["momentum_decay"])
    step = state["step"] = state["step"] + 1.0
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * psi))
    prod = state["mu_product"] = state["mu_product"] * mu
    maximize, wd = _grad_prologue(group)
    wd, decay = _decay(group, wd)
    _nadam_loop(*arrs, wd, maximize, decay, 1.0 - beta1, beta2, 1.0 - beta2,
                1.0 - beta2 ** step, float(group["eps"]), lr * (1.0 - mu) / (1.0 - prod),
                lr * mu_next / (1.0 - prod * mu_next))
    return True


# ---------------------------------------------------------------------------- RAdam
@_jit
def _radam_loop(p, g, m, v, wd, maximize, decay, c1, b2, c2, eps, scale, rectified):
    dt = p.dtype.type
    wd_, decay_, c1_, b2_, c2_ = dt(wd), dt(decay), dt(c1), dt(b2), dt(c2)
    eps_, scale_ = dt(eps), dt(scale)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        pi = p[i]
        if decay != 1.0:
            pi = pi * decay_
        elif wd != 0.0:
            gi = gi + pi * wd_
        mi = m[i] + (gi - m[i]) * c1_
        vi = v[i] * b2_ + (gi * gi) * c2_
        m[i] = mi
        v[i] = vi
        if rectified:
            p[i] = pi - (mi / (np.sqrt(vi) + eps_)) * scale_
        else:
            p[i] = pi - mi * scale_


def radam(p, g, state, group) -> bool:
    """:class:`portanet.optim.RAdam`'s rule (plain momentum until the variance is tractable)."""
    arrs = _flat(p, g, state["exp_avg"], state["exp_avg_sq"])
    if arrs is None:
        return False
    beta1, beta2 = (float(b) for b in group["betas"])
    step = state["step"] = state["step"] + 1.0
    bc1, bc2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2 ** step / bc2
    scale = float(group["lr"]) / bc1
    rectified = rho_t > 5.0
    if rectified:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        scale = scale * rect * math.sqrt(bc2)
    maximize, wd = _grad_prologue(group)
    wd, decay = _decay(group, wd)
    _radam_loop(*arrs, wd, maximize, decay, 1.0 - beta1, beta2, 1.0 - beta2,
                float(group["eps"]), scale, rectified)
    return True


# -------------------------------------------------------------------------- Adagrad
@_jit
def _adagrad_loop(p, g, s, wd, maximize, eps, clr):
    dt = p.dtype.type
    wd_, eps_, clr_ = dt(wd), dt(eps), dt(clr)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        if wd != 0.0:
            gi = gi + p[i] * wd_
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] - (gi / (np.sqrt(si) + eps_)) * clr_


def adagrad(p, g, state, group) -> bool:
    """:class:`portanet.optim.Adagrad`'s rule (learning-rate decay, weight decay, maximize)."""
    arrs = _flat(p, g, state["sum"])
    if arrs is None:
        return False
    step = state["step"] = state["step"] + 1.0
    clr = float(group["lr"]) / (1.0 + (step - 1.0) * float(group["lr_decay"]))
    _adagrad_loop(*arrs, *reversed(_grad_prologue(group)), float(group["eps"]), clr)
    return True


# ------------------------------------------------------------------------- Adadelta
@_jit
def _adadelta_loop(p, g, v, u, wd, maximize, rho, c, eps, lr):
    dt = p.dtype.type
    wd_, rho_, c_, eps_, lr_ = dt(wd), dt(rho), dt(c), dt(eps), dt(lr)
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        if wd != 0.0:
            gi = gi + p[i] * wd_
        vi = v[i] * rho_ + (gi * gi) * c_
        v[i] = vi
        delta = (np.sqrt(u[i] + eps_) / np.sqrt(vi + eps_)) * gi
        u[i] = u[i] * rho_ + (delta * delta) * c_
        p[i] = p[i] - delta * lr_


def adadelta(p, g, state, group) -> bool:
    """:class:`portanet.optim.Adadelta`'s rule."""
    arrs = _flat(p, g, state["square_avg"], state["acc_delta"])
    if arrs is None:
        return False
    state["step"] += 1.0
    rho = float(group["rho"])
    _adadelta_loop(*arrs, *reversed(_grad_prologue(group)), rho, 1.0 - rho, float(group["eps"]),
                   float(group["lr"]))
    return True


# -------------------------------------------------------------------------- RMSprop
@_jit
def _rmsprop_loop(p, g, v, ga, buf, wd, maximize, alpha, c, eps, mom, lr):
    dt = p.dtype.type
    wd_, alpha_, c_, eps_, mom_, lr_ = dt(wd), dt(alpha), dt(c), dt(eps), dt(mom), dt(lr)
    centered, momentum = ga.size != 0, buf.size != 0
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        if wd != 0.0:
            gi = gi + p[i] * wd_
        vi = v[i] * alpha_ + (gi * gi) * c_
        v[i] = vi
        if centered:
            gai = ga[i] + (gi - ga[i]) * c_
            ga[i] = gai
            avg = np.sqrt(vi - gai * gai) + eps_
        else:
            avg = np.sqrt(vi) + eps_
        if momentum:
            b = buf[i] * mom_ + gi / avg
            buf[i] = b
            p[i] = p[i] - b * lr_
        else:
            p[i] = p[i] - (gi / avg) * lr_


def rmsprop(p, g, state, group) -> bool:
    """:class:`portanet.optim.RMSprop`'s rule (centered, momentum, weight decay, maximize)."""
    centered, mom = group["centered"], float(group["momentum"])
    extra = [state["grad_avg"]] if centered else []
    if mom > 0:
        extra.append(state["momentum_buffer"])
    arrs = _flat(p, g, state["square_avg"], *extra)
    if arrs is None:
        return False
    none = _NONE[p.dtype]
    ga = arrs[3] if centered else none
    buf = arrs[-1] if mom > 0 else none
    state["step"] += 1.0
    alpha = float(group["alpha"])
    _rmsprop_loop(arrs[0], arrs[1], arrs[2], ga, buf, *reversed(_grad_prologue(group)), alpha,
                  1.0 - alpha, float(group["eps"]), mom, float(group["lr"]))
    return True


RULES = {name: globals()[fn] for name, fn in OPTIM_RULES.items()}
