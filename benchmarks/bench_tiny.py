"""Framework overhead: one training step of the 2-2-1 sigmoid network on one sample.

A step is forward, MSE loss, backward and an SGD update (lr 0.1) -- the loop body of
``examples/alice.py``.  The arrays hold 9 numbers, so the time is almost all Python
and library overhead.  Contenders, measured in the same run and interleaved:

* portanet on each available backend (``pn.available_backends()``);
* PyTorch eager on CPU with ``torch.optim.SGD`` (2 threads);
* the same step hand-written in NumPy (forward, manual backprop, in-place update):
  the floor for anything built on NumPy.

Prints the median microseconds per step and ratios to PyTorch.  The target is
portanet/numpy at 0.5x PyTorch or better.  Never fails: a missing library is skipped.

    python benchmarks/bench_tiny.py [--repeat 3000] [--backends numpy torch] [--profile]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

X = [-2.0, -1.0]  # Alice, from the worked example
Y = [1.0]
LR = 0.1


def init_weights(seed: int = 0):
    """Float32 weights in PyTorch's layout: (W1 (2,2), b1 (2,), W2 (1,2), b2 (1,))."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.7, 0.7, s).astype(np.float32) for s in [(2, 2), (2,), (1, 2), (1,)]]


def portanet_step(backend: str):
    import portanet as pn
    nn = pn.nn
    with pn.use_backend(backend):
        model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
        for p, w in zip(model.parameters(), init_weights()):
            p.array = pn.tensor(w).array
        opt = pn.optim.SGD(model.parameters(), lr=LR)
        x, y = pn.tensor(X), pn.tensor(Y)
    mse = nn.functional.mse_loss

    def step():
        opt.zero_grad()
        loss = mse(model(x), y)
        loss.backward()
        opt.step()
    return step


def torch_step(torch=None):
    torch = torch or try_import_torch(2)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        for p, w in zip(model.parameters(), init_weights()):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = torch.tensor(X), torch.tensor(Y)
    mse = nn.functional.mse_loss

    def step():
        opt.zero_grad()
        loss = mse(model(x), y)
        loss.backward()
        opt.step()
    return step


def numpy_step():
    w1, b1, w2, b2 = init_weights()
    x, y = np.array(X, np.float32), np.array(Y, np.float32)
    lr = np.float32(LR)

    def step():
        h = 1 / (1 + np.exp(-(w1 @ x + b1)))
        o = 1 / (1 + np.exp(-(w2 @ h + b2)))
        d_o = 2 * (o - y) * o * (1 - o)          # dL/d(pre-activation of the output)
        d_h = (w2.T @ d_o) * h * (1 - h)
        np.subtract(w2, lr * np.outer(d_o, h), out=w2)
        np.subtract(b2, lr * d_o, out=b2)
        np.subtract(w1, lr * np.outer(d_h, x), out=w1)
        np.subtract(b1, lr * d_h, out=b1)
    return step


def workloads(backends=("numpy",)) -> dict:
    """``{workload: {contender: factory}}`` for ``run_all.py``."""
    out = {f"portanet/{b}": (lambda b=b: portanet_step(b)) for b in backends}
    out["pytorch-cpu"] = torch_step
    out["hand-numpy"] = numpy_step
    return {"tiny": out}


def check_same_update(torch) -> str:
    """One step from the same weights must give the same weights everywhere (sanity)."""
    import portanet as pn
    nn = pn.nn
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    for p, w in zip(model.parameters(), init_weights()):
        p.array = pn.tensor(w).array
    opt = pn.optim.SGD(model.parameters(), lr=LR)
    opt.zero_grad()
    nn.functional.mse_loss(model(pn.tensor(X)), pn.tensor(Y)).backward()
    opt.step()
    ours = [pn.to_numpy(p.data) for p in model.parameters()]
    ref = init_weights()
    w1, b1, w2, b2 = ref
    x = np.array(X, np.float32)
    h = 1 / (1 + np.exp(-(w1 @ x + b1)))
    o = 1 / (1 + np.exp(-(w2 @ h + b2)))
    d_o = 2 * (o - Y) * o * (1 - o)
    d_h = (w2.T @ d_o) * h * (1 - h)
    want = [w1 - LR * np.outer(d_h, x), b1 - LR * d_h, w2 - LR * np.outer(d_o, h), b2 - LR * d_o]
    err = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, want))
    return f"max |portanet - hand NumPy| after one step: {err:.1e}"


def profile(repeat: int) -> None:
    """Print the 30 functions with the most own time over ``repeat`` portanet/numpy steps."""
    import cProfile
    import pstats
    step = portanet_step("numpy")
    prof = cProfile.Profile()
    prof.runcall(lambda: [step() for _ in range(repeat)])
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3000, help="timed steps per contender")
    ap.add_argument("--backends", nargs="*", default=None,
                    help="portanet backends (default: all available)")
    ap.add_argument("--profile", action="store_true",
                    help="instead of timing, profile portanet/numpy's step with cProfile")
    args = ap.parse_args(argv)
    if args.profile:
        profile(args.repeat)
        return
    torch = try_import_torch(2)
    import portanet as pn
    print(machine())
    steps = {}
    for name in args.backends or pn.available_backends():
        try:
            step = portanet_step(name)
            step()
            steps[f"portanet/{name}"] = step
        except Exception as e:  # a benchmark never fails: report and go on
            print(f"skipping portanet/{name}: {type(e).__name__}: {e}")
    if torch is not None:
        steps["torch eager"] = torch_step(torch)
    else:
        print("torch not installed: no PyTorch column")
    steps["hand NumPy"] = numpy_step()
    print(check_same_update(torch))
    times = interleaved(steps, args.repeat)
    base = "torch eager" if torch is not None else "hand NumPy"
    print_table(times, baseline=base, unit="us",
                title=f"2-2-1 sigmoid net, one SGD step on one sample (median of {args.repeat})")
    if "portanet/numpy" in times and torch is not None:
        r = times["portanet/numpy"] / times["torch eager"]
        print(f"portanet/numpy / torch = {r:.2f} (target <= 0.50: {'met' if r <= 0.5 else 'not met'})")
        print(f"portanet/numpy / hand NumPy = {times['portanet/numpy'] / times['hand NumPy']:.1f}")


if __name__ == "__main__":
    main()
