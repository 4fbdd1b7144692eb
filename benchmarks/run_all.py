"""Every benchmark workload and contender in one command: a table, RESULTS.md and a plot.

    python benchmarks/run_all.py                      # everything, ~10 minutes on 2 cores
    python benchmarks/run_all.py --quick              # one round, shorter samples
    python benchmarks/run_all.py --workloads cnn mlp --backends numpy --no-write

What it measures, for every workload the ``bench_*.py`` modules declare (tiny, mlp, cnn,
sgd-step, adam-step; lstm and transformer from ``bench_lstm.py``):

* **separate processes** (the figure that counts): each contender alone in a fresh
  process, the contenders alternating within each round (order reversed every other
  round); a process times about ``--seconds`` of steps and reports their median; the
  table keeps the minimum over ``--rounds`` (the least disturbed round) and the spread
  max/min of the rounds as a noise figure;
* **interleaved**: all contenders of a workload in one process, alternating in rounds
  (minimum over rounds of each round's median): the thread pools of the libraries then
  compete, as they would in a program using both;
* **peak memory** of one step, in a fresh process per contender (see
  ``common.peak_memory``): the rise of the resident set (every library) and
  tracemalloc's peak (NumPy and Python allocations only).

Contenders: ``portanet/<backend>`` for each backend asked for (default: every available
one), ``portanet/numpy generic`` (every fast path off) where a module offers it,
PyTorch CPU with its defaults (``pytorch-cpu``, 2 threads) and its best optimizers
(``pytorch-cpu fused``/``foreach``), and ``hand-numpy``, the same step written directly
in NumPy.  Ratios are to ``pytorch-cpu`` and to the fastest PyTorch contender.

A benchmark module joins the table by defining ``workloads(backends) -> {workload:
{contender: factory}}``, each factory a zero-argument function that builds the model
and returns its step function (import the library inside the factory, so that each
process loads only its own).  Modules without it can be adapted in ``ADAPTERS`` below.
Never fails: a contender that cannot run is reported and left out.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(1, ROOT)  # time this checkout's portanet, not an installed one

from common import interleaved, peak_memory, time_step  # noqa: E402


def _lstm_workloads(mod, backends) -> dict:
    """bench_lstm.py's ``makers(workload, backend, dropout)`` as a workloads() table."""
    out = {}
    for work in ("lstm", "transformer"):
        out[work] = {}
        for b in backends:
            out[work].update(mod.makers(work, b, 0.0))
    return out


# Modules written before the workloads() hook: {module: function(module, backends)}.
ADAPTERS = {"bench_lstm": _lstm_workloads}


def _table(module: str, backends) -> dict:
    mod = importlib.import_module(module)
    if hasattr(mod, "workloads"):
        return mod.workloads(tuple(backends))
    if module in ADAPTERS:
        return ADAPTERS[module](mod, tuple(backends))
    return {}


def discover(backends) -> dict:
    """``{workload: (module name, {contender: factory})}`` from ``benchmarks/bench_*.py``."""
    found = {}
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("bench_") and fname.endswith(".py")):
            continue
        name = fname[:-3]
        try:
            table = _table(name, backends)
            if not table:
                print(f"{fname}: no workloads() hook, not in the table")
                continue
        except Exception as e:  # a benchmark never fails: report and go on
            print(f"{fname}: skipped ({type(e).__name__}: {e})")
            continue
        for work, makers in table.items():
            found[work] = (name, makers)
    return found


# ------------------------------------------------------------------- child processes
def child(args) -> None:
    """Run inside a fresh process: print one JSON line with the measurement asked for."""
    if args.child_mode == "interleaved":
        makers = _table(args.module, args.backends)[args.workload]
        steps = {}
        for name, make in makers.items():
            try:
                steps[name] = make()
                steps[name]()
            except Exception as e:
                print(f"{name}: skipped ({type(e).__name__}: {e})", file=sys.stderr)
        if not steps:
            return
        per = {k: statistics.median(time_step(s, 0.05, 2, 0.0)) for k, s in steps.items()}
        rounds = max(2, args.rounds)
        repeat = max(rounds * 3, int(args.seconds * rounds / max(sum(per.values()), 1e-9)))
        print(json.dumps(interleaved(steps, repeat, rounds=rounds, warmup=2, reduce=min)))
        return
    make = _table(args.module, args.backends)[args.workload][args.contender]
    if args.child_mode == "time":
        print(json.dumps({"median": statistics.median(time_step(make(), args.seconds))}))
    else:
        print(json.dumps(peak_memory(make)))


def spawn(mode: str, module: str, workload: str, contender: str, args, env_extra=None):
    """Run one child; its JSON answer, or ``None`` (the reason is printed)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child-mode", mode, "--module", module,
           "--workload", workload, "--contender", contender, "--seconds", str(args.seconds),
           "--rounds", str(args.rounds), "--backends", *args.backends]
    env = {**os.environ, "PYTHONPATH": ROOT, **_thread_env(args), **(env_extra or {})}
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"    {workload} / {contender or 'interleaved'}: {mode} timed out")
        return None
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        why = (res.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"    {workload} / {contender or 'interleaved'}: {mode} failed ({why})")
        return None
    return json.loads(lines[-1])


def _load() -> str:
    """The machine's 1-minute load average (how busy other jobs kept it)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:  # pragma: no cover - not on every platform
        return "?"


def _thread_env(args) -> dict:
    """Environment of every child: thread counts (``--threads``) and the clock."""
    env = {"PORTANET_BENCH_CLOCK": args.clock}
    if args.threads:
        n = str(args.threads)
        env.update(PORTANET_BENCH_THREADS=n, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n,
                   MKL_NUM_THREADS=n, NUMBA_NUM_THREADS=n)
    return env


def measure(work: str, module: str, contenders: list[str], args) -> dict:
    """Separate-process times (per round), interleaved times and peak memory of one workload."""
    out = {c: {"rounds": []} for c in contenders}
    for r in range(args.rounds):
        for c in (contenders if r % 2 == 0 else contenders[::-1]):
            res = spawn("time", module, work, c, args)
            if res is not None:
                out[c]["rounds"].append(res["median"])
    if not args.no_interleaved:
        res = spawn("interleaved", module, work, "", args) or {}
        for c, t in res.items():
            if c in out:
                out[c]["interleaved"] = t
    if not args.no_memory:
        for c in contenders:
            res = spawn("memory", module, work, c, args, {"MALLOC_MMAP_THRESHOLD_": "65536"})
            if res is not None:
                out[c].update(res)
    for c in contenders:
        rounds = out[c]["rounds"]
        if rounds:
            out[c]["separate"] = min(rounds)
            out[c]["noise"] = max(rounds) / min(rounds)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", nargs="*", help="only these (default: every one found)")
    ap.add_argument("--backends", nargs="*", help="portanet backends (default: all available)")
    ap.add_argument("--rounds", type=int, default=3, help="separate-process rounds")
    ap.add_argument("--seconds", type=float, default=1.0, help="timed seconds per measurement")
    ap.add_argument("--quick", action="store_true", help="one round of 0.3 s: a smoke run")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads of every library (default: NumPy's BLAS its own, PyTorch 2)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="cpu: process CPU time, robust to other jobs; implies --threads 1")
    ap.add_argument("--timeout", type=float, default=600, help="seconds allowed per child")
    ap.add_argument("--no-interleaved", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    ap.add_argument("--json", help="also write the raw results to this file")
    ap.add_argument("--from-json", help="do not measure: report the results saved by --json")
    ap.add_argument("--note", help="a sentence for the RESULTS.md section (e.g. how loaded "
                                   "the machine was)")
    ap.add_argument("--child-mode", choices=["time", "memory", "interleaved"], help=argparse.SUPPRESS)
    ap.add_argument("--module", help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--contender", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_mode:
        return child(args)
    if args.quick:
        args.rounds, args.seconds = 1, 0.3
    if args.clock == "cpu":
        args.threads = 1
    if not args.backends:
        import portanet as pn
        args.backends = pn.available_backends()
    import report
    print(report.header(args))
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        results, meta = saved["results"], saved["meta"]
        args.rounds, args.seconds = meta["rounds"], meta["seconds"]
        args.clock, args.threads = meta.get("clock", "wall"), meta.get("threads", 0)
    else:
        meta = {"rounds": args.rounds, "seconds": args.seconds, "backends": args.backends,
                "clock": args.clock, "threads": args.threads or "default",
                "command": "python benchmarks/run_all.py " + " ".join(sys.argv[1:]),
                "load": _load(),
                "date": time.strftime("%Y-%m-%d %H:%M"), "machine": report.machine(),
                "versions": report.versions()}
        found = discover(args.backends)
        works = [w for w in found if not args.workloads or w in args.workloads]
        results, t0 = {}, time.time()
        for work in works:
            module, makers = found[work]
            print(f"  {work} ({module}.py): {', '.join(makers)}")
            results[work] = measure(work, module, list(makers), args)
        print(f"measured in {time.time() - t0:.0f} s\n")
        meta["load"] += f" at the start, {_load()} at the end"
    print(report.text_table(results))
    print(report.targets(results))
    if args.note:
        meta["note"] = args.note
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1)
    if not args.no_write:
        report.write_results(results, meta, os.path.join(HERE, "RESULTS.md"))
        png = report.plot(results, os.path.join(HERE, "results.png"))
        print(f"wrote benchmarks/RESULTS.md{' and ' + png if png else ''}")


if __name__ == "__main__":
    main()
