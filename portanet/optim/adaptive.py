"""Per-coordinate learning rates from squared gradients: Adagrad, Adadelta, RMSprop."""
from __future__ import annotations

from ..backend.fast import lookup
from ..backend.inplace import iadd, idiv, ilerp, imul, isub
from .optimizer import Optimizer, l2_grad

__all__ = ["Adagrad", "Adadelta", "RMSprop"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al. 2011), ``torch.optim.Adagrad``.

    .. math::
        g_t &\leftarrow g_t + \lambda p_{t-1}, \qquad
        \tilde\eta_t = \eta / (1 + (t-1)\,\text{lr\_decay}) \\
        s_t &= s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\
        p_t &= p_{t-1} - \tilde\eta_t\, g_t / (\sqrt{s_t} + \epsilon)

    Args:
        params, lr (1e-2), lr_decay (0), weight_decay (0), initial_accumulator_value (0),
        eps (1e-10), maximize.

    State: ``step``, ``sum``.  Departure from PyTorch: the state is created at the first
    step (PyTorch creates it in the constructor), and ``initial_accumulator_value`` is
    read from the parameter's group (PyTorch always uses the constructor's value).

    Example:
        >>> opt = pn.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        self._check_nonneg(group, "lr_decay", "initial_accumulator_value")

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "sum": xp.full_like(p, group["initial_accumulator_value"])}

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.adagrad")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        g = l2_grad(p, g, group)
        step = state["step"] = state["step"] + 1.0
        clr = group["lr"] / (1.0 + (step - 1.0) * group["lr_decay"])
        s = state["sum"] = iadd(state["sum"], g * g)
        return isub(p, imul(g / iadd(xp.sqrt(s), group["eps"]), clr))


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012), ``torch.optim.Adadelta``.

    .. math::
        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        v_t &= \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \sqrt{u_{t-1} + \epsilon}\,/\,\sqrt{v_t + \epsilon}\; g_t \\
        u_t &= \rho u_{t-1} + (1-\rho) \Delta_t^2 \\
        p_t &= p_{t-1} - \eta \Delta_t

    Args:
        params, lr (1.0), rho (0.9), eps (1e-6), weight_decay (0), maximize.

    State: ``step``, ``square_avg`` (v), ``acc_delta`` (u).

    Example:
        >>> opt = pn.optim.Adadelta(model.parameters())
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: rho={group['rho']}")

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "square_avg": xp.zeros_like(p), "acc_delta": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.adadelta")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        g = l2_grad(p, g, group)
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1.0
        v = state["square_avg"] = iadd(imul(state["square_avg"], rho), imul(g * g, 1.0 - rho))
        delta = imul(idiv(xp.sqrt(state["acc_delta"] + eps), xp.sqrt(v + eps)), g)
        state["acc_delta"] = iadd(imul(state["acc_delta"], rho), imul(delta * delta, 1.0 - rho))
        return isub(p, imul(delta, group["lr"]))


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e; centered form from Graves 2013), ``torch.optim.RMSprop``.

    .. math::
        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1-\alpha) g_t, \quad
        d_t = \sqrt{v_t - \bar g_t^2} + \epsilon \text{ (centered) else } \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / d_t, \quad p_t = p_{t-1} - \eta b_t
        \quad (\text{or } p_t = p_{t-1} - \eta g_t / d_t \text{ when } \mu = 0)

    Args:
        params, lr (1e-2), alpha (0.99), eps (1e-8), weight_decay (0), momentum (μ, 0),
        centered (False), maximize.

    State: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0), ``grad_avg``
    (centered).

    Example:
        >>> opt = pn.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9, centered=True)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        self._check_nonneg(group, "momentum", "alpha")

    def _init_state(self, xp, p, group):
        state = {"step": 0.0, "square_avg": xp.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(p)
        return state

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.rmsprop")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        g = l2_grad(p, g, group)
        alpha = group["alpha"]
        state["step"] += 1.0
        v = state["square_avg"] = iadd(imul(state["square_avg"], alpha), imul(g * g, 1.0 - alpha))
        if group["centered"]:
            ga = state["grad_avg"] = ilerp(state["grad_avg"], g, 1.0 - alpha)
            avg = xp.sqrt(v - ga * ga)
        else:
            avg = xp.sqrt(v)
        avg = iadd(avg, group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"] = iadd(imul(state["momentum_buffer"], group["momentum"]),
                                                  g / avg)
            return isub(p, buf * group["lr"])
        return isub(p, imul(g / avg, group["lr"]))
