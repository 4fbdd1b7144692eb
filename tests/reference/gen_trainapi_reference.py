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

import numpy as np
import torch

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
    for case, (opt_name, spec) in SCHED_CASES.items():
        run_scheduler(case, opt_name, spec, out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({len(SCHED_CASES)} scheduler cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
