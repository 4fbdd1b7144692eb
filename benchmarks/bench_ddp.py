"""Data-parallel step time over MPI, and how much of the allreduce hides behind backward.

The MLP of ``bench_mlp.py`` (784-512-256-10, ReLU, cross-entropy, SGD lr 0.01, float32)
on a batch of 128 *per process*.  The driver (run it plainly) starts the workers under
``mpiexec`` itself, alternating in rounds, and keeps the least-disturbed round:

* 1 process, 1 BLAS thread and 2 BLAS threads (the single-process baselines);
* 2 processes, 1 BLAS thread each (the data-parallel run: 256 samples per step).

Each worker times, per step (median over steps):

* ``plain``: the model without DDP (no communication at all);
* ``ddp``: DistributedDataParallel with default buckets (25 MiB; this 2.1 MB model fits
  one bucket, so nothing can overlap);
* ``ddp 0.5MiB``: two buckets (last three tensors + first layer), overlap on;
* ``ddp 0.5MiB no overlap``: the same buckets, all started after backward;
* ``no_sync``: backward with DDP's hooks but no exchange (backward's own time).

and for the DDP runs the backward-to-last-bucket time.  The hidden share of the
allreduce is ``1 - exposed / total``: ``exposed`` = (backward start to last bucket
done, with overlap) - (backward alone, ``no_sync``); ``total`` = the allreduce time
when every bucket starts after backward (last gradient ready to last bucket done).
The reducer's own timestamps give a second estimate (printed as "direct").

    python benchmarks/bench_ddp.py [--steps 200] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (784, 512, 256, 10)
BATCH = 128


def _union(intervals) -> float:
    total, end = 0.0, -1e300
    for a, b in sorted(intervals):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def worker(steps: int) -> None:
    sys.path.insert(0, os.path.dirname(HERE))
    import portanet as pn
    import portanet.nn.functional as F
    from portanet.distributed import DistributedDataParallel as DDP
    pn.distributed.init(timeout=120)
    rank = pn.distributed.rank()
    rng = np.random.default_rng(rank)
    x = pn.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = pn.tensor(rng.integers(0, SIZES[-1], BATCH))

    def build():
        pn.manual_seed(0)
        mods = []
        for i, (a, b) in enumerate(zip(SIZES, SIZES[1:])):
            mods += [pn.nn.Linear(a, b)] + ([pn.nn.ReLU()] if i < len(SIZES) - 2 else [])
        return pn.nn.Sequential(*mods)

    def measure(model, sync=True):
        opt = pn.optim.SGD(model.parameters(), lr=0.01)
        reducer = getattr(model, "reducer", None)
        step_t, bwd_t, direct = [], [], []
        for i in range(steps + 10):
            pn.distributed.barrier()               # start each step together
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            tb = time.perf_counter()
            if sync:
                loss.backward()
            else:
                with model.no_sync():
                    loss.backward()
            tdone = time.perf_counter()
            if reducer is not None and sync:
                st = reducer.stats
                tdone = max(d for _, d in st.buckets)
                comm = _union(st.buckets)
                direct.append((comm - (tdone - st.last_ready)) / comm if comm > 0 else 0.0)
            opt.step()
            t1 = time.perf_counter()
            if i >= 10:
                step_t.append(t1 - t0)
                bwd_t.append(tdone - tb)
        out = {"step": statistics.median(step_t), "bwd_to_done": statistics.median(bwd_t)}
        if direct:
            out["direct_hidden"] = statistics.median(direct)
        return out

    res = {"plain": measure(build())}
    res["ddp"] = measure(DDP(build()))
    res["ddp 0.5MiB"] = measure(DDP(build(), bucket_cap_mb=0.5))
    m = DDP(build(), bucket_cap_mb=0.5, overlap=False)
    res["ddp 0.5MiB no overlap"] = measure(m)
    # the allreduce time alone: last gradient ready -> last bucket done, all started after backward
    tails = []
    opt = pn.optim.SGD(m.parameters(), lr=0.01)
    for _ in range(steps):
        pn.distributed.barrier()
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        st = m.reducer.stats
        tails.append(max(d for _, d in st.buckets) - st.last_ready)
        opt.step()
    res["allreduce_total"] = statistics.median(tails)
    res["no_sync"] = measure(DDP(build(), bucket_cap_mb=0.5), sync=False)
    res["buckets"] = {"ddp": len(DDP(build()).reducer.buckets), "0.5MiB": len(m.reducer.buckets)}
    if rank == 0:
        print("RESULT " + json.dumps(res), flush=True)


def _run(n: int, threads: int, steps: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "PORTANET_BACKEND": "numpy"}
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    exe = exe if os.access(exe, os.X_OK) else "mpiexec"
    out = subprocess.run([exe, "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker",
                          "--steps", str(steps)], env=env, capture_output=True, text=True, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")


def _best(runs: list) -> dict:
    """Per time, the minimum over rounds (the least-disturbed round); shares: the median."""
    def merge(vals, key=""):
        if isinstance(vals[0], dict):
            return {k: merge([v[k] for v in vals], k) for k in vals[0]}
        if isinstance(vals[0], float):
            return statistics.median(vals) if key == "direct_hidden" else min(vals)
        return vals[0]
    return merge(runs)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="timed steps per configuration")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.steps)
    sys.path.insert(0, HERE)
    from common import machine
    print(machine())
    setups = {"1 process, 1 thread": (1, 1), "1 process, 2 threads": (1, 2), "2 processes, 1 thread each": (2, 1)}
    runs: dict = {k: [] for k in setups}
    for _ in range(args.rounds):
        for name, (n, t) in setups.items():
            runs[name].append(_run(n, t, args.steps))
    best = {k: _best(v) for k, v in runs.items()}
    one, one2, two = best["1 process, 1 thread"], best["1 process, 2 threads"], best["2 processes, 1 thread each"]
    ms = 1e3
    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH} per process, SGD, float32, NumPy; "
          f"min over {args.rounds} rounds of the median of {args.steps} steps")
    print(f"  {'setup':<28} {'plain':>8} {'ddp':>8} {'ddp .5M':>8} {'no ovl':>8} {'no_sync':>8}  (ms/step)")
    for name, r in best.items():
        print(f"  {name:<28} {r['plain']['step'] * ms:8.3f} {r['ddp']['step'] * ms:8.3f} "
              f"{r['ddp 0.5MiB']['step'] * ms:8.3f} {r['ddp 0.5MiB no overlap']['step'] * ms:8.3f} "
              f"{r['no_sync']['step'] * ms:8.3f}")
    print(f"  buckets: default {two['buckets']['ddp']}, 0.5 MiB {two['buckets']['0.5MiB']}")
    t1, t2 = one["plain"]["step"], two["ddp"]["step"]
    print(f"\n2-process DDP step / 1-process step (1 thread): {t2 / t1:.2f}  "
          f"(samples/s: {2 * t1 / t2:.2f}x of one process)")
    print(f"2-process DDP step / 1-process step (2 threads): {t2 / one2['plain']['step']:.2f}  "
          f"(samples/s: {2 * one2['plain']['step'] / t2:.2f}x)")
    bwd = two["no_sync"]["bwd_to_done"]
    total = two["allreduce_total"]
    for key in ("ddp", "ddp 0.5MiB"):
        exposed = max(two[key]["bwd_to_done"] - bwd, 0.0)
        print(f"{key:>10}: backward start -> last bucket done {two[key]['bwd_to_done'] * ms:.3f} ms, "
              f"backward alone {bwd * ms:.3f} ms, allreduce total {total * ms:.3f} ms -> hidden "
              f"{max(0.0, 1 - exposed / total):.0%} (direct from the reducer's timestamps: "
              f"{two[key]['direct_hidden']:.0%})")


if __name__ == "__main__":
    main()
