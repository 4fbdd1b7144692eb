"""cProfile of one contender's step of any ``run_all.py`` workload: where the time goes.

    python benchmarks/profile_step.py cnn                       # portanet/numpy's CNN step
    python benchmarks/profile_step.py adam-step --contender "portanet/numpy generic"
    python benchmarks/profile_step.py tiny --steps 5000 --lines 25

Prints the functions with the most own time (``tottime``) over ``--steps`` steps, after
a warm-up.  Python-level only: time inside one NumPy call is charged to that call
(``{built-in method numpy...}`` or the op that made it).  The clock is this thread's CPU
time by default (``--clock cpu``), which other jobs on a shared machine disturb less
than wall time (``--clock wall``); it leaves out the work of other threads (BLAS
threads, for one): set ``OPENBLAS_NUM_THREADS=1`` to see a whole step in one thread.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import run_all  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload")
    ap.add_argument("--contender", default="portanet/numpy")
    ap.add_argument("--backends", nargs="*", default=["numpy"])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--lines", type=int, default=20)
    ap.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = ap.parse_args(argv)
    module, makers = run_all.discover(args.backends)[args.workload]
    step = makers[args.contender]()
    for _ in range(3):
        step()
    prof = cProfile.Profile(time.thread_time if args.clock == "cpu" else time.perf_counter)
    prof.runcall(lambda: [step() for _ in range(args.steps)])
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    total = stats.total_tt / args.steps
    stats.sort_stats("tottime").print_stats(args.lines)
    print(f"{args.workload} / {args.contender}: {total * 1e3:.3f} ms per step ({args.clock} time) "
          f"under the profiler ({args.steps} steps); the columns are seconds")
    print("\n".join(ln for ln in out.getvalue().splitlines()[4:] if ln.strip()))


if __name__ == "__main__":
    main()
