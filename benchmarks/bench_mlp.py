"""One training step of ReLU MLPs with softmax cross-entropy on a batch of 128 (float32).

Networks: 784-256-10 and 784-512-256-10 (MNIST-sized).  A step is forward,
cross-entropy on class indices, backward and an update: plain SGD (lr 0.01) or Adam
(lr 1e-3, ``--optimizer adam``).  Contenders, measured in the same run and interleaved:

* portanet on NumPy (``--backends`` adds others, e.g. ``torch array_api_strict``);
* PyTorch eager on CPU with ``torch.optim`` (2 threads), and with ``Adam(fused=True)``;
* the same step hand-written in NumPy (forward, manual backprop, in-place update).

Here the arrays are big enough for the matmuls to dominate: the numbers show how much
the tape costs on top of the arithmetic.  Prints median milliseconds and ratios to
hand-written NumPy.  Never fails: a missing library is skipped.  ``run_all.py`` times
the 784-512-256-10 network with Adam (workload ``mlp``).

    python benchmarks/bench_mlp.py [--repeat 200] [--backends numpy torch] [--optimizer adam]
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

BATCH, LR, ADAM_LR = 128, 0.01, 1e-3
NETS = [(784, 256, 10), (784, 512, 256, 10)]


def make_data(sizes, seed: int = 0):
    """Input batch, integer labels and weights in PyTorch's layout [(W (out, in), b), ...]."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], BATCH)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return x, y, layers


def _sequential(nn, sizes):
    mods = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        mods.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def portanet_step(sizes, backend: str, optimizer: str = "sgd"):
    import portanet as pn
    x, y, layers = make_data(sizes)
    with pn.use_backend(backend):
        model = _sequential(pn.nn, sizes)
        params = list(model.parameters())
        for i, (w, b) in enumerate(layers):
            params[2 * i].array = pn.tensor(w).array
            params[2 * i + 1].array = pn.tensor(b).array
        opt = (pn.optim.SGD(params, lr=LR) if optimizer == "sgd"
               else pn.optim.Adam(params, lr=ADAM_LR))
        xt, yt = pn.tensor(x), pn.tensor(y)
    ce = pn.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
    step.weights = lambda: [pn.to_numpy(p.data) for p in params]
    return step


def torch_step(sizes, torch=None, optimizer: str = "sgd", fused: bool | None = None):
    torch = torch or try_import_torch(2)
    x, y, layers = make_data(sizes)
    model = _sequential(torch.nn, sizes)
    params = list(model.parameters())
    with torch.no_grad():
        for i, (w, b) in enumerate(layers):
            params[2 * i].copy_(torch.from_numpy(w))
            params[2 * i + 1].copy_(torch.from_numpy(b))
    opt = (torch.optim.SGD(params, lr=LR) if optimizer == "sgd"
           else torch.optim.Adam(params, lr=ADAM_LR, fused=fused))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ce = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
    return step


def numpy_step(sizes, optimizer: str = "sgd"):
    x, y, layers = make_data(sizes)
    n = len(y)
    rows = np.arange(n)
    lr = np.float32(LR)
    update = _sgd_update if optimizer == "sgd" else _adam_update()

    def step():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(layers):
            h = h @ w.T + b
            if i < len(layers) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)           # stable softmax
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p
        g[rows, y] -= 1
        g /= n                                         # d(mean CE)/d(logits)
        for i in range(len(layers) - 1, -1, -1):
            w, b = layers[i]
            a = acts[i]
            gw = g.T @ a
            gb = g.sum(axis=0)
            if i:
                g = (g @ w) * (a > 0)
            update(w, gw, b, gb, lr)
    step.weights = lambda: [a for wb in layers for a in wb]
    return step


def _sgd_update(w, gw, b, gb, lr):
    w -= lr * gw
    b -= lr * gb


def _adam_update():
    """Adam as NumPy calls with ``out=`` buffers (lr 1e-3, betas (0.9, 0.999), eps 1e-8)."""
    state, count = {}, {}

    def one(p, g):
        m, v, t = state.setdefault(id(p), (np.zeros_like(p), np.zeros_like(p), np.empty_like(p)))
        k = count[id(p)] = count.get(id(p), 0) + 1
        m *= 0.9
        np.multiply(g, 0.1, out=t)
        m += t
        v *= 0.999
        np.multiply(g, g, out=t)
        t *= 0.001
        v += t
        np.sqrt(v, out=t)
        t /= (1 - 0.999 ** k) ** 0.5
        t += 1e-8
        np.divide(m, t, out=t)
        t *= ADAM_LR / (1 - 0.9 ** k)
        p -= t

    def update(w, gw, b, gb, lr):
        one(w, gw)
        one(b, gb)
    return update


def workloads(backends=("numpy",)) -> dict:
    """``{workload: {contender: factory}}`` for ``run_all.py``: 784-512-256-10 with Adam."""
    sizes = NETS[1]
    out = {f"portanet/{b}": (lambda b=b: portanet_step(sizes, b, "adam")) for b in backends}
    out["pytorch-cpu"] = lambda: torch_step(sizes, optimizer="adam")
    out["pytorch-cpu fused"] = lambda: torch_step(sizes, optimizer="adam", fused=True)
    out["hand-numpy"] = lambda: numpy_step(sizes, "adam")
    return {"mlp": out}


def check_same_update(sizes, optimizer: str = "sgd") -> str:
    """One step from the same weights gives the same weights as hand NumPy (sanity)."""
    ours, ref = portanet_step(sizes, "numpy", optimizer), numpy_step(sizes, optimizer)
    ours()
    ref()
    err = max(float(np.max(np.abs(a - b))) for a, b in zip(ours.weights(), ref.weights()))
    return f"max |portanet - hand NumPy| after one step: {err:.1e}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200, help="timed steps per contender")
    ap.add_argument("--backends", nargs="*", default=["numpy"], help="portanet backends")
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    args = ap.parse_args(argv)
    torch = try_import_torch(2)
    print(machine())
    for sizes in NETS:
        label = "-".join(map(str, sizes))
        print()
        print(check_same_update(sizes, args.optimizer))
        steps = {}
        for name in args.backends:
            try:
                step = portanet_step(sizes, name, args.optimizer)
                step()
                steps[f"portanet/{name}"] = step
            except Exception as e:  # a benchmark never fails: report and go on
                print(f"skipping portanet/{name}: {type(e).__name__}: {e}")
        if torch is not None:
            steps["torch eager"] = torch_step(sizes, torch, args.optimizer)
        steps["hand NumPy"] = numpy_step(sizes, args.optimizer)
        times = interleaved(steps, args.repeat, warmup=5)
        print_table(times, baseline="hand NumPy", unit="ms",
                    title=f"MLP {label}, batch {BATCH}, cross-entropy, one {args.optimizer} step "
                          f"(median of {args.repeat})")
        if torch is not None:
            for k in steps:
                if k.startswith("portanet/"):
                    print(f"  {k} / torch = {times[k] / times['torch eager']:.2f}")


if __name__ == "__main__":
    main()
