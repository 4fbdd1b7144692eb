"""``python -m portanet doctor``: is this machine's setup right?  Answered in seconds.

Prints portanet's and Python's versions, each known backend with its library version
and device (or why it is not usable), then trains the same seeded small MLP for a few
steps of SGD with momentum on every usable backend and compares the losses, gradients,
parameters and optimizer state with the NumPy run (:func:`portanet.testing.compare_backends`).
Each backend gets ``OK`` or ``MISMATCH`` with the largest loss difference; the exit status
is 1 when any backend mismatches or fails, else 0.

Example:
    $ python -m portanet doctor
    $ python -m portanet doctor --backends numpy,cupy --dtype float64
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import portanet as pn
from .backend import KNOWN_BACKENDS, BackendError, library_version, reference_backend
from .testing.parity import compare_backends

__all__ = ["main", "describe_backends"]


def describe_backends(names=KNOWN_BACKENDS) -> list[tuple[str, str, str, bool]]:
    """``(name, version, device or why unusable, usable)`` for each backend."""
    rows = []
    for name in names:
        version = library_version(name)
        try:
            with pn.use_backend(name) as bk:
                rows.append((name, version, bk.describe_device(), True))
        except (BackendError, ImportError) as e:
            rows.append((name, version, f"unavailable: {e}", False))
    return rows


def _build_mlp():
    """8-16-3 MLP, tanh, cross-entropy, SGD with momentum and weight decay on 32 points."""
    model = pn.nn.Sequential(pn.nn.Linear(8, 16), pn.nn.Tanh(), pn.nn.Linear(16, 3))
    opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = pn.randn(32, 8)
    y = pn.randint(0, 3, (32,))

    def step():
        opt.zero_grad()
        loss = pn.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, opt, step


def run_doctor(backends=None, steps: int = 10, dtype: str = "float32", out=None,
               build=_build_mlp) -> int:
    """Print the report to ``out`` (default stdout); return the exit status (0 = all OK)."""
    out = out or sys.stdout

    def say(line=""):
        print(line, file=out, flush=True)

    say(f"portanet {pn.__version__}  Python {platform.python_version()}  ({platform.platform()})")
    say("backends:")
    rows = describe_backends(KNOWN_BACKENDS if backends is None else backends)
    for name, version, device, usable in rows:
        say(f"  {name:<17} {version:<14} {'device ' + device if usable else device}")
    usable = [r[0] for r in rows if r[3]]
    reference = reference_backend()
    if reference not in usable:
        say(f"MISMATCH: the {reference} reference backend is not usable")
        return 1
    say(f"training check: MLP 8-16-3, {steps} steps of SGD, {dtype}, seed 0; compared with {reference}")
    t0 = time.perf_counter()
    report = compare_backends(build, steps=steps, backends=usable, dtype=dtype, reference=reference)
    ref = report.results[reference]
    failed = 0
    for r in report.results.values():
        if r.name == reference:
            say(f"  {r.name:<17} reference  loss {ref.outputs[0]:.6f} -> {ref.outputs[-1]:.6f}"
                f"  ({r.seconds * 1e3:.0f} ms)")
            continue
        if r.error is not None:
            failed += 1
            say(f"  {r.name:<17} MISMATCH   raised {type(r.error).__name__}: {r.error}")
        elif r.divergence is not None:
            failed += 1
            say(f"  {r.name:<17} MISMATCH   max |loss diff| {r.max_output_diff:.2e}; {r.divergence}")
        else:
            say(f"  {r.name:<17} OK         max |loss diff| {r.max_output_diff:.2e}, "
                f"max |diff| overall {r.max_diff:.2e}  ({r.seconds * 1e3:.0f} ms)")
    say(f"{'all backends agree' if not failed else f'{failed} backend(s) MISMATCH'} "
        f"({time.perf_counter() - t0:.1f} s)")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portanet doctor",
                                     description="List the backends and check that they train alike.")
    parser.add_argument("--backends", default=None,
                        help="comma-separated backends (default: all known; unusable ones are listed)")
    parser.add_argument("--steps", type=int, default=10, help="training steps (default 10)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args(argv)
    names = None if args.backends is None else [n.strip() for n in args.backends.split(",") if n.strip()]
    return run_doctor(names, steps=args.steps, dtype=args.dtype)
