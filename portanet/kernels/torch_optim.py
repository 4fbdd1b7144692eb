"""PyTorch's own fused CPU optimizer kernels as the torch backend's optimizer fast paths.

On the torch backend the generic Array API update of Adam launches about ten tensor ops
per parameter, each a separate pass over memory with its dispatch overhead; PyTorch's
``fused=True`` kernels (``torch._fused_adam_``, ``_fused_adamw_``, ``_fused_sgd_``,
``_fused_adagrad_``) do the whole update in one vectorized pass. Measured on the 536k
parameters of the benchmark MLP, one thread: 1.0 ms fused against 28 ms generic (under
load; ``python benchmarks/run_all.py --workloads adam-step --backends torch``).

They take CPU tensors only here: on CUDA the step counts would have to live on the device
(one host-to-device copy per step otherwise), so CUDA keeps the generic path for now.
State stays portanet's (``step`` a Python float, the same keys), so ``state_dict`` is
unchanged and interchangeable with the generic path; the kernels' arithmetic is
PyTorch's, equal to the generic rule to rounding (``tests/test_kernels_optim.py``).
"""
from __future__ import annotations

import torch

__all__ = ["adam", "sgd", "adagrad"]

_FLOATS = (torch.float32, torch.float64)


def _ok(p, *others) -> bool:
    return (p.device.type == "cpu" and p.dtype in _FLOATS
            and all(o.dtype == p.dtype and o.device == p.device for o in others))


def _step_tensor(step: float):
    return torch.tensor(step, dtype=torch.float32)   # a host scalar on the CPU: no transfer


def adam(p, g, state, group) -> bool:
    """Adam / AdamW (coupled or decoupled weight decay, amsgrad, maximize)."""
    m, v = state["exp_avg"], state["exp_avg_sq"]
    ams = bool(group["amsgrad"])
    vmax = [state["max_exp_avg_sq"]] if ams else []
    if not _ok(p, g, m, v, *vmax):
        return False
    step = state["step"] = state["step"] + 1.0
    beta1, beta2 = (float(b) for b in group["betas"])
    kernel = torch._fused_adamw_ if group.get("decoupled_weight_decay") else torch._fused_adam_
    kernel([p], [g], [m], [v], vmax, [_step_tensor(step)], lr=float(group["lr"]), beta1=beta1,
           beta2=beta2, weight_decay=float(group["weight_decay"] or 0.0), eps=float(group["eps"]),
           amsgrad=ams, maximize=bool(group["maximize"]))
    return True


def sgd(p, g, state, group) -> bool:
    """SGD (momentum, dampening, Nesterov, weight decay, maximize)."""
    mu = float(group["momentum"])
    buf = state.get("momentum_buffer")
    first = buf is None
    if not _ok(p, g, *([] if first else [buf])):
        return False
    bufs = []
    if mu != 0:
        if first:
            buf = state["momentum_buffer"] = torch.empty_like(p)
        bufs = [buf]
    torch._fused_sgd_([p], [g], bufs, weight_decay=float(group["weight_decay"] or 0.0), momentum=mu,
                      lr=float(group["lr"]), dampening=float(group["dampening"]),
                      nesterov=bool(group["nesterov"]), maximize=bool(group["maximize"]),
                      is_first_step=first)
    return True


def adagrad(p, g, state, group) -> bool:
    """Adagrad (lr decay, weight decay, maximize)."""
    s = state["sum"]
    if not _ok(p, g, s):
        return False
    step = state["step"] = state["step"] + 1.0
    torch._fused_adagrad_([p], [g], [s], [_step_tensor(step)], lr=float(group["lr"]),
                          lr_decay=float(group["lr_decay"]), weight_decay=float(group["weight_decay"] or 0.0),
                          eps=float(group["eps"]), maximize=bool(group["maximize"]))
    return True


def paths() -> dict:
    """The registry entries for the torch backend."""
    return {"optim.adam": adam, "optim.sgd": sgd, "optim.adagrad": adagrad}
