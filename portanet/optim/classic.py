"""Two rules from before Adam: Rprop (sign-based steps) and ASGD (averaged SGD)."""
from __future__ import annotations

from .. import argcheck
from ..backend.inplace import iadd, imul, iset, isub
from ..ops.util import clip_bounds, const
from .optimizer import Optimizer

__all__ = ["Rprop", "ASGD"]


def _refuse(who: str, **flags) -> None:
    """``foreach``/``capturable``/``differentiable`` are accepted as torch's defaults only."""
    for k, v in flags.items():
        if v:
            raise NotImplementedError(f"{who}: {k}=True is not supported (portanet runs one "
                                      f"update rule on every backend); leave {k} unset")


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller & Braun 1993), ``torch.optim.Rprop``.

    Each coordinate keeps its own step size, grown by :math:`\eta_+` while the gradient
    keeps its sign and shrunk by :math:`\eta_-` when it flips; only the gradient's sign
    is used:

    .. math::
        s_t &= g_t\,g_{t-1}, \qquad
        \Delta_t = \mathrm{clip}(\Delta_{t-1} \cdot \{\eta_+ \text{ if } s_t>0;\ \eta_-
            \text{ if } s_t<0;\ 1\},\ \Delta_{min}, \Delta_{max}) \\
        g_t &\leftarrow 0 \text{ where } s_t < 0, \qquad
        p_t = p_{t-1} - \mathrm{sign}(g_t)\,\Delta_t, \qquad g_{t-1} \leftarrow g_t

    Args:
        params, lr (1e-2, the initial step size :math:`\Delta_0`), etas ((0.5, 1.2):
        :math:`(\eta_-, \eta_+)`), step_sizes ((1e-6, 50): :math:`(\Delta_{min},
        \Delta_{max})`), maximize.  ``foreach``/``capturable``/``differentiable`` are
        accepted at their defaults.

    State: ``step``, ``prev``, ``step_size``.  As in PyTorch, ``lr`` is read once, when
    a parameter's state is created.

    Example:
        >>> opt = pn.optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False):
        _refuse("Rprop", capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        lo, hi = group["etas"] = argcheck.pair("Rprop", "etas", group["etas"], 0.0, float("inf"))
        if not 0.0 < lo < 1.0 < hi:
            raise ValueError(f"Rprop: Invalid eta values: {lo}, {hi} (expected 0 < etaminus < 1 < etaplus)")
        smin, smax = group["step_sizes"] = argcheck.pair("Rprop", "step_sizes", group["step_sizes"],
                                                         0.0, float("inf"))
        if smin > smax:
            raise ValueError(f"Rprop: step_sizes must be (min, max) with min <= max, got {(smin, smax)}")

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "prev": xp.zeros_like(p), "step_size": xp.full_like(p, group["lr"])}

    def _update(self, xp, p, g, state, group):
        if group["maximize"]:
            g = -g
        etaminus, etaplus = group["etas"]
        smin, smax = group["step_sizes"]
        state["step"] += 1.0
        s = g * state["prev"]
        zero, one = const(xp, p, 0.0), const(xp, p, 1.0)
        flipped = s < zero
        factor = xp.where(s > zero, const(xp, p, etaplus), xp.where(flipped, const(xp, p, etaminus), one))
        size = state["step_size"] = clip_bounds(xp, imul(state["step_size"], factor), smin, smax)
        g = xp.where(flipped, zero, g)         # a new array: the caller's .grad is kept
        state["prev"] = g
        return isub(p, xp.sign(g) * size)


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak & Juditsky 1992), ``torch.optim.ASGD``.

    .. math::
        g_t &\leftarrow g_t + \lambda_{wd} p_{t-1} \\
        p_t &= p_{t-1}(1 - \lambda \eta_{t-1}) - \eta_{t-1} g_t \\
        \bar p_t &= \bar p_{t-1} + \mu_{t-1}(p_t - \bar p_{t-1}) \quad (\bar p_t = p_t
            \text{ while } \mu = 1) \\
        \eta_t &= \eta / (1 + \lambda \eta t)^\alpha, \qquad \mu_t = 1 / \max(1, t - t_0)

    Args:
        params, lr (1e-2), lambd (1e-4, decay term), alpha (0.75, power for the eta
        update), t0 (1e6, the step at which averaging starts), weight_decay (0),
        maximize.  ``foreach``/``capturable``/``differentiable`` at their defaults.

    State: ``step``, ``eta``, ``mu`` (numbers) and ``ax`` (the average :math:`\bar p`).

    Example:
        >>> opt = pn.optim.ASGD(model.parameters(), lr=0.01, t0=100)
        >>> averaged = opt.state[p]["ax"]
    """

    _scalar_state = ("step", "eta", "mu")

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        _refuse("ASGD", capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        for k in ("lambd", "alpha", "t0"):
            argcheck.real("ASGD", k, group[k])

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "eta": float(group["lr"]), "mu": 1.0, "ax": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        if group["maximize"]:
            g = -g
        lr, lambd = group["lr"], group["lambd"]
        step = state["step"] = state["step"] + 1.0
        if group["weight_decay"]:
            g = g + p * group["weight_decay"]
        eta = state["eta"]
        p = isub(imul(p, 1.0 - lambd * eta), g * eta)
        if state["mu"] != 1.0:
            ax = state["ax"]
            state["ax"] = iadd(ax, (p - ax) * state["mu"])
        else:
            state["ax"] = iset(state["ax"], p)
        state["eta"] = lr / ((1.0 + lambd * lr * step) ** group["alpha"])
        state["mu"] = 1.0 / max(1.0, step - group["t0"])
        return p
