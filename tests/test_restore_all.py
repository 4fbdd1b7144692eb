"""All-or-nothing restores: ``load_checkpoint(model=, optimizer=, scheduler=, loader=)`` and
``fit(resume=...)`` check every part before any changes.  Each part in turn is the bad
one; after the refusal every object (model, optimizer, scheduler, loader, sampler,
callbacks, history, epoch, random stream) is exactly as it was."""
import copy
import json

import numpy as np
import pytest

import portanet as pn
import portanet.io.checkpoint as ck
import portanet.nn.functional as F
from portanet.data import DataLoader, DistributedSampler, TensorDataset
from portanet.nn.module import StateDictError


def _rewrite(path, state):
    """Write a hand-altered nested state as save_checkpoint would (its encoder and writer)."""
    arrays = {}
    tree = ck._encode(state, "", arrays)
    ck._write(arrays, path, {ck._TREE_KEY: json.dumps(tree)}, "test", False)


def _plain(v):
    """A comparable copy: arrays as NumPy, containers recursively."""
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return ("array", pn.to_numpy(v).copy().tolist(), str(pn.to_numpy(v).dtype))
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return copy.deepcopy(v)


def _objects(seed, hidden=8, adam=False, sampler_seed=0, batch_size=8):
    pn.manual_seed(seed)
    x, y = pn.randn(32, 4), pn.randint(0, 3, (32,))
    model = pn.nn.Sequential(pn.nn.Linear(4, hidden), pn.nn.ReLU(), pn.nn.Linear(hidden, 3))
    opt = (pn.optim.Adam(model.parameters(), lr=0.1) if adam else
           pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    sched = pn.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 2], gamma=0.5)
    ds = TensorDataset(x, y)
    sampler = DistributedSampler(ds, num_replicas=1, rank=0, shuffle=True, seed=sampler_seed)
    loader = DataLoader(ds, batch_size=batch_size, sampler=sampler)
    for xb, yb in loader:          # a real state everywhere: momentum buffers, a started epoch
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
        break
    sched.step()
    return model, opt, sched, loader


def _snapshot(model, opt, sched, loader):
    return _plain({"model": model.state_dict(), "optimizer": opt.state_dict(),
                   "scheduler": sched.state_dict(), "loader": loader.state_dict(),
                   "sampler": loader.sampler.state_dict(), "rng": pn.random.get_rng_state()})


BAD_PARTS = {
    # part: (how the saved state differs, error type, words of the message)
    "model": (dict(hidden=9), StateDictError, r"'0.weight': shape \(9, 4\) in the state_dict, \(8, 4\) in the model"),
    "optimizer": (dict(adam=True), ValueError,
                  r"SGD.load_state_dict: the state of parameter 0 holds \['exp_avg', 'exp_avg_sq', 'step'\]"),
    "sampler": (dict(sampler_seed=5), ValueError, r"DistributedSampler.load_state_dict: seed 5 in the state, 0 here"),
    "loader": (dict(batch_size=4), ValueError, r"DataLoader.load_state_dict: the data would be divided differently"),
}


@pytest.mark.parametrize("bad", list(BAD_PARTS) + ["scheduler", "rng"])
def test_load_checkpoint_changes_nothing_when_any_part_is_refused(backend, tmp_path, bad):
    path = tmp_path / "ck.safetensors"
    if bad in BAD_PARTS:
        saver = _objects(1, **BAD_PARTS[bad][0])
        pn.save_checkpoint(path, *saver, epoch=1)
        err, words = BAD_PARTS[bad][1:]
    else:
        model, opt, sched, loader = _objects(1)
        pn.save_checkpoint(path, model, opt, sched, loader, epoch=1)
        state = pn.io.read_checkpoint(path)
        if bad == "scheduler":                      # a StepLR's state for a MultiStepLR
            state["scheduler"] = pn.optim.lr_scheduler.StepLR(opt, step_size=2).state_dict()
            err, words = ValueError, r"MultiStepLR.load_state_dict: the state does not fit a MultiStepLR.*step_size"
        else:                                       # the last part checked: all others passed
            state["rng"] = {"seed": "twelve", "offset": 3}
            err, words = ValueError, r"Generator.set_state: expected \{'seed': int, 'offset': int >= 0\}"
        _rewrite(path, state)
    target = _objects(7)
    pn.manual_seed(99)
    before = _snapshot(*target)
    with pytest.raises(err, match=words) as e:
        pn.load_checkpoint(path, *target)
    assert any("nothing was restored" in n for n in getattr(e.value, "__notes__", []))
    assert _snapshot(*target) == before
    # and the good file restores everything
    good = tmp_path / "good.safetensors"
    source = _objects(1)
    pn.save_checkpoint(good, *source, epoch=1)
    pn.manual_seed(5)
    pn.load_checkpoint(good, *target)
    got, want = _snapshot(*target), _snapshot(*source)
    for s in (got, want):       # the source is inside its epoch; the target resumes it on next iter
        s["loader"].pop("in_epoch")
    assert got == want | {"rng": _plain(pn.random.get_rng_state())}


def _run(seed=0, epochs=1, hidden=8, patience=3, resume=None, ckpt=None):
    pn.manual_seed(seed)
    model = pn.nn.Sequential(pn.nn.Linear(4, hidden), pn.nn.ReLU(), pn.nn.Linear(hidden, 3))
    opt = pn.optim.Adam(model.parameters(), lr=0.01)
    sched = pn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
    x, y = np.random.default_rng(0).standard_normal((24, 4)).astype(np.float32), np.arange(24) % 3
    loader = DataLoader(TensorDataset(pn.tensor(x), pn.tensor(y)), batch_size=8, shuffle=True, seed=3)
    stop = pn.train.EarlyStopping(monitor="loss", patience=patience)
    cbs = [stop] + ([pn.train.ModelCheckpoint(ckpt)] if ckpt else [])
    trainer = pn.train.Trainer(model, F.cross_entropy, opt, loader, sched, cbs, epochs, progress=False)
    if epochs:
        trainer.fit(resume=resume)
    return trainer


def _trainer_snapshot(t):
    return _plain({"model": t.model.state_dict(), "optimizer": t.optimizer.state_dict(),
                   "scheduler": t.scheduler.state_dict(), "loader": t.loader.state_dict(),
                   "callbacks": [c.state_dict() for c in t.callbacks if hasattr(c, "state_dict")],
                   "history": t.history.state_dict(), "epoch": t.epoch, "rng": pn.random.get_rng_state()})


FIT_BAD = {
    "model": (lambda s: s.update(model=_run(hidden=5, epochs=0).model.state_dict()), StateDictError,
              r"'0.weight': shape \(5, 4\) in the state_dict, \(8, 4\) in the model"),
    "optimizer": (lambda s: s["optimizer"]["state"][0].pop("exp_avg_sq"), ValueError,
                  r"Adam.load_state_dict: the state of parameter 0 holds \['exp_avg', 'step'\]"),
    "scheduler": (lambda s: s["scheduler"].update(milestones=[3]), ValueError,
                  r"StepLR.load_state_dict: .*\['milestones'\], which a StepLR does not have"),
    "loader": (lambda s: s["loader"].update(length=99), ValueError,
               r"DataLoader.load_state_dict: length 99 in the state, 24 here"),
    "callback": (lambda s: s["callbacks"]["0"].update(wait="soon"), ValueError,
                 r"EarlyStopping.load_state_dict: invalid state \(ValueError"),
    "history": (lambda s: s["history"].update(epoch=["one"]), ValueError,
                r"History.load_state_dict: expected"),
    "rng": (lambda s: s["rng"].update(offset=-1), ValueError, r"Generator.set_state"),
}


@pytest.mark.parametrize("bad", list(FIT_BAD))
def test_fit_resume_changes_nothing_when_any_part_is_refused(backend, tmp_path, bad):
    path = tmp_path / "last.safetensors"
    _run(epochs=2, ckpt=str(path))
    state = pn.io.read_checkpoint(path)
    alter, err, words = FIT_BAD[bad]
    alter(state)
    _rewrite(tmp_path / "bad.safetensors", state)
    target = _run(seed=4, epochs=1, ckpt=str(tmp_path / "other.safetensors"))   # its own state
    pn.manual_seed(42)
    before = _trainer_snapshot(target)
    target.epochs = 3
    with pytest.raises(err, match=words) as e:
        target.fit(resume=tmp_path / "bad.safetensors")
    assert any("fit(resume=...): the" in n and "nothing was restored" in n for n in e.value.__notes__)
    assert _trainer_snapshot(target) == before


def test_a_foreign_object_is_rolled_back_when_a_later_part_refuses(backend, tmp_path):
    class Counter:                                      # has only state_dict/load_state_dict
        def __init__(self):
            self.n = 1

        def state_dict(self):
            return {"n": self.n}

        def load_state_dict(self, s):
            self.n = s["n"]

    model = pn.nn.Linear(2, 2)
    c = Counter()
    before = _plain(model.state_dict())
    with pytest.raises(StateDictError):
        pn.io.restore_all([("counter", c, {"n": 5}), ("model", model, {"weight": np.zeros((3, 3))})], "test")
    assert c.n == 1 and _plain(model.state_dict()) == before

    class Refuses(Counter):
        def load_state_dict(self, s):
            raise KeyError("no")

    with pytest.raises(KeyError):
        pn.io.restore_all([("model", model, {"weight": np.zeros((2, 2)), "bias": np.ones(2)}),
                           ("counter", c, {"n": 5}), ("refuses", Refuses(), {})], "test")
    assert c.n == 1 and _plain(model.state_dict()) == before


def test_a_subclass_overriding_load_state_dict_is_loaded_through_its_override(backend):
    class Remaps(pn.nn.Linear):                         # e.g. accepts keys of an older layout
        def load_state_dict(self, state_dict, strict=True):
            return super().load_state_dict({k.removeprefix("old."): v for k, v in state_dict.items()},
                                           strict)

    model = Remaps(2, 2)
    old = {"old.weight": np.full((2, 2), 3.0, np.float32), "old.bias": np.zeros(2, np.float32)}
    pn.io.restore_all([("model", model, old)], "test")
    np.testing.assert_array_equal(pn.to_numpy(model.weight), old["old.weight"])
    before = _plain(model.state_dict())
    with pytest.raises(ValueError, match="Generator.set_state"):   # a later part refuses
        pn.io.restore_all([("model", model, {k: v + 1 for k, v in old.items()}),
                           ("random stream", pn.random.default_generator, {"seed": -1, "offset": 0})],
                          "test")
    assert _plain(model.state_dict()) == before
