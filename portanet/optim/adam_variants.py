"""Adam's relatives: Adamax (infinity norm), NAdam (Nesterov momentum), RAdam (rectified)."""
from __future__ import annotations

import math

from ..backend.fast import lookup
from ..backend.inplace import iadd, ilerp, imul, iset, isub
from .adam import decay_and_grad, moments
from .optimizer import Optimizer

__all__ = ["Adamax", "NAdam", "RAdam"]


class Adamax(Optimizer):
    r"""AdaMax, Adam with the infinity norm (Kingma & Ba 2015, sec. 7), ``torch.optim.Adamax``.

    .. math::
        g_t &\leftarrow g_t + \lambda p_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
        p_t &= p_{t-1} - \frac{\eta}{1-\beta_1^t}\, m_t / u_t

    Args:
        params, lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), maximize.

    State: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).

    Example:
        >>> opt = pn.optim.Adamax(model.parameters())
    """

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "exp_avg": xp.zeros_like(p), "exp_inf": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.adamax")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        beta1, beta2 = group["betas"]
        p, g = decay_and_grad(p, g, group)
        step = state["step"] = state["step"] + 1.0
        m = state["exp_avg"] = ilerp(state["exp_avg"], g, 1.0 - beta1)
        u = imul(state["exp_inf"], beta2)
        u = state["exp_inf"] = iset(u, xp.maximum(u, iadd(xp.abs(g), group["eps"])))
        return isub(p, imul(m / u, group["lr"] / (1.0 - beta1 ** step)))


class NAdam(Optimizer):
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016), ``torch.optim.NAdam``.

    The momentum coefficient warms up, :math:`\mu_t = \beta_1 (1 - \tfrac12\,0.96^{t\psi})`
    with ψ = ``momentum_decay``, and its running product :math:`\Pi_t = \prod_{i\le t}\mu_i`
    (state ``mu_product``) replaces Adam's first bias correction:

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        d_t &= \sqrt{v_t / (1-\beta_2^t)} + \epsilon \\
        p_t &= p_{t-1} - \eta\,\frac{1-\mu_t}{1-\Pi_t}\,\frac{g_t}{d_t}
              - \eta\,\frac{\mu_{t+1}}{1-\Pi_t\,\mu_{t+1}}\,\frac{m_t}{d_t}

    Args:
        params, lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0),
        momentum_decay (4e-3), decoupled_weight_decay (False: L2 in the gradient), maximize.

    State: ``step``, ``mu_product`` (floats), ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> opt = pn.optim.NAdam(model.parameters(), lr=2e-3)
    """

    _scalar_state = ("step", "mu_product")

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _validate(self, group):
        super()._validate(group)
        self._check_nonneg(group, "momentum_decay")

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "mu_product": 1.0, "exp_avg": xp.zeros_like(p),
                "exp_avg_sq": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.nadam")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        beta1, beta2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        p, g = decay_and_grad(p, g, group)
        step = state["step"] = state["step"] + 1.0
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * psi))
        prod = state["mu_product"] = state["mu_product"] * mu
        m, v = moments(state, g, beta1, beta2)
        denom = iadd(xp.sqrt(v / (1.0 - beta2 ** step)), group["eps"])
        p = isub(p, imul(g / denom, lr * (1.0 - mu) / (1.0 - prod)))
        return isub(p, imul(m / denom, lr * mu_next / (1.0 - prod * mu_next)))


class RAdam(Optimizer):
    r"""RAdam: Adam with a rectified adaptive learning rate (Liu et al. 2020), ``torch.optim.RAdam``.

    .. math::
        m_t, v_t &\text{ as in Adam}, \qquad
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t} \\
        p_t &= p_{t-1} - \eta\,\frac{m_t}{1-\beta_1^t}\cdot
          \begin{cases} r_t\,\sqrt{1-\beta_2^t}\,/\,(\sqrt{v_t}+\epsilon) & \rho_t > 5 \\
                        1 & \text{otherwise} \end{cases}, \quad
        r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    Args:
        params, lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0),
        decoupled_weight_decay (False), maximize.

    State: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example:
        >>> opt = pn.optim.RAdam(model.parameters())
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, xp, p, group):
        return {"step": 0.0, "exp_avg": xp.zeros_like(p), "exp_avg_sq": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.radam")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        beta1, beta2 = group["betas"]
        p, g = decay_and_grad(p, g, group)
        step = state["step"] = state["step"] + 1.0
        m, v = moments(state, g, beta1, beta2)
        bc1, bc2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * step * beta2 ** step / bc2
        scale = group["lr"] / bc1
        if rho_t <= 5.0:  # variance not yet tractable: plain momentum SGD
            return isub(p, m * scale)
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        return isub(p, imul(m / iadd(xp.sqrt(v), group["eps"]), scale * rect * math.sqrt(bc2)))
