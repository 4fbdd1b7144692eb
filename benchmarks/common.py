"""Timing and memory helpers shared by the benchmarks.

The machines these run on are often shared, so single timings are noisy.  Two ways to
compare contenders, both used by ``run_all.py``:

* ``interleaved``: all contenders in one process, alternating in rounds, so a burst of
  load from elsewhere hits all of them alike (but their thread pools compete);
* ``time_step`` in a fresh process per contender (``run_all.py`` alternates them).

``peak_memory`` measures what one step allocates beyond what was live before it.

Example:
    >>> from common import interleaved, print_table
    >>> s = interleaved({"a": step_a, "b": step_b}, repeat=2000)
    >>> print_table(s, baseline="b", unit="us")
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from typing import Callable

__all__ = ["clock", "median_time", "time_step", "interleaved", "print_table", "peak_memory", "machine",
           "versions", "try_import_torch"]


def clock() -> Callable[[], float]:
    """The benchmark clock: wall time, or this process's CPU time when the environment
    says ``PORTANET_BENCH_CLOCK=cpu`` (``run_all.py --clock cpu``).  CPU time is hardly
    moved by other jobs on a shared machine, but it adds up every thread of the process
    (spinning ones too), so it is only a fair measure of single-threaded runs."""
    return time.process_time if os.environ.get("PORTANET_BENCH_CLOCK") == "cpu" else time.perf_counter


def median_time(step: Callable[[], object], repeat: int, warmup: int = 20,
                number: int = 1) -> float:
    """Median seconds of one ``step()`` over ``repeat`` samples of ``number`` calls each."""
    return statistics.median(_samples(step, repeat, warmup, number))


def _samples(step, repeat, warmup, number=1) -> list[float]:
    for _ in range(warmup):
        step()
    times = []
    clock_ = clock()
    gc_was = gc.isenabled()
    gc.disable()  # a collection landing in one sample would only add noise
    try:
        for _ in range(repeat):
            t = clock_()
            for _ in range(number):
                step()
            times.append((clock_() - t) / number)
    finally:
        if gc_was:
            gc.enable()
    return times


def time_step(step: Callable[[], object], seconds: float = 1.0, min_repeat: int = 5,
              warmup_seconds: float = 0.2) -> list[float]:
    """Seconds of each of about ``seconds`` worth of steps, after ``warmup_seconds`` of them.

    The number of samples adapts to the step's length, so one call suits a 30 us step
    and a 30 ms one alike.
    """
    now = clock()
    t0, n = now(), 0
    while n < 2 or now() - t0 < warmup_seconds:
        step()
        n += 1
    per = (now() - t0) / n
    return _samples(step, max(min_repeat, int(seconds / per)), 0)


def interleaved(steps: dict[str, Callable[[], object]], repeat: int, rounds: int = 5,
                warmup: int = 20, number: int = 1, reduce: Callable = statistics.median
                ) -> dict[str, float]:
    """Seconds per step for each named contender, measured in alternating rounds.

    Each round times every contender for ``repeat // rounds`` samples and keeps their
    median; ``reduce`` (median by default, ``min`` for the least-disturbed round)
    combines the rounds.
    """
    per = max(1, repeat // rounds)
    samples: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(rounds):
        for name, step in steps.items():
            samples[name].append(median_time(step, per, warmup if r == 0 else 2, number))
    return {k: reduce(v) for k, v in samples.items()}


def print_table(times: dict[str, float], baseline: str | None = None, unit: str = "us",
                title: str = "") -> None:
    """Print ``name  time  ratio`` rows; ratio is time / the baseline's time."""
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    if title:
        print(title)
    base = times.get(baseline) if baseline else None
    width = max(len(k) for k in times) if times else 10
    head = f"  {'contender':<{width}}  {unit:>10}"
    print(head + (f"  {'/ ' + baseline:>16}" if base else ""))
    for name, t in times.items():
        v = t * scale
        row = f"  {name:<{width}}  {v:>10.3f}" if v < 10 else f"  {name:<{width}}  {v:>10.1f}"
        if base:
            row += f"  {t / base:>16.2f}"
        print(row)


def _vm(field: str) -> int:
    """A ``/proc/self/status`` size in bytes (0 where there is none)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def peak_memory(make: Callable[[], Callable[[], object]], warmup: int = 2) -> dict:
    """Peak bytes of a training step: the model, its data, optimizer state, gradients and
    every temporary, measured two ways around one ``step()`` of a model built by ``make``.

    A first model is built and dropped, so that libraries are imported and allocators warm;
    the baseline is taken then, before the measured model is built.

    ``rss``: the resident-set high-water mark during the step (Linux; reset through
    ``/proc/self/clear_refs``) above the baseline.  It sees every library's allocations
    alike, but only when freed memory goes back to the system: run it in a process
    started with ``MALLOC_MMAP_THRESHOLD_=65536`` (glibc then maps every block over
    64 KiB on its own and unmaps it when freed), which ``run_all.py`` does.
    ``tracemalloc``: the peak of Python's allocation tracer over the step above the
    baseline, which sees NumPy's arrays (NumPy reports to it) but not PyTorch's: for a
    PyTorch contender it counts Python objects only.
    """
    import tracemalloc
    step = make()
    step()
    del step
    gc.collect()
    base_rss = _vm("VmRSS")
    tracemalloc.start()
    try:
        base_traced = tracemalloc.get_traced_memory()[0]
        step = make()
        for _ in range(warmup):
            step()
        gc.collect()
        tracemalloc.reset_peak()
        rss = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            step()
            rss = max(0, _vm("VmHWM") - base_rss) if base_rss else None
        except OSError:
            step()
        traced = tracemalloc.get_traced_memory()[1] - base_traced
    finally:
        tracemalloc.stop()
    return {"rss": rss, "tracemalloc": traced}


def machine() -> str:
    """One line naming the CPU, core count, Python and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    v = versions()
    parts = [cpu, f"{os.cpu_count()} cores", f"{platform.system()}", f"Python {v.pop('Python')}"]
    parts += [f"{k} {val}" for k, val in v.items()]
    return ", ".join(parts)


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries the benchmarks compare (those installed)."""
    import importlib.metadata as md
    out = {"Python": platform.python_version()}
    for name, dist in [("NumPy", "numpy"), ("torch", "torch"), ("numba", "numba"),
                       ("array-api-strict", "array-api-strict")]:
        try:
            out[name] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return out


def try_import_torch(threads: int = 2):
    """``torch`` with ``threads`` intra-op threads (``PORTANET_BENCH_THREADS`` overrides,
    as ``run_all.py --threads`` sets it), or ``None`` when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("PORTANET_BENCH_THREADS", threads)))
    return torch
