"""Stochastic gradient descent, with momentum and Nesterov's acceleration."""
from __future__ import annotations

from ..backend.fast import lookup
from ..backend.inplace import copy_of, iadd, imul, isub
from .optimizer import Optimizer, l2_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Gradient descent on whatever batch the gradient came from (``torch.optim.SGD``).

    With gradient :math:`g_t` (negated when ``maximize``):

    .. math::
        g_t &\leftarrow g_t + \lambda\,p_{t-1} \\
        b_t &= \mu\,b_{t-1} + (1-\tau)\,g_t \quad (b_1 = g_1) \\
        g_t &\leftarrow g_t + \mu\,b_t \text{ if nesterov, else } b_t \\
        p_t &= p_{t-1} - \eta\,g_t

    Args:
        params: parameters or parameter groups.
        lr (η): learning rate (default 1e-3, PyTorch's).
        momentum (μ): momentum factor (default 0: plain gradient descent).
        dampening (τ): dampening of the momentum's new gradient.
        weight_decay (λ): L2 penalty added to the gradient.
        nesterov: Nesterov's accelerated gradient (needs momentum > 0, dampening 0).
        maximize: ascend instead of descend.

    State: ``momentum_buffer`` (after the first step with momentum).

    Example:
        >>> opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    _scalar_state = ()
    _lazy_state = ("momentum_buffer",)

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        self._check_nonneg(group, "momentum")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(nesterov=True, momentum={group['momentum']}, "
                             f"dampening={group['dampening']})")

    def _update(self, xp, p, g, state, group):
        fused = lookup(xp, "optim.sgd")  # one fused pass (portanet.kernels)
        if fused is not None and fused(p, g, state, group):
            return p
        g = l2_grad(p, g, group)
        mu = group["momentum"]
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = copy_of(xp, g)
            else:
                keep = 1.0 - group["dampening"]
                buf = iadd(imul(buf, mu), g if keep == 1.0 else g * keep)
            state["momentum_buffer"] = buf
            g = g + buf * mu if group["nesterov"] else buf
        return isub(p, g * group["lr"])
