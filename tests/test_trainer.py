"""pn.train.Trainer: fit is a thin wrapper over it; the two seams inside train_step
(on_after_backward, on_before_optimizer_step) run in order, see the gradients, and let
clipping, gradient exchange and NaN guards plug in without editing the loop."""
import math

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.data import DataLoader, TensorDataset, datasets

DATA = datasets.moons(n=80, noise=0.2, seed=1)      # 64 train / 16 test


def _setup(lr=0.1):
    pn.manual_seed(0)
    model = pn.nn.Sequential(pn.nn.Linear(2, 8), pn.nn.Tanh(), pn.nn.Linear(8, 2))
    opt = pn.optim.SGD(model.parameters(), lr=lr, momentum=0.5)
    loader = DataLoader(TensorDataset(DATA.x_train, DATA.y_train), batch_size=16, shuffle=True)
    return model, opt, loader


def _weights(model):
    return [pn.to_numpy(p).copy() for p in model.parameters()]


class Recorder(pn.train.Callback):
    def __init__(self, tag, log):
        self.tag, self.log = tag, log

    def on_after_backward(self, trainer, loss):
        grads = [p.grad for p in trainer.model.parameters()]
        assert all(g is not None for g in grads) and loss.shape == ()
        self.log.append(f"after_backward {self.tag}")

    def on_before_optimizer_step(self, trainer, optimizer):
        assert optimizer is trainer.optimizer
        self.log.append(f"before_step {self.tag}")

    def on_batch_end(self, trainer, batch, logs):
        self.log.append(f"batch_end {self.tag}")


def test_seams_run_in_order_inside_every_step(backend):
    model, opt, loader = _setup()
    log = []
    seen = {}

    def snapshot(trainer, optimizer):           # the step has not run yet
        seen.setdefault("before", _weights(trainer.model))

    pn.train.fit(model, F.cross_entropy, opt, loader, 1, progress=False,
                 callbacks=[Recorder("A", log), Recorder("B", log),
                            pn.train.LambdaCallback(on_before_optimizer_step=snapshot)])
    step = ["after_backward A", "after_backward B", "before_step A", "before_step B",
            "batch_end A", "batch_end B"]
    assert log == step * len(loader)
    first = _setup()[0]
    for a, b in zip(seen["before"], _weights(first)):
        np.testing.assert_array_equal(a, b)


def _hand_loop(model, opt, loader, epochs, before_step):
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            before_step(model)
            opt.step()


def test_gradient_clipping_as_a_callback_equals_the_hand_written_loop(backend):
    class Clip(pn.train.Callback):
        def on_before_optimizer_step(self, trainer, optimizer):
            pn.nn.utils.clip_grad_norm_(trainer.model.parameters(), max_norm=0.05)

    model, opt, loader = _setup(lr=0.5)
    pn.train.fit(model, F.cross_entropy, opt, loader, 2, metrics=(), callbacks=[Clip()], progress=False)
    ref, ref_opt, ref_loader = _setup(lr=0.5)
    _hand_loop(ref, ref_opt, ref_loader, 2,
               lambda m: pn.nn.utils.clip_grad_norm_(m.parameters(), max_norm=0.05))
    for a, b in zip(_weights(model), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    unclipped = _setup(lr=0.5)[0]
    _hand_loop(unclipped, *_setup(lr=0.5)[1:], 2, lambda m: None)
    assert not np.allclose(_weights(model)[0], _weights(unclipped)[0])


def test_a_gradient_exchange_and_a_nan_guard_plug_in_without_editing_the_loop(backend):
    class Halve(pn.train.Callback):             # stands in for averaging over two replicas
        def on_after_backward(self, trainer, loss):
            for p in trainer.model.parameters():
                p.grad.array = p.grad.array * 0.5

    class ZeroNonFinite(pn.train.Callback):     # device-side: no value is read back
        def on_before_optimizer_step(self, trainer, optimizer):
            for p in trainer.model.parameters():
                xp = p.grad._bk.xp
                p.grad.array = xp.where(xp.isfinite(p.grad.array), p.grad.array,
                                        xp.zeros_like(p.grad.array))

    model, opt, loader = _setup(lr=0.2)
    pn.train.fit(model, F.cross_entropy, opt, loader, 1, callbacks=[Halve()], progress=False)
    ref, ref_opt, ref_loader = _setup(lr=0.1)    # halved gradients == halved rate for SGD
    _hand_loop(ref, ref_opt, ref_loader, 1, lambda m: None)
    for a, b in zip(_weights(model), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    def nan_loss(out, target):
        return F.cross_entropy(out, target) * float("nan")

    model, opt, loader = _setup()
    before = _weights(model)
    # the guard handles the NaN itself: TerminateOnNaN (on by default) would stop the run
    h = pn.train.fit(model, nan_loss, opt, loader, 1, callbacks=[ZeroNonFinite()], progress=False,
                     terminate_on_nan=False)
    assert math.isnan(h["loss"][0])
    for a, b in zip(_weights(model), before):   # every gradient was NaN: zeroed, weights kept
        np.testing.assert_array_equal(a, b)


def test_trainer_directly_and_a_custom_train_step():
    model, opt, loader = _setup()
    h_fit = pn.train.fit(model, F.cross_entropy, opt, loader, 2, progress=False)
    model2, opt2, loader2 = _setup()
    trainer = pn.train.Trainer(model2, F.cross_entropy, opt2, loader2, epochs=2)
    assert trainer.rank == 0 and trainer.world_size == 1 and trainer.is_global_zero
    h_trainer = trainer.fit()
    assert h_trainer.history == h_fit.history and h_trainer.epoch == [1, 2]

    class Counting(pn.train.Trainer):
        steps = 0

        def train_step(self, batch):
            Counting.steps += 1
            return super().train_step(batch)

    model3, opt3, loader3 = _setup()
    Counting(model3, F.cross_entropy, opt3, loader3, epochs=1, metrics=("accuracy", "acc")).fit()
    assert Counting.steps == len(loader3)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        pn.train.Trainer(model3, F.cross_entropy, opt3, loader3, metrics=("f1",))


def test_callbacks_without_the_new_hooks_still_work():
    class Old:                                  # duck-typed, written before the seams existed
        def on_train_begin(self, trainer): pass
        def on_epoch_begin(self, trainer, epoch): pass
        def on_batch_end(self, trainer, batch, logs): pass
        def on_epoch_end(self, trainer, epoch, logs): self.last = epoch
        def on_train_end(self, trainer): pass

    old = Old()
    model, opt, loader = _setup()
    pn.train.fit(model, F.cross_entropy, opt, loader, 2, callbacks=[old], progress=False)
    assert old.last == 2
