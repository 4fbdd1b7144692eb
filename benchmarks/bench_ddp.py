"""Data-parallel step time over MPI, and how much of the allreduce hides behind backward.

The MLP of ``bench_mlp.py`` (784-512-256-10, ReLU, cross-entropy, SGD lr 0.01, float32)
on a batch of 128 *per process*.  The driver (run it plainly) starts the workers under
``mpiexec`` itself:

* 1 process, 1 BLAS thread and 2 BLAS threads (the single-process baselines);
* 2 processes, 1 BLAS thread each (the data-parallel run: 256 samples per step).

Each worker times, per step (median over steps; the configurations are interleaved in
rounds inside the worker, and each time is the minimum over rounds):

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
The reducer's own timestamps give a second, looser figure ("in flight during backward":
the share of the buckets' launch-to-done time that lies before the last gradient; MPICH
only moves a bucket forward inside MPI calls, so in flight is not the same as moving).

    python benchmarks/bench_ddp.py [--steps 40] [--rounds 5]
    MPIR_CVAR_ASYNC_PROGRESS=1 python benchmarks/bench_ddp.py   # MPICH's progress thread

The environment is passed to the workers (OMP/OpenBLAS threads set per setup).
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


def worker(steps: int, rounds: int) -> None:
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

    def steps_of(model, opt, sync, n):
        """Time ``n`` steps; returns per-step lists (step, backward->done, direct share, tail)."""
        reducer = getattr(model, "reducer", None)
        rows = []
        for _ in range(n):
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
            tdone, share, tail = time.perf_counter(), None, None
            if reducer is not None and sync:
                st = reducer.stats
                tdone = max(d for _, d in st.buckets)
                tail = tdone - st.last_ready           # waited for after the last gradient
                comm = _union(st.buckets)              # in flight before the last gradient:
                before = _union([(a, min(d, st.last_ready)) for a, d in st.buckets if a < st.last_ready])
                share = before / comm if comm > 0 else 0.0
            opt.step()
            rows.append((time.perf_counter() - t0, tdone - tb, share, tail))
        return rows

    configs = {"plain": (build(), True), "ddp": (DDP(build()), True),
               "ddp 0.5MiB": (DDP(build(), bucket_cap_mb=0.5), True),
               "ddp 0.5MiB no overlap": (DDP(build(), bucket_cap_mb=0.5, overlap=False), True),
               "no_sync": (DDP(build(), bucket_cap_mb=0.5), False)}
    opts = {k: pn.optim.SGD(m.parameters(), lr=0.01) for k, (m, _) in configs.items()}
    per_round: dict = {k: [] for k in configs}
    for r in range(rounds):                        # interleaved: a burst of load hits all alike
        for k, (m, sync) in configs.items():
            rows = steps_of(m, opts[k], sync, steps + (10 if r == 0 else 2))[(10 if r == 0 else 2):]
            med = [statistics.median(c) if c[0] is not None else None for c in zip(*rows)]
            per_round[k].append(med)
    res = {}
    for k, meds in per_round.items():               # times: the least-disturbed round
        res[k] = {"step": min(m[0] for m in meds), "bwd_to_done": min(m[1] for m in meds)}
        if meds[0][2] is not None:
            res[k]["direct_hidden"] = statistics.median(m[2] for m in meds)
            res[k]["tail"] = min(m[3] for m in meds)
    res["allreduce_total"] = res["ddp 0.5MiB no overlap"]["tail"]
    res["buckets"] = {"ddp": len(configs["ddp"][0].reducer.buckets),
                      "0.5MiB": len(configs["ddp 0.5MiB"][0].reducer.buckets)}
    if rank == 0:
        print("RESULT " + json.dumps(res), flush=True)


def _run(n: int, threads: int, steps: int, rounds: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "PORTANET_BACKEND": "numpy"}
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    exe = exe if os.access(exe, os.X_OK) else "mpiexec"
    out = subprocess.run([exe, "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker",
                          "--steps", str(steps), "--rounds", str(rounds)], env=env, capture_output=True,
                         text=True, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"worker failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40, help="timed steps per configuration and round")
    ap.add_argument("--rounds", type=int, default=5, help="rounds over the configurations")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.steps, args.rounds)
    sys.path.insert(0, HERE)
    from common import machine
    print(machine())
    setups = {"1 process, 1 thread": (1, 1), "1 process, 2 threads": (1, 2), "2 processes, 1 thread each": (2, 1)}
    best = {name: _run(n, t, args.steps, args.rounds) for name, (n, t) in setups.items()}
    one, one2, two = best["1 process, 1 thread"], best["1 process, 2 threads"], best["2 processes, 1 thread each"]
    ms = 1e3
    print(f"\nMLP {'-'.join(map(str, SIZES))}, batch {BATCH} per process, SGD, float32, NumPy; "
          f"min over {args.rounds} interleaved rounds of the median of {args.steps} steps")
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
              f"{max(0.0, 1 - exposed / total):.0%} (in flight during backward: "
              f"{two[key]['direct_hidden']:.0%})")


if __name__ == "__main__":
    main()
