"""Adam (with AMSGrad) and AdamW: moment estimates with bias correction."""
from __future__ import annotations

from ..backend.fast import lookup
from ..backend.inplace import iadd, idiv, ilerp, imul, iset, isub
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def decay_and_grad(p, g, group: dict):
    """Negate for ``maximize``; apply weight decay, coupled (L2 in the gradient) or
    decoupled (``p *= 1 - lr * weight_decay``, Loshchilov & Hutter 2019)."""
    if group["maximize"]:
        g = -g
    wd = group["weight_decay"]
    if wd:
        if group.get("decoupled_weight_decay"):
            p = imul(p, 1.0 - group["lr"] * wd)
        else:
            g = g + p * wd
    return p, g


def moments(state: dict, g, beta1: float, beta2: float):
    """Update ``exp_avg`` (m) and ``exp_avg_sq`` (v) in the state and return them."""
    m = state["exp_avg"] = ilerp(state["exp_avg"], g, 1.0 - beta1)
    v = state["exp_avg_sq"] = iadd(imul(state["exp_avg_sq"], beta2), imul(g * g, 1.0 - beta2))
    return m, v


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), AMSGrad (Reddi et al. 2018) with ``amsgrad=True``.

    .. math::
        g_t &\leftarrow g_t + \lambda p_{t-1} \quad (\text{or } p_{t-1} \leftarrow
              (1-\eta\lambda)\,p_{t-1} \text{ when decoupled}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ (amsgrad) else } v_t \\
        p_t &= p_{t-1} - \frac{\eta}{1-\beta_1^t}\,
              \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Note ε sits outside the square root and is added after the bias correction, as in
    PyTorch.

    Args:
        params: parameters or parameter groups.
        lr (η): learning rate (default 1e-3).
        betas (β1, β2): decay rates of the first and second moments (0.9, 0.999).
        eps (ε): added to the denominator (1e-8).
        weight_decay (λ): L2 penalty (0).
        amsgrad: use the running maximum of v.
        maximize: ascend instead of descend.
        decoupled_weight_decay: decay the weights directly (AdamW).

    State: ``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` (amsgrad).

    Example:
        >>> opt = pn.optim.Adam(model.parameters(), lr=1e-3, amsgrad=True)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, xp, p, group):
        state = {"step": 0.0, "exp_avg": xp.zeros_like(p), "exp_avg_sq": xp.zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(p)
        return state

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.adam")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        beta1, beta2 = group["betas"]
        p, g = decay_and_grad(p, g, group)
        step = state["step"] = state["step"] + 1.0
        m, v = moments(state, g, beta1, beta2)
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = iset(state["max_exp_avg_sq"],
                                               xp.maximum(state["max_exp_avg_sq"], v))
        denom = iadd(idiv(xp.sqrt(v), (1.0 - beta2 ** step) ** 0.5), group["eps"])
        return isub(p, imul(m / denom, group["lr"] / (1.0 - beta1 ** step)))


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter 2019), ``torch.optim.AdamW``.

    .. math::
        p_{t-1} \leftarrow (1 - \eta\lambda)\,p_{t-1}, \text{ then Adam's step without L2.}

    Same arguments as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.

    Example:
        >>> opt = pn.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
