"""Optimizer step time for a 784-512-256-10 MLP's parameters (float32, ~535k values).

Compares, in the same run: portanet on NumPy; torch.optim on CPU (its default, which on
CPU is the per-parameter loop, and ``foreach=True``); and a hand-written NumPy step
using ``out=`` buffers (the floor for NumPy).  Prints median milliseconds per step and
ratios to hand-written NumPy.  Never fails: a missing library is reported and skipped.

    python benchmarks/bench_optim.py [--repeat 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

SHAPES = [(512, 784), (512,), (256, 512), (256,), (10, 256), (10,)]
SGD_KW = dict(lr=0.01, momentum=0.9)
ADAM_KW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)


def timeit(step, repeat: int) -> float:
    for _ in range(5):
        step()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def host_data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]
    return params, grads


def bench_portanet(kind, repeat):
    import portanet as pn
    with pn.use_backend("numpy"):
        params, grads = host_data()
        ps = [pn.tensor(p.copy(), requires_grad=True) for p in params]
        for p, g in zip(ps, grads):
            p.grad = pn.tensor(g)
        opt = pn.optim.SGD(ps, **SGD_KW) if kind == "sgd" else pn.optim.Adam(ps, **ADAM_KW)
        return timeit(opt.step, repeat)


def bench_torch(kind, repeat, foreach):
    import torch
    params, grads = host_data()
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(g)
    kw = SGD_KW if kind == "sgd" else ADAM_KW
    opt = (torch.optim.SGD if kind == "sgd" else torch.optim.Adam)(ps, foreach=foreach, **kw)
    return timeit(opt.step, repeat)


def bench_numpy(kind, repeat):
    params, grads = host_data()
    if kind == "sgd":
        bufs = [None] * len(params)
        tmp = [np.empty_like(p) for p in params]

        def step():
            for i, (p, g) in enumerate(zip(params, grads)):
                if bufs[i] is None:
                    bufs[i] = g.copy()
                else:
                    bufs[i] *= SGD_KW["momentum"]
                    bufs[i] += g
                np.multiply(bufs[i], SGD_KW["lr"], out=tmp[i])
                p -= tmp[i]
        return timeit(step, repeat)
    b1, b2 = ADAM_KW["betas"]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
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
    return timeit(step, repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"optimizer step, 784-512-256-10 MLP ({n} float32 parameters), median of {args.repeat}")
    runs = [("portanet numpy", lambda k: bench_portanet(k, args.repeat)),
            ("hand-written numpy", lambda k: bench_numpy(k, args.repeat)),
            ("torch.optim default", lambda k: bench_torch(k, args.repeat, None)),
            ("torch.optim foreach", lambda k: bench_torch(k, args.repeat, True))]
    for kind, label in (("sgd", "SGD momentum=0.9"), ("adam", "Adam")):
        results = {}
        for name, fn in runs:
            try:
                results[name] = fn(kind)
            except Exception as e:  # a benchmark never fails: report and go on
                print(f"  {name}: skipped ({type(e).__name__}: {e})")
        base = results.get("hand-written numpy")
        print(f"{label}:")
        for name, ms in results.items():
            ratio = f"  x{ms / base:.2f} of hand-written numpy" if base else ""
            print(f"  {name:22s} {ms:8.3f} ms{ratio}")
        if "portanet numpy" in results and "torch.optim default" in results:
            print(f"  portanet numpy / torch.optim default = "
                  f"{results['portanet numpy'] / results['torch.optim default']:.2f}")


if __name__ == "__main__":
    main()
