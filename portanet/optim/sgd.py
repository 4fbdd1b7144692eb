"""Stochastic gradient descent, with momentum and Nesterov's acceleration."""
from __future__ import annotations

from .optimizer import Optimizer, required


class SGD(Optimizer):
    r"""Gradient descent on whatever batch the gradient came from (PyTorch's update rule).

    .. math::
        g \leftarrow g + \lambda p;\quad
        b \leftarrow \mu b + (1-\tau) g \ (b_1 = g);\quad
        g \leftarrow g + \mu b \text{ (nesterov) else } b;\quad
        p \leftarrow p - \eta g

    Args:
        lr (η), momentum (μ), dampening (τ), weight_decay (λ), nesterov, maximize.

    Example:
        >>> opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, params, lr: float = required, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _validate(self, group: dict) -> None:
        if group["lr"] is not required and group["lr"] < 0.0:
            raise ValueError(f"Invalid learning rate: lr={group['lr']}")
        if group["momentum"] < 0.0:
            raise ValueError(f"Invalid momentum value: momentum={group['momentum']}")
        if group["weight_decay"] < 0.0:
            raise ValueError(f"Invalid weight_decay value: weight_decay={group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(momentum={group['momentum']}, dampening={group['dampening']})")

    def _update(self, p, g, state, group):
        if group["maximize"]:
            g = -g
        wd = group["weight_decay"]
        if wd:
            g = g + wd * p
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g
            else:
                buf = mu * buf + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + mu * buf if group["nesterov"] else buf
        return p - group["lr"] * g
