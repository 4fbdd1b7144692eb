"""The worked Alice example (examples/alice.py) learns, and prints the same on every backend."""
import importlib.util
import itertools
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import portanet as pn

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "alice.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("portanet_example_alice", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


alice = _load_example()


@pytest.fixture(scope="module")
def numpy_losses():
    """The reference run: the numpy backend's losses for seed 0."""
    with pn.use_backend("numpy"):
        losses, _ = alice.train(seed=0)
    return losses


@pytest.mark.heavy(reason="a 10-epoch training run; runs equal across backends: "
                          "test_equivalence_run.py")
def test_learns_and_matches_numpy(backend, numpy_losses):
    losses, model = alice.train(seed=0)
    assert len(losses) == 10 and all(math.isfinite(v) for v in losses)
    # learning: the loss falls epoch after epoch, to a small value
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[-1] < 0.005
    assert alice.predict(model, -7, -3) > 0.9   # Emily
    assert alice.predict(model, 20, 2) < 0.1    # Frank
    # the printed losses agree with the numpy backend's to float32 rounding
    np.testing.assert_allclose(losses, numpy_losses, rtol=1e-5, atol=0)
    assert [f"{v:.4f}" for v in losses] == [f"{v:.4f}" for v in numpy_losses]


def test_loss_of_first_epochs_matches_hand_numpy(backend):
    """The library's training equals the source's hand-written backprop, step by step."""
    pn.manual_seed(3)
    model = alice.make_model()
    w1, b1, w2, b2 = (pn.to_numpy(p.data).astype(np.float64) for p in model.parameters())
    losses, _ = alice.train(seed=3, epochs=20, every=10)
    mse = []
    for epoch in range(1, 21):
        for _, wt, ht, y in alice.PEOPLE:
            x = np.array([wt, ht])
            h = 1 / (1 + np.exp(-(w1 @ x + b1)))
            o = 1 / (1 + np.exp(-(w2 @ h + b2)))
            d_o = 2 * (o - y) * o * (1 - o)
            d_h = (w2.T @ d_o) * h * (1 - h)
            w2, b2 = w2 - 0.1 * np.outer(d_o, h), b2 - 0.1 * d_o
            w1, b1 = w1 - 0.1 * np.outer(d_h, x), b1 - 0.1 * d_h
        if epoch % 10 == 0:
            X = np.array([[p[1], p[2]] for p in alice.PEOPLE])
            Y = np.array([p[3] for p in alice.PEOPLE])
            H = 1 / (1 + np.exp(-(X @ w1.T + b1)))
            O = 1 / (1 + np.exp(-(H @ w2.T + b2)))[:, 0]
            mse.append(float(np.mean((O - Y) ** 2)))
    np.testing.assert_allclose(losses, mse, rtol=1e-4)


def test_script_prints_losses_and_predictions():
    out = subprocess.run([sys.executable, str(EXAMPLE), "--backend", "numpy", "--epochs", "200"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == "backend numpy, seed 0"
    assert [ln.split(" loss:")[0] for ln in lines[1:3]] == ["Epoch 100", "Epoch 200"]
    assert lines[3].startswith("Emily: ") and lines[4].startswith("Frank: ")
    with pn.use_backend("numpy"):
        losses, _ = alice.train(seed=0, epochs=200)
    assert lines[1:3] == [f"Epoch {100 * (i + 1)} loss: {v:.4f}" for i, v in enumerate(losses)]
