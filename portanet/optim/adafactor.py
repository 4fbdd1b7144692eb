"""Adafactor (Shazeer & Stern 2018) as ``torch.optim.Adafactor`` (PyTorch 2.5+)."""
from __future__ import annotations

import math

from .. import argcheck
from ..backend.inplace import ilerp, imul, isub
from ..backend import to_numpy
from ..ops.util import clip_bounds
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor, ``torch.optim.Adafactor``: second moments kept as row and column means
    for matrices (memory :math:`O(n + m)` instead of :math:`O(nm)`), relative step sizes
    and update clipping.

    For step :math:`t`, :math:`\hat\beta_t = t^{c}` (``beta2_decay`` :math:`c`),
    :math:`\rho_t = \min(\eta, 1/\sqrt t)`, :math:`\alpha_t = \max(\epsilon_2,
    \mathrm{RMS}(p_{t-1}))\,\rho_t`:

    .. math::
        p &\leftarrow p\,(1 - \eta\lambda) \\
        R_t &= \mathrm{lerp}(R_{t-1}, \overline{g^2}^{\,\text{row}}, \hat\beta_t), \quad
        C_t = \mathrm{lerp}(C_{t-1}, \overline{g^2}^{\,\text{col}}, \hat\beta_t), \quad
        \hat V_t = R_t C_t / \max(\overline{R_t}, \epsilon_1) \\
        U_t &= g_t / \sqrt{\max(\hat V_t, \epsilon_1^2)}, \qquad
        p_t = p - \alpha_t\, U_t / \max(1, \mathrm{RMS}(U_t)/d)

    (a vector keeps a full :math:`V_t = \mathrm{lerp}(V_{t-1}, g^2, \hat\beta_t)`).

    Args:
        params, lr (1e-2), beta2_decay (-0.8), eps ((None, 1e-3): :math:`\epsilon_1`,
        None meaning the dtype's machine epsilon, and :math:`\epsilon_2`), d (1.0, the
        clipping threshold), weight_decay (0), maximize.  ``foreach`` is accepted
        (``True`` refused).

    State: ``step``, and ``row_var``/``col_var`` (matrices) or ``variance``.  Unlike
    PyTorch's, the step reads nothing back from the device (the RMS norms stay 0-d arrays).

    Example:
        >>> opt = pn.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8, eps: tuple = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach=None, maximize: bool = False):
        if foreach:
            raise NotImplementedError("Adafactor: foreach=True is not supported (portanet runs one "
                                      "update rule on every backend); leave foreach unset")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                                      weight_decay=weight_decay, maximize=maximize))

    def _validate(self, group: dict) -> None:
        who = "Adafactor"
        eps = group["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"{who}: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        eps = group["eps"] = tuple(eps)
        group["eps"] = 0.0               # the base checks eps as one number: ours is a pair
        try:
            super()._validate(group)
        finally:
            group["eps"] = eps
        if eps[0] is not None and not argcheck.real(who, "eps[0]", eps[0]) >= 0.0:
            raise ValueError(f"{who}: epsilon1 should be >= 0 but is: {eps[0]}")
        if not argcheck.real(who, "eps[1]", eps[1]) >= 0.0:
            raise ValueError(f"{who}: epsilon2 should be >= 0 but is: {eps[1]}")
        if not argcheck.real(who, "beta2_decay", group["beta2_decay"]) <= 0.0:
            raise ValueError(f"{who}: beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        if not argcheck.real(who, "d", group["d"]) >= 1.0:
            raise ValueError(f"{who}: Clipping threshold d should be >= 1 but is: {group['d']}")

    def _init_state(self, xp, p, group):
        if p.ndim > 1:
            row, col = list(p.shape), list(p.shape)
            row[-1], col[-2] = 1, 1
            return {"step": 0.0, "row_var": xp.zeros(tuple(row), dtype=p.dtype, device=_dev(p)),
                    "col_var": xp.zeros(tuple(col), dtype=p.dtype, device=_dev(p))}
        return {"step": 0.0, "variance": xp.zeros_like(p)}

    def _update(self, xp, p, g, state, group):
        if group["maximize"]:
            g = -g
        lr, (eps1, eps2) = group["lr"], group["eps"]
        if eps1 is None:
            eps1 = float(xp.finfo(p.dtype).eps)
        step = state["step"] = state["step"] + 1.0
        beta = step ** group["beta2_decay"]
        rho = min(lr, 1 / (step ** 0.5))
        n = math.prod(p.shape)
        rms = xp.linalg.vector_norm(p) / (n ** 0.5)
        alpha = clip_bounds(xp, rms, lo=eps2) * rho          # 0-d, on the device
        if group["weight_decay"] != 0:
            p = imul(p, 1 - lr * group["weight_decay"])
        if g.ndim > 1:
            row_mean = xp.linalg.vector_norm(g, axis=-1, keepdims=True) ** 2 / g.shape[-1]
            state["row_var"] = rv = ilerp(state["row_var"], row_mean, beta)
            col_mean = xp.linalg.vector_norm(g, axis=-2, keepdims=True) ** 2 / g.shape[-2]
            state["col_var"] = cv = ilerp(state["col_var"], col_mean, beta)
            var = (rv @ cv) / clip_bounds(xp, xp.mean(rv, axis=-2, keepdims=True), lo=eps1)
        else:
            state["variance"] = var = ilerp(state["variance"], g * g, beta)
        update = g / xp.sqrt(clip_bounds(xp, var, lo=eps1 * eps1))
        denom = clip_bounds(xp, xp.linalg.vector_norm(update) / ((n ** 0.5) * group["d"]), lo=1.0)
        return isub(p, update * (alpha / denom))

    def _load_param_state(self, name, i, p, group, saved):
        # row_var/col_var are not of the parameter's shape: check them against _init_state
        want = self._init_state(p._bk.xp, p.array, group)
        out = {}
        if sorted(k for k in saved if saved[k] is not None) != sorted(want):
            raise ValueError(f"{name}: the state of parameter {i} holds {sorted(saved)}, "
                             f"Adafactor keeps {sorted(want)} for a parameter of shape {p.shape}")
        for k, ref in want.items():
            host = to_numpy(saved[k])
            if k == "step":
                out[k] = float(host.reshape(()))
            elif tuple(host.shape) != tuple(ref.shape):
                raise ValueError(f"{name}: state {k!r} of parameter {i} has shape "
                                 f"{tuple(host.shape)}, expected {tuple(ref.shape)}")
            else:
                out[k] = p._bk.asarray(host.copy(), p.dtype)
        return out


def _dev(a):
    return getattr(a, "device", None)
