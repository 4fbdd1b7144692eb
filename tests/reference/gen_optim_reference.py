"""Reference trajectories of torch.optim optimizers and lr schedulers, in float64.

Writes ``tests/fixtures/optim_reference.npz`` (read with ``allow_pickle=False`` by
``tests/test_optim_reference.py`` and ``tests/test_lr_scheduler.py``, so the default
suite needs no PyTorch).  Re-run after changing a case:

    python tests/reference/gen_optim_reference.py

Optimizer cases ``opt/<case>/...``: two parameters W (3, 4) and b (4,) in two groups
(group 1 may override hyperparameters).  The gradient is computed in NumPy from the
current parameters, ``g = s * (p - t) + 0.5 * cos(3 p)`` (s, t stored per parameter),
so only the optimizer is compared.  ``b`` gets no gradient at steps k with k % 7 == 3
(its state must not advance), and group 0's lr is halved before step 12 (rules must
read hyperparameters at every step).
    name, kwargs (JSON), group1 (JSON)   the class and its arguments
    p0/<i>, s/<i>, t/<i>                 start, gradient scales and targets
    traj/<i>                             parameter i after each of the STEPS steps
    state/<i>/<key>                      the final per-parameter state (arrays and floats)
    state_keys                           JSON list of torch's state keys per parameter

Scheduler cases ``sched/<case>/...``: an optimizer (``opt``: "SGD" or "Adam", with the
groups' lrs ``lrs0``) and a scheduler (``name``, ``kwargs``); ``lrs`` holds
get_last_lr() after construction and after each of 30 steps, ``mom`` each group's
momentum (or beta1); ``metrics`` feeds ReduceLROnPlateau.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "optim_reference.npz"
STEPS = 25
SCHED_STEPS = 30
torch.set_default_dtype(torch.float64)  # float64 step counters and NAdam mu_product

OPT_CASES = {
    "sgd_default": ("SGD", {}, {}),
    "sgd_plain": ("SGD", {"lr": 0.05}, {"lr": 0.02}),
    "sgd_momentum": ("SGD", {"lr": 0.03, "momentum": 0.9}, {"momentum": 0.5}),
    "sgd_dampening_wd": ("SGD", {"lr": 0.03, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}, {}),
    "sgd_nesterov": ("SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True}, {"weight_decay": 0.05}),
    "sgd_maximize": ("SGD", {"lr": 0.03, "momentum": 0.5, "maximize": True}, {}),
    "adagrad_default": ("Adagrad", {}, {}),
    "adagrad_all": ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "eps": 1e-6}, {}),
    "adagrad_maximize": ("Adagrad", {"lr": 0.1, "maximize": True}, {"lr": 0.05}),
    "adadelta_default": ("Adadelta", {}, {}),
    "adadelta_all": ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}, {"rho": 0.95}),
    "rmsprop_default": ("RMSprop", {}, {}),
    "rmsprop_centered": ("RMSprop", {"lr": 0.01, "centered": True}, {}),
    "rmsprop_momentum_centered": ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True,
                                              "weight_decay": 0.1, "alpha": 0.9}, {"momentum": 0.5}),
    "rmsprop_momentum": ("RMSprop", {"lr": 0.005, "momentum": 0.5, "maximize": True}, {}),
    "adam_default": ("Adam", {}, {}),
    "adam_amsgrad_wd": ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, {"lr": 0.01}),
    "adam_betas_eps_maximize": ("Adam", {"lr": 0.05, "betas": [0.8, 0.9], "eps": 1e-3, "maximize": True}, {}),
    "adam_decoupled": ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}, {}),
    "adamw_default": ("AdamW", {}, {}),
    "adamw_amsgrad": ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.5}, {"betas": [0.5, 0.6]}),
    "adamax_default": ("Adamax", {}, {}),
    "adamax_all": ("Adamax", {"lr": 0.05, "betas": [0.7, 0.9], "weight_decay": 0.1, "eps": 1e-4}, {}),
    "nadam_default": ("NAdam", {}, {}),
    "nadam_all": ("NAdam", {"lr": 0.05, "momentum_decay": 0.01, "weight_decay": 0.1}, {"betas": [0.8, 0.99]}),
    "nadam_decoupled": ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
                                  "maximize": True}, {}),
    "radam_default": ("RAdam", {}, {}),
    "radam_wd": ("RAdam", {"lr": 0.05, "weight_decay": 0.1}, {}),
    "radam_decoupled": ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
                                  "betas": [0.9, 0.99]}, {}),
}

SCHED_CASES = {
    "step": ("SGD", "StepLR", {"step_size": 4, "gamma": 0.5}),
    "multistep": ("SGD", "MultiStepLR", {"milestones": [3, 7, 7, 12], "gamma": 0.3}),
    "exponential": ("SGD", "ExponentialLR", {"gamma": 0.9}),
    "cosine": ("SGD", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    "cosine_zero": ("Adam", "CosineAnnealingLR", {"T_max": 7}),
    "linear_warmup": ("SGD", "LinearLR", {"start_factor": 0.25, "total_iters": 6}),
    "linear_decay": ("SGD", "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 10}),
    "onecycle_cos": ("SGD", "OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": 40}),
    "onecycle_linear3": ("Adam", "OneCycleLR", {"max_lr": 0.3, "epochs": 4, "steps_per_epoch": 8,
                                                "pct_start": 0.25, "anneal_strategy": "linear",
                                                "three_phase": True, "div_factor": 10.0}),
    "plateau_min": ("SGD", "ReduceLROnPlateau", {"factor": 0.5, "patience": 2, "cooldown": 1,
                                                 "min_lr": [0.01, 0.001], "threshold": 0.01}),
    "plateau_max_abs": ("SGD", "ReduceLROnPlateau", {"mode": "max", "factor": 0.3, "patience": 1,
                                                     "threshold": 0.1, "threshold_mode": "abs"}),
}


def grad_of(p, s, t):
    return s * (p - t) + 0.5 * np.cos(3.0 * p)


def tkwargs(kw):
    return {k: tuple(v) if k == "betas" else v for k, v in kw.items()}


def run_optimizer(case, name, kwargs, group1, rng, out):
    p0 = [rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,))]
    s = [rng.uniform(0.1, 3.0, p.shape) for p in p0]
    t = [rng.uniform(-1, 1, p.shape) for p in p0]
    params = [torch.tensor(p, requires_grad=True) for p in p0]
    cls = getattr(torch.optim, name)
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], **tkwargs(group1)}],
              foreach=False, **tkwargs(kwargs))
    traj = [[], []]
    for k in range(STEPS):
        if k == 12:
            opt.param_groups[0]["lr"] *= 0.5
        for i, p in enumerate(params):
            skip = i == 1 and k % 7 == 3
            p.grad = None if skip else torch.tensor(grad_of(p.detach().numpy(), s[i], t[i]))
        opt.step()
        for i, p in enumerate(params):
            traj[i].append(p.detach().numpy().copy())
    pre = f"opt/{case}/"
    out[pre + "name"] = np.array(name)
    out[pre + "kwargs"] = np.array(json.dumps(kwargs))
    out[pre + "group1"] = np.array(json.dumps(group1))
    keys = []
    for i, p in enumerate(params):
        out[pre + f"p0/{i}"], out[pre + f"s/{i}"], out[pre + f"t/{i}"] = p0[i], s[i], t[i]
        out[pre + f"traj/{i}"] = np.stack(traj[i])
        st = opt.state[p]
        keys.append(sorted(k for k, v in st.items() if v is not None))
        for k, v in st.items():
            if v is not None:
                out[pre + f"state/{i}/{k}"] = v.detach().numpy().astype(np.float64)
    out[pre + "state_keys"] = np.array(json.dumps(keys))


def run_scheduler(case, opt_name, name, kwargs, out):
    w = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    lrs0 = [0.1, 0.03]
    if opt_name == "SGD":
        opt = torch.optim.SGD([{"params": [w[0]], "lr": lrs0[0]}, {"params": [w[1]], "lr": lrs0[1]}],
                              momentum=0.9)
    else:
        opt = torch.optim.Adam([{"params": [w[0]], "lr": lrs0[0]}, {"params": [w[1]], "lr": lrs0[1]}])
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    metrics = np.array([1.0, 0.9, 0.95, 0.92, 0.91, 0.5, 0.6, 0.7, 0.8, 0.4] * 3)
    if kwargs.get("mode") == "max":
        metrics = -metrics + np.arange(len(metrics)) * 0.03

    def mom():
        return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]

    lrs, moms = [list(sched.get_last_lr())], [mom()]
    for k in range(SCHED_STEPS):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(metrics[k])
        else:
            sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(mom())
    pre = f"sched/{case}/"
    out[pre + "opt"] = np.array(opt_name)
    out[pre + "name"] = np.array(name)
    out[pre + "kwargs"] = np.array(json.dumps(kwargs))
    out[pre + "lrs0"] = np.array(lrs0)
    out[pre + "lrs"] = np.array(lrs, dtype=np.float64)
    out[pre + "mom"] = np.array(moms, dtype=np.float64)
    out[pre + "metrics"] = metrics


def main():
    rng = np.random.default_rng(20240603)
    out = {"steps": np.array(STEPS)}
    for case, (name, kwargs, group1) in OPT_CASES.items():
        run_optimizer(case, name, kwargs, group1, rng, out)
    for case, (opt_name, name, kwargs) in SCHED_CASES.items():
        run_scheduler(case, opt_name, name, kwargs, out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({len(OPT_CASES)} optimizer cases, {len(SCHED_CASES)} scheduler cases, "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
