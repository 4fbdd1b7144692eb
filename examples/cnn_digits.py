"""A small CNN on scikit-learn's bundled 8x8 handwritten digits (no download).

conv(1->16, 3x3) - ReLU - maxpool 2 - conv(16->32, 3x3) - BatchNorm - ReLU - maxpool 2 -
dropout - linear(32*2*2 -> 10), trained with SGD + momentum.  Writes a loss/accuracy
plot and a safetensors checkpoint into ``--out``.  The same script runs on every
backend:

    python examples/cnn_digits.py                      # NumPy
    PORTANET_BACKEND=torch python examples/cnn_digits.py
    python examples/cnn_digits.py --backend array_api_strict --epochs 5
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import numpy as np

import portanet as pn
import portanet.nn.functional as F


def build_model() -> pn.nn.Module:
    nn = pn.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),        # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 2 * 2, 10))


def load_data(seed: int):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # (1797, 1, 8, 8) in [0, 1]
    x = (x - x.mean()) / x.std()
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = len(y) // 5
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def evaluate(model, x, y, batch=512):
    model.eval()
    correct, loss = 0, 0.0
    with pn.no_grad():
        for i in range(0, len(y), batch):
            logits = model(pn.tensor(x[i:i + batch]))
            yb = pn.tensor(y[i:i + batch])
            loss += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += int((pn.to_numpy(logits).argmax(1) == y[i:i + batch]).sum())
    model.train()
    return loss / len(y), correct / len(y)


def plot(history, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ep = np.arange(1, len(history["train_loss"]) + 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot(ep, history["train_loss"], label="train")
    a1.plot(ep, history["test_loss"], label="test")
    a1.set_xlabel("epoch"), a1.set_ylabel("cross-entropy"), a1.legend()
    a2.plot(ep, history["test_acc"], color="C2")
    a2.set_xlabel("epoch"), a2.set_ylabel("test accuracy")
    fig.suptitle(f"CNN on 8x8 digits ({pn.get_backend().name})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description="Train a small CNN on the bundled 8x8 digits.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs")
    args = ap.parse_args(argv)

    pn.set_backend(args.backend)
    pn.manual_seed(args.seed)
    xtr, ytr, xte, yte = load_data(args.seed)
    model = build_model()
    opt = pn.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"backend {pn.get_backend().name}: {len(ytr)} train / {len(yte)} test digits, "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    t0 = time.perf_counter()
    nb = (len(ytr) + args.batch_size - 1) // args.batch_size
    for epoch in range(1, args.epochs + 1):
        perm = pn.random.permutation(len(ytr))  # same shuffle on every backend
        total = 0.0
        for b in range(nb):
            idx = perm[b * args.batch_size:(b + 1) * args.batch_size]
            opt.zero_grad()
            loss = F.cross_entropy(model(pn.tensor(xtr[idx])), pn.tensor(ytr[idx]))
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            if sys.stdout.isatty():
                done = (b + 1) * 30 // nb
                print(f"\repoch {epoch:2d} [{'#' * done}{'.' * (30 - done)}] loss {loss.item():.3f}",
                      end="", flush=True)
        test_loss, test_acc = evaluate(model, xte, yte)
        history["train_loss"].append(total / len(ytr))
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"\repoch {epoch:2d}  train loss {total / len(ytr):.4f}  test loss {test_loss:.4f}  "
              f"test acc {test_acc:.4f}  ({time.perf_counter() - t0:.1f}s)")

    plot(history, out / "cnn_digits.png")
    pn.save(model.state_dict(), out / "cnn_digits.safetensors")
    print(f"final test accuracy {history['test_acc'][-1]:.4f}; wrote {out / 'cnn_digits.png'} "
          f"and {out / 'cnn_digits.safetensors'}")
    return history["test_acc"][-1]


if __name__ == "__main__":
    main()
