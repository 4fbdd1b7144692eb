"""One training step of a small CNN: portanet vs PyTorch CPU vs hand-written NumPy.

Workload (issue 4): batch 64 of 1x28x28, conv 1->8 and 8->16 (3x3, padding 1), 2x2
max-pool after each, ReLU, linear 16*7*7 -> 10, cross-entropy, SGD with momentum.
Contenders: portanet on each backend asked for (on NumPy also with every fast path off,
``portanet/numpy generic``), PyTorch CPU (2 threads), and hand-written NumPy (im2col by
sliding windows, strided-slice pooling, manual backward).  Prints median milliseconds
per step (interleaved in one process) and ratios; never fails.  ``run_all.py`` also
times each contender in its own process.

    python benchmarks/bench_cnn.py [--repeat 40] [--backends numpy torch]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

BATCH = 64


def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, BATCH)


def portanet_step(backend: str, generic: bool = False):
    """portanet's step; ``generic=True`` runs it with every fast path off."""
    import contextlib

    import portanet as pn
    from portanet.backend import fast
    F = pn.nn.functional
    with pn.use_backend(backend):
        pn.manual_seed(0)
        model = pn.nn.Sequential(
            pn.nn.Conv2d(1, 8, 3, padding=1), pn.nn.ReLU(), pn.nn.MaxPool2d(2),
            pn.nn.Conv2d(8, 16, 3, padding=1), pn.nn.ReLU(), pn.nn.MaxPool2d(2),
            pn.nn.Flatten(), pn.nn.Linear(16 * 7 * 7, 10))
        opt = pn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xn, yn = data()
        x, y = pn.tensor(xn), pn.tensor(yn)
    mode = fast.disabled if generic else contextlib.nullcontext

    def step():
        with mode():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return loss
    return step


def torch_step():
    torch = try_import_torch(2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xn, yn = data()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def numpy_step():
    """Hand-written NumPy: sliding-window im2col, strided-slice pooling, manual backward."""
    from numpy.lib.stride_tricks import sliding_window_view as swv
    rng = np.random.default_rng(0)
    w1 = rng.uniform(-1 / 3, 1 / 3, (8, 1, 3, 3)).astype(np.float32)
    b1 = np.zeros(8, np.float32)
    w2 = rng.uniform(-1 / 8.5, 1 / 8.5, (16, 8, 3, 3)).astype(np.float32)
    b2 = np.zeros(16, np.float32)
    w3 = rng.uniform(-0.036, 0.036, (10, 784)).astype(np.float32)
    b3 = np.zeros(10, np.float32)
    params = [w1, b1, w2, b2, w3, b3]
    bufs = [np.zeros_like(p) for p in params]
    xn, yn = data()

    def conv(x, w, b):
        n, c, h, wd = x.shape
        xp_ = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = swv(xp_, (3, 3), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3).reshape(c * 9, -1)
        y = (w.reshape(w.shape[0], -1) @ cols + b[:, None]).reshape(w.shape[0], n, h, wd)
        return y.transpose(1, 0, 2, 3), cols

    def conv_back(g, cols, w, xshape):
        n, c, h, wd = xshape
        gm = g.transpose(1, 0, 2, 3).reshape(w.shape[0], -1)
        gw = (gm @ cols.T).reshape(w.shape)
        gcols = (w.reshape(w.shape[0], -1).T @ gm).reshape(c, 3, 3, n, h, wd)
        gx = np.zeros((c, n, h + 2, wd + 2), np.float32)
        for i in range(3):
            for j in range(3):
                gx[:, :, i:i + h, j:j + wd] += gcols[:, i, j]
        return gx[:, :, 1:-1, 1:-1].transpose(1, 0, 2, 3), gw, gm.sum(1)

    offsets = [(i, j) for i in range(2) for j in range(2)]

    def pool(x):
        y = x[:, :, ::2, ::2]
        for i, j in offsets[1:]:
            y = np.maximum(y, x[:, :, i::2, j::2])
        return y, x

    def pool_back(g, x):
        y, _ = pool(x)
        out = np.empty_like(x)
        for i, j in offsets:  # ties share the gradient here (PyTorch gives it to the first)
            out[:, :, i::2, j::2] = g * (x[:, :, i::2, j::2] == y)
        return out

    def step():
        h1, c1 = conv(xn, w1, b1)
        r1 = np.maximum(h1, 0)
        p1, m1 = pool(r1)
        h2, c2 = conv(p1, w2, b2)
        r2 = np.maximum(h2, 0)
        p2, m2 = pool(r2)
        f = p2.reshape(BATCH, -1)
        z = f @ w3.T + b3
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        pr = e / e.sum(1, keepdims=True)
        gz = pr
        gz[np.arange(BATCH), yn] -= 1
        gz /= BATCH
        gw3, gb3 = gz.T @ f, gz.sum(0)
        gf = (gz @ w3).reshape(p2.shape)
        g2 = pool_back(gf, m2) * (h2 > 0)
        gp1, gw2, gb2 = conv_back(g2, c2, w2, p1.shape)
        g1 = pool_back(gp1, m1) * (h1 > 0)
        _, gw1, gb1 = conv_back(g1, c1, w1, xn.shape)
        for p, g, buf in zip(params, [gw1, gb1, gw2, gb2, gw3, gb3], bufs):
            buf *= 0.9
            buf += g
            p -= 0.01 * buf
    return step


def workloads(backends=("numpy",)) -> dict:
    """``{workload: {contender: factory}}`` for ``run_all.py`` (factories build a step)."""
    out = {f"portanet/{b}": (lambda b=b: portanet_step(b)) for b in backends}
    if "numpy" in backends:
        out["portanet/numpy generic"] = lambda: portanet_step("numpy", generic=True)
    out["pytorch-cpu"] = torch_step
    out["hand-numpy"] = numpy_step
    return {"cnn": out}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--backends", nargs="*", default=["numpy"], help="portanet backends to time")
    args = ap.parse_args(argv)
    print(machine())
    steps = {}
    for name, make in workloads(args.backends)["cnn"].items():
        try:
            steps[name] = make()
            steps[name]()
        except Exception as e:  # a benchmark never fails: report and go on
            steps.pop(name, None)
            print(f"{name}: skipped ({type(e).__name__}: {e})")
    times = interleaved(steps, args.repeat, rounds=4, warmup=3, reduce=min)
    print_table(times, baseline="pytorch-cpu" if "pytorch-cpu" in times else None, unit="ms",
                title=f"CNN training step, batch {BATCH} of 1x28x28, interleaved "
                      f"(min over 4 rounds of the median)")


if __name__ == "__main__":
    main()
