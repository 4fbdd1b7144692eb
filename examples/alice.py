"""The worked example of the source material: a 2-2-1 sigmoid network that guesses gender.

Victor Zhou's "Machine Learning for Beginners: An Introduction to Neural Networks"
(victorzhou.com) trains, from scratch in NumPy, a network with two inputs, a hidden
layer of two sigmoid neurons and one sigmoid output neuron.  Each person is given by
their weight minus 135 lb and their height minus 66 in; the target is 1 for female:

    Alice   (-2, -1) -> 1        Bob   (25, 6) -> 0
    Charlie (17,  4) -> 0        Diana (-15, -6) -> 1

Training is per-sample SGD (one update per person, in this order) with learning rate
0.1 for 1000 epochs on the mean squared error.  Here the network is the same model
written with portanet, so the backprop is the library's, and it runs unchanged on any
backend.  The loss over the four people is printed every 100 epochs, then the network
predicts two new people: Emily (-7, -3), who should come out near 1, and Frank
(20, 2), near 0.

    python examples/alice.py [--backend numpy] [--seed 0] [--epochs 1000] [--lr 0.1]
    PORTANET_BACKEND=torch python examples/alice.py

The same seed prints the same losses on every backend (to float32 rounding):
``pn.manual_seed`` draws the initial weights from a counter-based stream that gives
the same numbers everywhere.
"""
from __future__ import annotations

import argparse
import os

import portanet as pn

# (name, weight - 135 lb, height - 66 in, 1 if female)
PEOPLE = [("Alice", -2.0, -1.0, 1.0), ("Bob", 25.0, 6.0, 0.0),
          ("Charlie", 17.0, 4.0, 0.0), ("Diana", -15.0, -6.0, 1.0)]
NEW_PEOPLE = [("Emily", -7.0, -3.0), ("Frank", 20.0, 2.0)]


def make_model() -> pn.nn.Module:
    """Two inputs, two hidden sigmoid neurons, one sigmoid output (PyTorch's init)."""
    nn = pn.nn
    return nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def train(seed: int = 0, epochs: int = 1000, lr: float = 0.1, every: int = 100,
          verbose: bool = False):
    """Train on the four people with per-sample SGD on the current backend.

    Args:
        seed: passed to ``pn.manual_seed`` before the weights are drawn.
        epochs: passes over the four people.
        lr: SGD learning rate.
        every: record (and with ``verbose`` print) the loss after every this many epochs.
        verbose: print ``Epoch N loss: L`` lines.

    Returns:
        ``(losses, model)``: the mean MSE over the four people after epochs
        ``every, 2 every, ...`` as Python floats, and the trained model.

    Example:
        >>> losses, model = train(seed=0)
        >>> losses[-1] < losses[0]
        True
    """
    pn.manual_seed(seed)
    model = make_model()
    opt = pn.optim.SGD(model.parameters(), lr=lr)
    mse = pn.nn.functional.mse_loss
    samples = [(pn.tensor([w, h]), pn.tensor([y])) for _, w, h, y in PEOPLE]
    X_all = pn.tensor([[w, h] for _, w, h, _ in PEOPLE])
    y_all = pn.tensor([[y] for *_, y in PEOPLE])
    losses = []
    for epoch in range(1, epochs + 1):
        for x, y in samples:  # one update per person, in order, as in the source
            opt.zero_grad()
            mse(model(x), y).backward()
            opt.step()
        if epoch % every == 0:
            with pn.no_grad():
                loss = mse(model(X_all), y_all).item()
            losses.append(loss)
            if verbose:
                print(f"Epoch {epoch} loss: {loss:.4f}")
    return losses, model


def predict(model: pn.nn.Module, weight: float, height: float) -> float:
    """The network's output (probability of female) for one person."""
    with pn.no_grad():
        return model(pn.tensor([float(weight), float(height)])).item()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Train the 2-2-1 network of the worked example.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"),
                    help="array library to run on (default: $PORTANET_BACKEND or numpy)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args(argv)
    pn.set_backend(args.backend)
    print(f"backend {pn.get_backend().name}, seed {args.seed}")
    _, model = train(args.seed, args.epochs, args.lr, verbose=True)
    for name, w, h in NEW_PEOPLE:
        print(f"{name}: {predict(model, w, h):.3f}")


if __name__ == "__main__":
    main()
