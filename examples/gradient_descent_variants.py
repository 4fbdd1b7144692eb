"""Batch, stochastic and mini-batch gradient descent on the same problem, side by side.

Linear regression (512 points, 4 features, noisy targets, MSE) trained from the same
zero start for the same number of epochs with plain ``pn.optim.SGD``:

* batch GD: the gradient of the whole data set, one update per epoch;
* stochastic GD: one example per update, many noisy updates per epoch;
* mini-batch GD: 32 examples per update, the usual compromise.

Each panel shows the loss of every update's batch (faint) and the loss on the whole
data set after each epoch (bold).  Saves ``<out>/gradient_descent_variants.png``.

    python examples/gradient_descent_variants.py [--backend numpy] [--epochs 15] [--out runs/]
"""
from __future__ import annotations

import argparse
import os
import pathlib
import time

import numpy as np

import portanet as pn

# (title, batch size or None for all, learning rate)
VARIANTS = [("batch GD (batch = all)", None, 0.1),
            ("stochastic GD (batch = 1)", 1, 0.01),
            ("mini-batch GD (batch = 32)", 32, 0.05)]


def data(n: int = 512, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    w = np.array([[2.0], [-3.0], [0.5], [1.0]], dtype=np.float32)
    y = X @ w + 1.5 + rng.normal(0, 0.5, (n, 1)).astype(np.float32)
    return X, y


def run(batch_size, lr, X, y, epochs):
    """Train; return (epoch position of each update, its batch loss, full loss per epoch)."""
    n = len(X)
    bs = n if batch_size is None else batch_size
    model = pn.nn.Linear(4, 1)
    pn.nn.init.zeros_(model.weight)
    pn.nn.init.zeros_(model.bias)
    opt = pn.optim.SGD(model.parameters(), lr=lr)
    Xa, ya = pn.tensor(X), pn.tensor(y)

    def full_loss():
        with pn.no_grad():
            return pn.nn.functional.mse_loss(model(Xa), ya).item()

    where, batch_losses, epoch_losses = [], [], [full_loss()]
    for epoch in range(epochs):
        order = pn.random.permutation(n)  # host-side shuffle, the same on every backend
        for k in range(0, n, bs):
            idx = order[k:k + bs]
            xb, yb = pn.tensor(X[idx]), pn.tensor(y[idx])
            opt.zero_grad()
            loss = pn.nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            where.append(epoch + (k + len(idx)) / n)
            batch_losses.append(loss.item())
        epoch_losses.append(full_loss())
    return where, batch_losses, epoch_losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--out", default="runs/")
    args = ap.parse_args()
    pn.set_backend(args.backend)
    pn.manual_seed(0)
    X, y = data()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    print(f"{'variant':28s} {'updates':>8s} {'final loss':>10s} {'seconds':>8s}")
    for ax, (title, bs, lr) in zip(axes, VARIANTS):
        t0 = time.perf_counter()
        where, batch_losses, epoch_losses = run(bs, lr, X, y, args.epochs)
        secs = time.perf_counter() - t0
        print(f"{title:28s} {len(where):8d} {epoch_losses[-1]:10.4f} {secs:8.2f}")
        ax.plot(where, batch_losses, lw=0.6, alpha=0.4, label="batch loss per update")
        ax.plot(range(args.epochs + 1), epoch_losses, "o-", lw=2, ms=3, label="full-data loss")
        ax.set(title=f"{title}, lr={lr}", xlabel="epoch", yscale="log")
    axes[0].set_ylabel("MSE")
    axes[0].set_ylim(1e-2, None)  # single-example losses dip far lower; keep the trend readable
    axes[0].legend()
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "gradient_descent_variants.png", dpi=110)
    print(f"saved {out / 'gradient_descent_variants.png'}")


if __name__ == "__main__":
    main()
