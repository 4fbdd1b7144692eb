"""Budgets: a training step reads nothing back from the device (DESIGN.md, issue 12).

Each case is one whole step (zero_grad, forward, loss, backward, clip_grad_norm_,
optimizer step, scheduler step) counted by ``pn.testing.count_host_syncs`` on every
backend where reads can be counted (torch, array_api_strict and its ``device1``; the
``host_syncs`` fixture skips NumPy, whose reads are free and uncountable).  Value checks
are deferred inside the count as on a GPU; the test then reads the loss once (a natural
sync) to prove the deferred checks pass and the step computed something finite.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import portanet as pn

F = pn.nn.functional
nn = pn.nn


class _Seq(nn.Module):
    """Embedding -> recurrent layer -> Linear on the last step."""

    def __init__(self, cell: str):
        super().__init__()
        self.emb = nn.Embedding(11, 6)
        self.rnn = getattr(nn, cell)(6, 8, num_layers=2)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.head(out[-1])


class _Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 8)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens):
        h = self.emb(tokens)
        a, _ = self.attn(h, h, h)
        return self.head(pn.mean(a, axis=1))


class _Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 8)
        self.enc = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, tokens):
        return self.head(pn.mean(self.enc(self.emb(tokens)), axis=1))


def _model(kind: str):
    """(model, x as host data, y as host data) for a layer kind."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 4)
    if kind == "mlp":
        return (nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3)),
                rng.standard_normal((4, 5)).astype(np.float32), y)
    if kind in ("conv", "conv-bn-dropout"):
        extra = kind != "conv"
        mods = [nn.Conv2d(1, 2, 3, padding=1)] + ([nn.BatchNorm2d(2)] if extra else [])
        mods += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()] + ([nn.Dropout(0.25)] if extra else [])
        mods += [nn.Linear(2 * 3 * 3, 3)]
        return nn.Sequential(*mods), rng.standard_normal((4, 1, 6, 6)).astype(np.float32), y
    if kind == "bn1d-layernorm":
        return (nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.GELU(), nn.LayerNorm(7),
                              nn.Linear(7, 3)), rng.standard_normal((4, 5)).astype(np.float32), y)
    tokens = rng.integers(0, 11, (5, 4))
    if kind in ("RNN", "LSTM", "GRU"):
        return _Seq(kind), tokens, y
    if kind == "attention":
        return _Attn(), tokens.T.copy(), y
    if kind == "transformer":
        return _Encoder(), tokens.T.copy(), y
    raise ValueError(kind)


OPTIMIZERS = {
    "SGD": dict(lr=0.01), "SGD-nesterov": dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "Adagrad": dict(lr=0.01), "Adadelta": dict(), "RMSprop": dict(lr=0.001, momentum=0.9, centered=True),
    "Adam": dict(lr=0.001), "Adam-amsgrad": dict(lr=0.001, amsgrad=True), "AdamW": dict(lr=0.001),
    "Adamax": dict(lr=0.002), "NAdam": dict(lr=0.002), "RAdam": dict(lr=0.001),
}
SCHEDULERS = {
    "StepLR": dict(step_size=1), "MultiStepLR": dict(milestones=[1, 2]), "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=10), "LinearLR": dict(), "OneCycleLR": dict(max_lr=0.01, total_steps=10),
}


def _step_fn(kind="mlp", opt_name="Adam", sched=None):
    model, x, y = _model(kind)
    model.train()
    xd, yd = pn.tensor(x), pn.tensor(y)
    params = list(model.parameters())
    opt = getattr(pn.optim, opt_name.split("-")[0])(params, **OPTIMIZERS[opt_name])
    scheduler = getattr(pn.optim.lr_scheduler, sched)(opt, **SCHEDULERS[sched]) if sched else None

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xd), yd)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        return loss
    return step


def _assert_step_reads_nothing(host_syncs, step, label):
    step()                     # lazy state (optimizer moments, scheduler) made outside the count
    with host_syncs() as syncs:
        loss = step()
        loss2 = step()
    syncs.assert_at_most(0, f"two training steps ({label})")
    assert math.isfinite(loss.item()) and math.isfinite(loss2.item())


@pytest.mark.parametrize("kind", ["mlp", "conv", "conv-bn-dropout", "bn1d-layernorm", "RNN",
                                  "LSTM", "GRU", "attention", "transformer"])
def test_layer_step_reads_nothing(host_syncs, kind):
    _assert_step_reads_nothing(host_syncs, _step_fn(kind, "Adam"), f"{kind}, Adam, clip_grad_norm_")


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_optimizer_step_reads_nothing(host_syncs, opt_name):
    _assert_step_reads_nothing(host_syncs, _step_fn("mlp", opt_name), f"mlp, {opt_name}")


@pytest.mark.parametrize("sched", sorted(SCHEDULERS))
def test_scheduler_step_reads_nothing(host_syncs, sched):
    _assert_step_reads_nothing(host_syncs, _step_fn("mlp", "SGD", sched), f"mlp, SGD, {sched}")


def test_reduce_lr_on_plateau_reads_its_metric(host_syncs):
    """The one scheduler that must read: it compares a metric on the host (as PyTorch's)."""
    model = nn.Linear(2, 1)
    opt = pn.optim.SGD(model.parameters(), lr=0.1)
    sched = pn.optim.lr_scheduler.ReduceLROnPlateau(opt)
    loss = F.mse_loss(model(pn.ones((3, 2))), pn.zeros((3, 1)))
    with host_syncs() as syncs:
        sched.step(loss)
    assert syncs.count == 1, syncs.summary()
