"""pn.train: seeded fit gives the same History on every backend, resume equals the
uninterrupted run, callbacks (early stopping, checkpoints, schedules), metrics against
NumPy by hand, the quiet/visible progress bar, the plot."""
import io as _io
import math
import sys

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.data import DataLoader, TensorDataset, datasets

BACKENDS = pn.available_backends()
DATA = datasets.moons(n=160, noise=0.15, seed=0)     # 128 train / 32 test points


def _setup(dropout=0.0, lr=0.02):
    model = pn.nn.Sequential(pn.nn.Linear(2, 16), pn.nn.Tanh(), pn.nn.Dropout(dropout), pn.nn.Linear(16, 2))
    opt = pn.optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(DATA.x_train, DATA.y_train), batch_size=16, shuffle=True)
    return model, opt, loader


def _run(epochs=3, progress=False, **kw):
    pn.manual_seed(0)
    model, opt, loader = _setup()
    h = pn.train.fit(model, F.cross_entropy, opt, loader, epochs, val_data=(DATA.x_test, DATA.y_test),
                     progress=progress, **kw)
    return h, model


def test_seeded_fit_gives_the_same_history_on_every_backend():
    assert len(BACKENDS) >= 2
    hist = {}
    for name in BACKENDS:
        with pn.use_backend(name):
            hist[name] = _run()[0]
    ref = hist["numpy"]
    assert set(ref.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert ref.epoch == [1, 2, 3] and ref["loss"][-1] < ref["loss"][0]
    for name, h in hist.items():
        for k in ref.history:
            np.testing.assert_allclose(h[k], ref[k], rtol=2e-6, err_msg=f"{name} {k}")
    if "array_api_strict" in hist:                         # NumPy underneath: bitwise
        assert hist["array_api_strict"].history == ref.history


def test_resume_from_a_mid_run_checkpoint_equals_the_uninterrupted_run(backend, tmp_path):
    def run(epochs, resume=None, seed=0):
        pn.manual_seed(seed)
        model, opt, loader = _setup(dropout=0.2)          # dropout: the random stream must resume too
        sched = pn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
        cbs = [pn.train.EarlyStopping(monitor="val_loss", patience=10),
               pn.train.ModelCheckpoint(str(tmp_path / "ep{epoch}.safetensors"))]
        h = pn.train.fit(model, F.cross_entropy, opt, loader, epochs, val_data=(DATA.x_test, DATA.y_test),
                         scheduler=sched, callbacks=cbs, progress=False, resume=resume)
        return h, model, cbs[0]

    full, model, stop = run(4)
    assert full["lr"] == pytest.approx([0.02, 0.014, 0.0098, 0.00686])
    resumed, model2, stop2 = run(4, resume=tmp_path / "ep2.safetensors", seed=123)
    assert resumed.epoch == [1, 2, 3, 4]
    assert resumed.history == full.history                # exactly, not approximately
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        np.testing.assert_array_equal(pn.to_numpy(a), pn.to_numpy(b), err_msg=k)
    assert (stop2.best, stop2.wait) == (stop.best, stop.wait)


def test_resume_refuses_different_callbacks(tmp_path):
    _run(1, callbacks=[pn.train.ModelCheckpoint(str(tmp_path / "c.safetensors"))])
    with pytest.raises(ValueError, match="state of 1 callbacks with state, this run has 2"):
        _run(2, callbacks=[pn.train.EarlyStopping(), pn.train.ModelCheckpoint(str(tmp_path / "d.safetensors"))],
             resume=tmp_path / "c.safetensors")


def test_early_stopping_stops_and_restores_the_best_weights(backend):
    pn.manual_seed(0)
    model, opt, loader = _setup(lr=0.5)                   # too large: validation loss gets worse
    stop = pn.train.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    best = {}
    rec = pn.train.LambdaCallback(on_epoch_end=lambda t, e, logs: best.setdefault(e, {
        k: pn.to_numpy(v).copy() for k, v in t.model.state_dict().items()}))
    h = pn.train.fit(model, F.cross_entropy, opt, loader, 50, val_data=(DATA.x_test, DATA.y_test),
                     callbacks=[stop, rec], progress=False)
    vl = h["val_loss"]
    best_epoch = int(np.argmin(vl)) + 1
    assert len(h) == best_epoch + 2 == stop.stopped_epoch < 50   # stopped after 2 epochs without progress
    assert min(vl[best_epoch:]) >= vl[best_epoch - 1]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(pn.to_numpy(v), best[best_epoch][k])


def test_model_checkpoint_keeps_the_best_weights(tmp_path):
    path = tmp_path / "best.safetensors"
    ck = pn.train.ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True, save_weights_only=True)
    weights = {}
    spy = pn.train.LambdaCallback(on_epoch_end=lambda t, e, logs: weights.setdefault(e, {
        k: pn.to_numpy(v).copy() for k, v in t.model.state_dict().items()}))
    h, model = _run(5, callbacks=[ck, spy])
    acc = h["val_accuracy"]
    best_epoch = int(np.argmax(acc)) + 1                   # the first epoch reaching the max
    assert ck.best == max(acc) and ck.mode == "max"
    saved = pn.load(path)
    assert set(saved) == set(model.state_dict())
    for k, v in saved.items():
        np.testing.assert_array_equal(pn.to_numpy(v), weights[best_epoch][k])


def test_scheduler_per_batch_and_plateau():
    pn.manual_seed(0)
    model, opt, loader = _setup(lr=0.1)
    sched = pn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    pn.train.fit(model, F.cross_entropy, opt, loader, 1, callbacks=[pn.train.LRSchedulerCallback(sched, "batch")],
                 progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** len(loader))   # 8 batches, 8 halvings
    model, opt, loader = _setup(lr=0.1)
    plateau = pn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    seen = []
    h = pn.train.fit(model, lambda o, t: F.cross_entropy(o, t) * 0.0 + 1.0, opt, loader, 3, scheduler=plateau,
                     metrics=(), callbacks=[pn.train.LambdaCallback(on_epoch_end=lambda t, e, l: seen.append(
                         opt.param_groups[0]["lr"]))], progress=False)
    assert h["loss"] == [1.0, 1.0, 1.0]                   # a flat loss never improves after the first epoch
    assert seen == pytest.approx([0.1, 0.05, 0.025])


def test_evaluate_and_metrics_against_numpy_by_hand(backend):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(37, 4)).astype(np.float32)
    y = rng.integers(0, 4, 37)
    model = pn.nn.Identity()
    model.train()
    out = pn.train.evaluate(model, F.cross_entropy, (logits, y), batch_size=10)
    z = logits.astype(np.float64)
    logp = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    assert out["loss"] == pytest.approx(-logp[np.arange(37), y].mean(), rel=1e-6)
    assert out["accuracy"] == pytest.approx((logits.argmax(1) == y).mean(), abs=1e-12)
    assert model.training                                 # evaluate restores the mode
    p = pn.tensor(rng.uniform(size=(9, 1)).astype(np.float32))
    t = pn.tensor(rng.integers(0, 2, (9, 1)).astype(np.float32))
    pn_, tn = pn.to_numpy(p), pn.to_numpy(t)
    assert float(pn.train.metrics.accuracy(p, t)) == pytest.approx(((pn_ > 0.5) == (tn > 0.5)).mean())
    assert float(pn.train.metrics.BinaryAccuracy(0.3)(p, t)) == pytest.approx(((pn_ > 0.3) == (tn > 0.5)).mean())
    assert float(pn.train.metrics.mse(p, t)) == pytest.approx(((pn_ - tn) ** 2).mean(), rel=1e-6)
    assert float(pn.train.metrics.mae(p, t)) == pytest.approx(np.abs(pn_ - tn).mean(), rel=1e-6)
    onehot = pn.tensor(np.eye(4, dtype=np.float32)[y])
    assert float(pn.train.metrics.accuracy(pn.tensor(logits), onehot)) == pytest.approx((logits.argmax(1) == y).mean())


class _TTY(_io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    _run(1, progress=True)                                # pytest's stderr is no terminal: quiet
    assert capsys.readouterr().err == ""
    fake = _TTY()
    monkeypatch.setattr(sys, "stderr", fake)
    _run(2, progress=True)
    text = fake.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2" in text
    assert "sample/s" in text and "loss=" in text and "val_accuracy=" in text
    fake.truncate(0)
    _run(1, progress=False)
    assert fake.getvalue().strip("\x00") == ""


def test_history_plot_and_errors(tmp_path):
    h, model = _run(2)
    path = h.plot(tmp_path / "curves.png", title="moons")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "History(2 epochs" in repr(h) and "val_loss" in h
    with pytest.raises(KeyError, match="History has no 'val_acc'; it has loss, accuracy"):
        h["val_acc"]
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        _run(1, metrics=("f1",))
    with pytest.raises(KeyError, match="monitor 'val_loss' is not among the epoch's logs"):
        pn.train.fit(model, F.cross_entropy, pn.optim.SGD(model.parameters(), lr=0.1),
                     (DATA.x_train, DATA.y_train), 1, callbacks=[pn.train.EarlyStopping()], progress=False)
    with pytest.raises(TypeError, match="batches \\(inputs..., target\\); got a Tensor"):
        pn.train.fit(model, F.cross_entropy, pn.optim.SGD(model.parameters(), lr=0.1),
                     [pn.zeros(2, 2)], 1, progress=False)


def test_fit_takes_arrays_and_learns(backend):
    pn.manual_seed(0)
    model, opt, _ = _setup(lr=0.05)
    h = pn.train.fit(model, F.cross_entropy, opt, (DATA.x_train, DATA.y_train), 8, batch_size=32,
                     metrics=("accuracy", "acc"), progress=False)
    assert h["accuracy"][-1] > 0.85 and h["loss"][-1] < h["loss"][0]
    assert not math.isnan(h["loss"][-1])
