"""Optimizer step time for a 784-512-256-10 MLP's parameters (float32, 535,818 values).

Contenders, for SGD (momentum 0.9) and Adam: portanet on NumPy (its fused kernels when
numba is installed) and with every fast path off (``portanet/numpy generic``, the
Array API rule); torch.optim on CPU by default (a per-parameter loop), with
``foreach=True`` and with ``fused=True`` (PyTorch's best); and hand-written NumPy with
``out=`` buffers (the floor of anything built from NumPy calls).  Prints median
milliseconds per step (interleaved in one process) and ratios to PyTorch's default.
Never fails: a missing library is reported and skipped.

    python benchmarks/bench_optim.py [--repeat 300]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

SHAPES = [(512, 784), (512,), (256, 512), (256,), (10, 256), (10,)]
SGD_KW = dict(lr=0.01, momentum=0.9)
ADAM_KW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)


def host_data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]
    return params, grads


def portanet_step(kind: str, generic: bool = False):
    import contextlib

    import portanet as pn
    from portanet.backend import fast
    with pn.use_backend("numpy"):
        params, grads = host_data()
        ps = [pn.tensor(p.copy(), requires_grad=True) for p in params]
        for p, g in zip(ps, grads):
            p.grad = pn.tensor(g)
        opt = pn.optim.SGD(ps, **SGD_KW) if kind == "sgd" else pn.optim.Adam(ps, **ADAM_KW)
    mode = fast.disabled if generic else contextlib.nullcontext

    def step():
        with mode():
            opt.step()
    return step


def torch_step(kind: str, **flags):
    torch = try_import_torch(2)
    params, grads = host_data()
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(g)
    kw = SGD_KW if kind == "sgd" else ADAM_KW
    return (torch.optim.SGD if kind == "sgd" else torch.optim.Adam)(ps, **flags, **kw).step


def numpy_step(kind: str):
    params, grads = host_data()
    tmp = [np.empty_like(p) for p in params]
    if kind == "sgd":
        bufs = [None] * len(params)

        def step():
            for i, (p, g) in enumerate(zip(params, grads)):
                if bufs[i] is None:
                    bufs[i] = g.copy()
                else:
                    bufs[i] *= SGD_KW["momentum"]
                    bufs[i] += g
                np.multiply(bufs[i], SGD_KW["lr"], out=tmp[i])
                p -= tmp[i]
        return step
    b1, b2 = ADAM_KW["betas"]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    count = [0]

    def step():
        count[0] += 1
        t = count[0]
        step_size = ADAM_KW["lr"] / (1 - b1 ** t)
        bc2 = (1 - b2 ** t) ** 0.5
        for p, g, mi, vi, ti in zip(params, grads, m, v, tmp):
            mi *= b1
            np.multiply(g, 1 - b1, out=ti)
            mi += ti
            vi *= b2
            np.multiply(g, g, out=ti)
            ti *= 1 - b2
            vi += ti
            np.sqrt(vi, out=ti)
            ti /= bc2
            ti += ADAM_KW["eps"]
            np.divide(mi, ti, out=ti)
            ti *= step_size
            p -= ti
    return step


def workloads(backends=("numpy",)) -> dict:
    """``{workload: {contender: factory}}`` for ``run_all.py`` (NumPy backend only)."""
    out = {}
    for kind in ("sgd", "adam"):
        out[f"{kind}-step"] = {
            "portanet/numpy": lambda k=kind: portanet_step(k),
            "portanet/numpy generic": lambda k=kind: portanet_step(k, generic=True),
            "pytorch-cpu": lambda k=kind: torch_step(k),
            "pytorch-cpu foreach": lambda k=kind: torch_step(k, foreach=True),
            "pytorch-cpu fused": lambda k=kind: torch_step(k, fused=True),
            "hand-numpy": lambda k=kind: numpy_step(k)}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=300)
    args = ap.parse_args(argv)
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(machine())
    for work, makers in workloads().items():
        steps = {}
        for name, make in makers.items():
            try:
                steps[name] = make()
                steps[name]()
            except Exception as e:  # a benchmark never fails: report and go on
                print(f"  {name}: skipped ({type(e).__name__}: {e})")
        times = interleaved(steps, args.repeat, rounds=5, warmup=5, reduce=min)
        print_table(times, baseline="pytorch-cpu", unit="ms",
                    title=f"{work}: {n} float32 parameters in {len(SHAPES)} arrays, interleaved "
                          "(min over 5 rounds of the median)")


if __name__ == "__main__":
    main()
