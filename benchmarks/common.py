"""Timing helpers shared by the benchmarks: median of many repeats after a warm-up.

The machines these run on are often shared, so single timings are noisy.  Every
benchmark measures all contenders in the same process and reports ratios to one of
them; ``interleaved`` alternates the contenders in rounds so that a burst of load
from elsewhere hits all of them alike.

Example:
    >>> from common import interleaved, print_table
    >>> us = interleaved({"a": step_a, "b": step_b}, repeat=2000)
    >>> print_table(us, baseline="b", unit="us")
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from typing import Callable

__all__ = ["median_time", "interleaved", "print_table", "machine", "try_import_torch"]


def median_time(step: Callable[[], object], repeat: int, warmup: int = 20,
                number: int = 1) -> float:
    """Median seconds of one ``step()`` over ``repeat`` samples of ``number`` calls each."""
    for _ in range(warmup):
        step()
    times = []
    clock = time.perf_counter
    gc_was = gc.isenabled()
    gc.disable()  # a collection landing in one sample would only add noise
    try:
        for _ in range(repeat):
            t = clock()
            for _ in range(number):
                step()
            times.append((clock() - t) / number)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times)


def interleaved(steps: dict[str, Callable[[], object]], repeat: int, rounds: int = 5,
                warmup: int = 20, number: int = 1) -> dict[str, float]:
    """Median seconds per step for each named contender, measured in alternating rounds.

    Each round times every contender for ``repeat // rounds`` samples; the result is
    the median over the per-round medians, which tolerates a round disturbed by load.
    """
    per = max(1, repeat // rounds)
    samples: dict[str, list[float]] = {k: [] for k in steps}
    for r in range(rounds):
        for name, step in steps.items():
            samples[name].append(median_time(step, per, warmup if r == 0 else 2, number))
    return {k: statistics.median(v) for k, v in samples.items()}


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
    import numpy as np
    parts = [cpu, f"{os.cpu_count()} cores", f"Python {platform.python_version()}",
             f"NumPy {np.__version__}"]
    torch = try_import_torch()
    if torch is not None:
        parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    return ", ".join(parts)


def try_import_torch(threads: int = 2):
    """``torch`` with ``threads`` intra-op threads, or ``None`` when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch
