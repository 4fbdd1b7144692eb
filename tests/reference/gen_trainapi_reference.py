"""Reference sequences of torch.optim's schedulers and optimizers added by branch trainapi.

Writes ``tests/fixtures/trainapi_reference.npz`` (read with ``allow_pickle=False`` by
``tests/test_lr_scheduler_more.py`` and ``tests/test_optim_more.py``, so the default
suite needs no PyTorch).  Re-run after changing a case:

    python tests/reference/gen_trainapi_reference.py

Scheduler cases ``sched/<case>/...``: as in gen_optim_reference.py (two groups with lrs
0.1 and 0.03, SGD with momentum 0.9 or Adam), a spec (JSON) naming the scheduler, its
arguments and, for SequentialLR/ChainedScheduler, its children; lr functions are named
(``LAMBDAS``, the same table in the test).  ``lrs`` and ``mom`` after construction and
after each of 30 steps; ``epochs`` (when present) are the arguments of ``step(epoch)``.

Optimizer cases ``opt/<case>/...``: the layout and gradient of gen_optim_reference.py
(two parameters in two groups, b skipped at steps k % 7 == 3, group 0's lr halved
before step 12); LBFGS runs on the quadratic-plus-cosine loss whose gradient that is,
through a closure (``loss`` holds the closure's first loss per step).
"""
from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from gen_optim_reference import run_optimizer  # noqa: E402  (the same layout and gradient)

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "trainapi_reference.npz"
STEPS = 25
SCHED_STEPS = 30
torch.set_default_dtype(torch.float64)

LAMBDAS = {
    "pow": lambda e: 0.9 ** e,
    "warm": lambda e: min(1.0, (e + 1) / 5.0),
    "m95": lambda e: 0.95 if e % 2 else 1.01,
}

SCHED_CASES = {
    "lambda_pow": ("SGD", ["LambdaLR", {"lr_lambda": "pow"}]),
    "lambda_per_group": ("Adam", ["LambdaLR", {"lr_lambda": ["pow", "warm"]}]),
    "multiplicative": ("SGD", ["MultiplicativeLR", {"lr_lambda": "m95"}]),
    "constant": ("SGD", ["ConstantLR", {"factor": 0.5, "total_iters": 4}]),
    "constant_default": ("Adam", ["ConstantLR", {}]),
    "polynomial": ("SGD", ["PolynomialLR", {"total_iters": 10, "power": 2.0}]),
    "polynomial_default": ("SGD", ["PolynomialLR", {}]),
    "warm_restarts": ("SGD", ["CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}]),
    "warm_restarts_t1": ("SGD", ["CosineAnnealingWarmRestarts", {"T_0": 4}]),
    "warm_restarts_frac": ("SGD", ["CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 3}]),
    "warm_restarts_frac1": ("SGD", ["CosineAnnealingWarmRestarts", {"T_0": 3, "eta_min": 0.01}]),
    "cyclic_tri": ("SGD", ["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}]),
    "cyclic_tri2": ("SGD", ["CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 3,
                                         "step_size_down": 5, "mode": "triangular2",
                                         "base_momentum": 0.7, "max_momentum": [0.9, 0.95]}]),
    "cyclic_exp_adam": ("Adam", ["CyclicLR", {"base_lr": [0.01, 0.005], "max_lr": [0.1, 0.05],
                                              "step_size_up": 3, "mode": "exp_range", "gamma": 0.9}]),
    "cyclic_no_momentum": ("Adam", ["CyclicLR", {"base_lr": 0.001, "max_lr": 0.004, "step_size_up": 2,
                                                 "cycle_momentum": False}]),
    "sequential": ("SGD", ["SequentialLR", {"milestones": [4]},
                           [["LinearLR", {"start_factor": 0.25, "total_iters": 4}],
                            ["ExponentialLR", {"gamma": 0.8}]]]),
    "sequential3": ("SGD", ["SequentialLR", {"milestones": [3, 9]},
                            [["ConstantLR", {"factor": 0.5, "total_iters": 3}],
                             ["CosineAnnealingLR", {"T_max": 6}],
                             ["StepLR", {"step_size": 2, "gamma": 0.5}]]]),
    "sequential_poly": ("Adam", ["SequentialLR", {"milestones": [5]},
                                 [["LambdaLR", {"lr_lambda": "warm"}],
                                  ["PolynomialLR", {"total_iters": 8, "power": 0.5}]]]),
    "chained": ("SGD", ["ChainedScheduler", {},
                        [["ConstantLR", {"factor": 0.1, "total_iters": 5}],
                         ["ExponentialLR", {"gamma": 0.9}]]]),
    "chained_multistep": ("Adam", ["ChainedScheduler", {},
                                   [["MultiStepLR", {"milestones": [2, 6], "gamma": 0.5}],
                                    ["LinearLR", {"start_factor": 0.5, "total_iters": 3}]]]),
}


OPT_CASES = {
    "rprop_default": ("Rprop", {}, {}),
    "rprop_all": ("Rprop", {"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [1e-3, 0.2]},
                  {"lr": 0.02}),
    "rprop_maximize": ("Rprop", {"lr": 0.01, "maximize": True}, {"etas": [0.6, 1.1]}),
    "asgd_default": ("ASGD", {}, {}),
    "asgd_averaging": ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.6, "t0": 5.0,
                                "weight_decay": 0.1}, {"t0": 10.0}),
    "asgd_maximize": ("ASGD", {"lr": 0.02, "t0": 0.0, "maximize": True}, {}),
    "adafactor_default": ("Adafactor", {}, {}),
    "adafactor_all": ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": [1e-20, 1e-2], "d": 2.0,
                                    "weight_decay": 0.1}, {"lr": 0.02}),
    "adafactor_maximize": ("Adafactor", {"lr": 0.03, "maximize": True}, {"d": 1.5}),
}

LBFGS_STEPS = 4
LBFGS_CASES = {
    "lbfgs_default": {},
    "lbfgs_short": {"lr": 0.5, "max_iter": 5, "history_size": 3},
    "lbfgs_wolfe": {"max_iter": 6, "line_search_fn": "strong_wolfe"},
    "lbfgs_wolfe_history": {"lr": 0.8, "max_iter": 10, "history_size": 2,
                            "line_search_fn": "strong_wolfe", "tolerance_change": 1e-12},
}


def lbfgs_loss(params, s, t, lib):
    """sum of 0.5 s (p - t)^2 + sin(3p) / 6: gradient s (p - t) + 0.5 cos(3p)."""
    total = 0.0
    for p, si, ti in zip(params, s, t):
        total = total + (0.5 * si * (p - ti) ** 2 + lib.sin(3.0 * p) / 6.0).sum()
    return total


def run_lbfgs(case, kwargs, rng, out):
    p0 = [rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,))]
    s = [torch.tensor(rng.uniform(0.1, 3.0, p.shape)) for p in p0]
    t = [torch.tensor(rng.uniform(-1, 1, p.shape)) for p in p0]
    params = [torch.tensor(p, requires_grad=True) for p in p0]
    opt = torch.optim.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = lbfgs_loss(params, s, t, torch)
        loss.backward()
        return loss

    traj, losses = [[], []], []
    for _ in range(LBFGS_STEPS):
        losses.append(float(opt.step(closure)))
        for i, p in enumerate(params):
            traj[i].append(p.detach().numpy().copy())
    pre = f"opt/{case}/"
    out[pre + "name"] = np.array("LBFGS")
    out[pre + "kwargs"] = np.array(json.dumps(kwargs))
    for i in range(2):
        out[pre + f"p0/{i}"], out[pre + f"s/{i}"], out[pre + f"t/{i}"] = p0[i], s[i].numpy(), t[i].numpy()
        out[pre + f"traj/{i}"] = np.stack(traj[i])
    out[pre + "loss"] = np.array(losses)
    out[pre + "func_evals"] = np.array(opt.state[params[0]]["func_evals"])


def fractional_epochs(case):
    """The ``step(epoch)`` arguments of the fractional warm-restart cases (else None)."""
    if not case.startswith("warm_restarts_frac"):
        return None
    return [round(0.37 * (k + 1), 10) for k in range(SCHED_STEPS)]


def build_scheduler(lib_sched, opt, spec, lambdas):
    """``spec`` -> scheduler of ``lib_sched`` (torch.optim.lr_scheduler or portanet's)."""
    name, kwargs = spec[0], dict(spec[1])
    if "lr_lambda" in kwargs:
        f = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [lambdas[x] for x in f] if isinstance(f, list) else lambdas[f]
    cls = getattr(lib_sched, name)
    if name == "SequentialLR":
        kids = [build_scheduler(lib_sched, opt, s, lambdas) for s in spec[2]]
        return cls(opt, kids, **kwargs)
    if name == "ChainedScheduler":
        return cls([build_scheduler(lib_sched, opt, s, lambdas) for s in spec[2]])
    return cls(opt, **kwargs)


def run_scheduler(case, opt_name, spec, out):
    w = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    lrs0 = [0.1, 0.03]
    groups = [{"params": [w[0]], "lr": lrs0[0]}, {"params": [w[1]], "lr": lrs0[1]}]
    opt = torch.optim.SGD(groups, momentum=0.9) if opt_name == "SGD" else torch.optim.Adam(groups)
    sched = build_scheduler(torch.optim.lr_scheduler, opt, spec, LAMBDAS)
    epochs = fractional_epochs(case)

    def mom():
        return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]

    lrs, moms = [list(sched.get_last_lr())], [mom()]
    for k in range(SCHED_STEPS):
        opt.step()
        if epochs is None:
            sched.step()
        else:
            sched.step(epochs[k])
        lrs.append(list(sched.get_last_lr()))
        moms.append(mom())
    pre = f"sched/{case}/"
    out[pre + "opt"] = np.array(opt_name)
    out[pre + "spec"] = np.array(json.dumps(spec))
    out[pre + "lrs"] = np.array(lrs, dtype=np.float64)
    out[pre + "mom"] = np.array(moms, dtype=np.float64)


def main():
    out = {"steps": np.array(STEPS)}
    rng = np.random.default_rng(20261126)
    for case, (name, kwargs, group1) in OPT_CASES.items():
        run_optimizer(case, name, kwargs, group1, rng, out)
    for case, kwargs in LBFGS_CASES.items():
        run_lbfgs(case, kwargs, rng, out)
    for case, (opt_name, spec) in SCHED_CASES.items():
        run_scheduler(case, opt_name, spec, out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({len(OPT_CASES) + len(LBFGS_CASES)} optimizer cases, "
          f"{len(SCHED_CASES)} scheduler cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
