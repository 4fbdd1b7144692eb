"""Train the same seeded model with every optimizer on the same data; plot the loss curves.

The data are two interleaving half-moons (400 points, generated with NumPy), the model a
2-32-32-2 tanh network with the same seeded start for every optimizer, trained full-batch
on cross-entropy.  Saves ``<out>/compare_optimizers.png`` and prints the final losses.

    python examples/compare_optimizers.py [--backend numpy] [--steps 300] [--out runs/]

The backend comes from ``--backend``, else ``PORTANET_BACKEND``, else NumPy.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import time

import numpy as np

import portanet as pn

# (label, class, arguments): each with a learning rate that suits this small problem
OPTIMIZERS = [
    ("SGD", "SGD", dict(lr=0.5)),
    ("SGD momentum", "SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD Nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adagrad", "Adagrad", dict(lr=0.1)),
    ("Adadelta", "Adadelta", dict(lr=1.0)),
    ("RMSprop", "RMSprop", dict(lr=0.01)),
    ("Adam", "Adam", dict(lr=0.01)),
    ("AMSGrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", "AdamW", dict(lr=0.01)),
    ("Adamax", "Adamax", dict(lr=0.02)),
    ("NAdam", "NAdam", dict(lr=0.01)),
    ("RAdam", "RAdam", dict(lr=0.01)),
]


def moons(n: int = 400, noise: float = 0.15, seed: int = 0):
    """Two interleaving half circles, labels 0 and 1 (as sklearn's make_moons)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    y = rng.integers(0, 2, n)
    x = np.where(y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    return (x + rng.normal(0, noise, x.shape)).astype(np.float32), y.astype(np.int64)


def make_model():
    pn.manual_seed(0)  # the same start for every optimizer
    return pn.nn.Sequential(pn.nn.Linear(2, 32), pn.nn.Tanh(), pn.nn.Linear(32, 32), pn.nn.Tanh(),
                            pn.nn.Linear(32, 2))


def train(cls: str, kwargs: dict, X, y, steps: int) -> list[float]:
    model = make_model()
    opt = getattr(pn.optim, cls)(model.parameters(), **kwargs)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = pn.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--out", default="runs/")
    args = ap.parse_args()
    pn.set_backend(args.backend)
    Xh, yh = moons()
    X, y = pn.tensor(Xh), pn.tensor(yh)

    curves, t0 = {}, time.perf_counter()
    for label, cls, kwargs in OPTIMIZERS:
        curves[label] = train(cls, kwargs, X, y, args.steps)
    elapsed = time.perf_counter() - t0

    print(f"{args.steps} full-batch steps on two moons ({len(yh)} points), backend {args.backend}")
    print(f"{'optimizer':14s} {'final loss':>10s} {'best loss':>10s}")
    for label, c in sorted(curves.items(), key=lambda kv: kv[1][-1]):
        print(f"{label:14s} {c[-1]:10.4f} {min(c):10.4f}")
    print(f"({elapsed:.1f} s for all)")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = plt.get_cmap("tab20").colors  # 12 curves: more colors than the default cycle
    for i, (label, c) in enumerate(curves.items()):
        ax.plot(c, label=label, lw=1.2, color=colors[i], ls="--" if label.startswith("SGD") else "-")
    ax.set(xlabel="step", ylabel="cross-entropy loss", yscale="log",
           title=f"Same model, same data, every optimizer ({args.backend})")
    ax.legend(ncol=2, fontsize=8)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out / "compare_optimizers.png", dpi=120)
    print(f"saved {out / 'compare_optimizers.png'}")


if __name__ == "__main__":
    main()
