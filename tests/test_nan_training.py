"""NaN-safe training: TerminateOnNaN (on by default in fit) stops at the first read that
shows a non-finite loss, naming the epoch and step, adds no host read per step, and no
checkpoint ("last", "best", the resume point) is ever replaced by non-finite weights;
one-shot iterators and empty epochs are refused instead of training on nothing."""
import math
import os
import warnings

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
import portanet.train.terminate as terminate
import portanet.train.trainer as trainer_mod
from portanet.data import DataLoader, TensorDataset
from portanet.train import NonFiniteError

X = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
Y = (np.arange(32) % 2).astype(np.int64)


def _setup():
    pn.manual_seed(0)
    model = pn.nn.Sequential(pn.nn.Linear(3, 6), pn.nn.Tanh(), pn.nn.Linear(6, 2))
    opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(TensorDataset(pn.tensor(X), pn.tensor(Y)), batch_size=8)   # 4 steps
    return model, opt, loader


def _bad_at(call, poison=float("nan")):
    """cross_entropy, times ``poison`` at the ``call``-th call (1-based): epoch 2 step 3 is call 7."""
    n = [0]

    def loss(out, target):
        n[0] += 1
        value = F.cross_entropy(out, target)
        return value * poison if n[0] == call else value
    return loss


def _weights(model):
    return [pn.to_numpy(p).copy() for p in model.parameters()]


def test_a_nan_loss_stops_fit_naming_epoch_and_step_and_keeps_the_checkpoints(backend, tmp_path):
    model, opt, loader = _setup()
    last, best = tmp_path / "last.safetensors", tmp_path / "best.safetensors"
    stop = pn.train.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    cbs = [stop, pn.train.ModelCheckpoint(str(last)),
           pn.train.ModelCheckpoint(str(best), monitor="loss", save_best_only=True, save_weights_only=True)]
    files = {}

    def after_epoch_1(trainer, epoch, logs):
        if epoch == 1:
            files.update({p: p.read_bytes() for p in (last, best)})
            files["weights"] = _weights(trainer.model)
    snap = pn.train.LambdaCallback(on_epoch_end=after_epoch_1)
    snap._order = 200                                # after the checkpoints wrote
    cbs.append(snap)
    with pytest.raises(NonFiniteError) as e:
        pn.train.fit(model, _bad_at(7), opt, loader, 5, callbacks=cbs, progress=False)
    msg = str(e.value)
    assert msg.startswith("TerminateOnNaN: the training loss became nan at epoch 2, step 3 of 4; "
                          "training stopped.")
    assert "terminate_on_nan=False" in msg and "clip_grad_norm_" in msg
    assert (e.value.epoch, e.value.step) == (2, 3) and e.value.history.epoch == [1]
    assert last.read_bytes() == files[last] and best.read_bytes() == files[best]   # epoch 1's, untouched
    assert pn.load_checkpoint(last)["epoch"] == 1
    # on_train_end ran: EarlyStopping put epoch 1's (finite) weights back
    for a, b in zip(_weights(model), files["weights"]):
        np.testing.assert_array_equal(a, b)


def test_an_infinite_loss_with_finite_weights_also_stops_at_the_next_read(backend):
    model, opt, loader = _setup()
    inf = pn.tensor(float("inf"))

    def loss(out, target):       # a constant inf: the gradient, and so the weights, stay finite
        loss.n += 1
        value = F.cross_entropy(out, target)
        return value + inf if loss.n == 2 else value
    loss.n = 0
    with pytest.raises(NonFiniteError, match=r"the training loss became inf at epoch 1, step 2 of 4;"):
        pn.train.fit(model, loss, opt, loader, 3, progress=False)
    assert all(np.isfinite(w).all() for w in _weights(model))


def test_no_value_is_read_per_step_only_at_the_reads_fit_makes(backend, monkeypatch):
    reads, logs_seen = [], []
    real = terminate.to_numpy
    monkeypatch.setattr(terminate, "to_numpy", lambda x: reads.append(1) or real(x))
    model, opt, loader = _setup()
    spy = pn.train.LambdaCallback(on_log=lambda t, epoch, steps, logs: logs_seen.append((epoch, steps)))
    pn.train.fit(model, F.cross_entropy, opt, loader, 3, callbacks=[spy], progress=False)
    assert reads == [] and logs_seen == [(1, 4), (2, 4), (3, 4)]   # one read per epoch end, by fit
    model, opt, loader = _setup()
    with pytest.raises(NonFiniteError):
        pn.train.fit(model, _bad_at(3), opt, loader, 3, progress=False)
    assert len(reads) == 1                           # the failing read: the kept losses, once


def test_the_step_is_found_across_chunks_and_reads(backend, monkeypatch):
    """Losses are stacked every 256 steps and dropped at each finite read: the step
    named is still the epoch's, after both."""
    monkeypatch.setattr(terminate.TerminateOnNaN, "_CHUNK", 4)
    x = np.random.default_rng(2).standard_normal((90, 3)).astype(np.float32)
    loader = DataLoader(TensorDataset(pn.tensor(x), pn.tensor(np.arange(90) % 2)), batch_size=3)
    model, opt, _ = _setup()
    with pytest.raises(NonFiniteError, match=r"became nan at epoch 2, step 23 of 30;") as e:
        pn.train.fit(model, _bad_at(53), opt, loader, 3, progress=False)
    assert e.value.step == 23
    # now with a read (a report: bar refresh, on_log) at every step
    monkeypatch.setattr(trainer_mod, "_bar_enabled", lambda progress: True)
    model, opt, _ = _setup()
    with pytest.raises(NonFiniteError, match=r"became nan at epoch 2, step 23 of 23 so far;"):
        pn.train.fit(model, _bad_at(53), opt, loader, 3, progress=True, log_every=1)


def test_a_progress_bar_refresh_is_a_read_too(backend, monkeypatch, capsys):
    monkeypatch.setattr(trainer_mod, "_bar_enabled", lambda progress: True)
    model, opt, loader = _setup()
    with pytest.raises(NonFiniteError, match=r"became nan at epoch 1, step 2 of 2 so far;"):
        pn.train.fit(model, _bad_at(2), opt, loader, 3, progress=True, log_every=2)


def test_opting_out_trains_on_and_checkpoints_still_refuse_nan_weights(backend, tmp_path):
    model, opt, loader = _setup()
    last = tmp_path / "last.safetensors"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = pn.train.fit(model, _bad_at(7), opt, loader, 3, progress=False, terminate_on_nan=False,
                         callbacks=[pn.train.ModelCheckpoint(str(last))])
    assert h.epoch == [1, 2, 3] and math.isfinite(h["loss"][0]) and math.isnan(h["loss"][1])
    skipped = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(skipped) == 2 and skipped[0].startswith("ModelCheckpoint: epoch 2 was not saved: "
                                                       "pn.save_checkpoint: refusing to write")
    state = pn.load_checkpoint(last)
    assert state["epoch"] == 1 and all(np.isfinite(v).all() for v in state["model"].values())
    trainer = pn.train.Trainer(model, F.cross_entropy, opt, loader, terminate_on_nan=False)
    with pytest.raises(NonFiniteError, match="hold NaN or infinity"):
        trainer.save_checkpoint(last)
    assert pn.load_checkpoint(last)["epoch"] == 1 and os.listdir(tmp_path) == ["last.safetensors"]


def test_a_one_shot_iterator_is_refused_for_more_than_one_epoch(backend):
    model, opt, _ = _setup()
    batches = [(pn.tensor(X[i:i + 8]), pn.tensor(Y[i:i + 8])) for i in range(0, 32, 8)]
    with pytest.raises(TypeError, match=r"fit: the training data is a one-shot iterator \(generator\): "
                                        r"it would be used up by the first epoch and the other 2 would "
                                        r"train on nothing"):
        pn.train.fit(model, F.cross_entropy, opt, (b for b in batches), 3, progress=False)
    h = pn.train.fit(model, F.cross_entropy, opt, (b for b in batches), 1, progress=False)
    assert h.epoch == [1]

    class Replays:                                   # re-iterable: a fresh generator per epoch
        def __iter__(self):
            return (b for b in batches)
    assert pn.train.fit(model, F.cross_entropy, opt, Replays(), 3, progress=False).epoch == [1, 2, 3]


def test_an_epoch_without_batches_is_refused(backend):
    model, opt, _ = _setup()
    loader = DataLoader(TensorDataset(pn.tensor(X[:5]), pn.tensor(Y[:5])), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match=r"fit: epoch 1 got no batch from the training data"):
        pn.train.fit(model, F.cross_entropy, opt, loader, 2, progress=False)
