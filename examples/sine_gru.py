"""Forecast a noisy sine wave with a GRU, and plot the forecast against the truth.

Windows of 50 noisy samples predict the next value (GRU(1, 32) -> Linear(32, 1) on the
last step, MSE, Adam).  The trained model then forecasts 150 steps past the training
data by feeding its own predictions back in (carrying the GRU state), and the plot of
forecast vs truth is written to ``--out``.  Runs on every backend:

    python examples/sine_gru.py                        # NumPy, writes runs/sine_gru.png
    python examples/sine_gru.py --backend torch --epochs 5
"""
from __future__ import annotations

import argparse
import os
import pathlib

import numpy as np

import portanet as pn
import portanet.nn.functional as F

DT = 0.1      # time step of the series
WINDOW = 50   # inputs per training example (most of one period, 63 steps)


def series(n: int, seed: int, noise: float = 0.1):
    t = np.arange(n) * DT
    clean = np.sin(t)
    return t, clean, clean + noise * np.random.default_rng(seed).standard_normal(n)


class Forecaster(pn.nn.Module):
    def __init__(self, hidden: int = 32):
        super().__init__()
        self.gru = pn.nn.GRU(1, hidden, batch_first=True)
        self.head = pn.nn.Linear(hidden, 1)

    def forward(self, x, h=None):
        out, h = self.gru(x, h)
        return self.head(out[:, -1]), h


def forecast(model, history: np.ndarray, steps: int) -> np.ndarray:
    """Feed ``history``, then ``steps`` times feed the prediction back in."""
    model.eval()
    preds = []
    with pn.no_grad():
        y, h = model(pn.tensor(history[None, :, None].astype(np.float32)))
        for _ in range(steps):
            v = float(pn.to_numpy(y)[0, 0])
            preds.append(v)
            y, h = model(pn.tensor(np.array([[[v]]], dtype=np.float32)), h)
    model.train()
    return np.array(preds)


def plot(t, truth, noisy, t_fc, fc, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(t, noisy, ".", ms=2, color="0.6", label="noisy training data")
    ax.plot(t_fc, truth, color="C0", label="truth")
    ax.plot(t_fc, fc, "--", color="C3", label="GRU forecast")
    ax.axvline(t_fc[0], color="k", lw=0.5)
    ax.set_xlabel("t")
    ax.legend(loc="lower left")
    ax.set_title(f"GRU forecast of a noisy sine ({pn.get_backend().name})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description="Forecast a noisy sine wave with a GRU.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--horizon", type=int, default=150)
    ap.add_argument("--n-train", type=int, default=600, help="length of the training series")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs")
    args = ap.parse_args(argv)

    pn.set_backend(args.backend)
    pn.manual_seed(args.seed)
    n_train = args.n_train
    t_all, clean_all, noisy_all = series(n_train + args.horizon, args.seed)
    noisy = noisy_all[:n_train]
    idx = np.arange(n_train - WINDOW)
    X = np.stack([noisy[i:i + WINDOW] for i in idx])[:, :, None].astype(np.float32)
    Y = noisy[idx + WINDOW][:, None].astype(np.float32)
    model = Forecaster()
    opt = pn.optim.Adam(model.parameters(), lr=args.lr)
    print(f"backend {pn.get_backend().name}: {len(X)} windows of {WINDOW} steps")
    for epoch in range(1, args.epochs + 1):
        perm = pn.random.permutation(len(X))
        total = 0.0
        for i in range(0, len(X), args.batch_size):
            b = perm[i:i + args.batch_size]
            opt.zero_grad()
            loss = F.mse_loss(model(pn.tensor(X[b]))[0], pn.tensor(Y[b]))
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        if epoch % 5 == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}  train MSE {total / len(X):.4f} (noise variance 0.0100)")
    fc = forecast(model, noisy[-WINDOW:], args.horizon)
    truth = clean_all[n_train:]
    mse = float(np.mean((fc - truth) ** 2))
    base = float(np.mean(truth ** 2))
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(t_all[:n_train], truth, noisy, t_all[n_train:], fc, out / "sine_gru.png")
    print(f"forecast of {args.horizon} steps: MSE {mse:.4f} vs truth (predicting 0: {base:.4f}); "
          f"wrote {out / 'sine_gru.png'}")
    return mse


if __name__ == "__main__":
    main()
