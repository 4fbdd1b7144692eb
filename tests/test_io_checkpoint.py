"""Checkpoints: nested training state round-trips with its Python types, crosses backends
with identical outputs, loads without the backend that wrote it; hostile pickles,
zip archives and truncated or corrupt files are refused and run nothing; a failed save
leaves the previous file intact."""
import os
import pickle
import subprocess
import sys
import zipfile
from collections import Counter

import numpy as np
import pytest

import portanet as pn
from portanet.io.checkpoint import load as load_arrays   # the flat reader: host NumPy arrays
import portanet.nn.functional as F
from portanet.io import CheckpointError

BACKENDS = pn.available_backends()


def test_nested_values_keep_their_types(tmp_path):
    state = {"a": {0: np.arange(3, dtype=np.int32), 1: {"m": np.float64(2.5)}},
             "betas": (0.9, 0.999), "milestones": Counter({30: 1, 80: 2}), "best": float("inf"),
             "worst": float("-inf"), "none": None, "flag": True, "name": "adam", "big": 2 ** 63 + 5,
             "lrs": [0.1, 0.05], "scalar": np.array(7, dtype=np.int64), "lr": 0.1 + 0.2}
    pn.save_checkpoint(tmp_path / "s.safetensors", rng=False, **state)
    back = pn.load_checkpoint(tmp_path / "s.safetensors")
    assert set(back) == set(state)
    np.testing.assert_array_equal(back["a"][0], [0, 1, 2])
    assert back["a"][0].dtype == np.int32 and back["a"][1]["m"].dtype == np.float64
    assert back["betas"] == (0.9, 0.999) and isinstance(back["betas"], tuple)
    assert back["milestones"] == Counter({30: 1, 80: 2}) and isinstance(back["milestones"], Counter)
    assert back["best"] == float("inf") and back["worst"] == float("-inf")
    assert (back["none"], back["flag"], back["name"], back["big"]) == (None, True, "adam", 2 ** 63 + 5)
    assert back["lrs"] == [0.1, 0.05] and back["lr"] == 0.1 + 0.2          # floats exactly
    assert back["scalar"].shape == () and int(back["scalar"]) == 7
    flat = load_arrays(tmp_path / "s.safetensors")                               # plain safetensors underneath
    assert sorted(flat) == ["a.0", "a.1.m", "scalar"]


def _train_state(seed=0):
    pn.manual_seed(seed)
    # no bias before batch norm: its true gradient is 0, and Adam would blow each library's
    # rounding noise in it up to +-lr per step
    model = pn.nn.Sequential(pn.nn.Linear(4, 8, bias=False), pn.nn.BatchNorm1d(8), pn.nn.ReLU(),
                             pn.nn.Linear(8, 3))
    opt = pn.optim.Adam(model.parameters(), lr=0.01)
    sched = pn.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    x, y = pn.randn(16, 4), pn.randint(0, 3, (16,))
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        sched.step()
    return model, opt, sched, pn.to_numpy(x), pn.to_numpy(y)


def _one_more_step(model, opt, sched, x, y):
    model.train()
    opt.zero_grad()
    F.cross_entropy(model(pn.tensor(x)), pn.tensor(y)).backward()
    opt.step()
    sched.step()
    model.eval()
    return {k: pn.to_numpy(v) for k, v in model.state_dict().items()}, pn.to_numpy(model(pn.tensor(x)))


@pytest.mark.parametrize("writer", BACKENDS)
def test_checkpoint_saved_on_one_backend_continues_on_every_other(writer, tmp_path):
    path = tmp_path / "ck.safetensors"
    with pn.use_backend(writer):
        model, opt, sched, x, y = _train_state()
        pn.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2)
        ref_state, ref_out = _one_more_step(model, opt, sched, x, y)
    meta_backend = pn.io.read_header(path)["__metadata__"]["backend"]
    assert meta_backend == writer
    for reader in BACKENDS:
        with pn.use_backend(reader):
            model, opt, sched, _, _ = _train_state(seed=42)        # different weights before loading
            state = pn.load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)
            assert state["epoch"] == 2 and pn.random.get_rng_state() == state["rng"]
            assert sched.milestones == Counter({1: 1, 3: 1}) and opt.param_groups[0]["betas"] == (0.9, 0.999)
            new_state, out = _one_more_step(model, opt, sched, x, y)
        exact = {reader, writer} <= {"numpy", "array_api_strict"}
        for k, v in ref_state.items():
            if exact:
                np.testing.assert_array_equal(new_state[k], v, err_msg=f"{writer}->{reader} {k}")
            else:
                np.testing.assert_allclose(new_state[k], v, rtol=1e-5, atol=1e-6, err_msg=f"{writer}->{reader} {k}")
        np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif("torch" not in BACKENDS, reason="needs a torch-written file")
def test_loading_needs_no_backend_that_wrote_it(tmp_path):
    path = tmp_path / "t.safetensors"
    with pn.use_backend("torch"):
        pn.manual_seed(0)
        model = pn.nn.Linear(3, 2)
        pn.save_checkpoint(path, model=model, epoch=1)
        pn.save(model.state_dict(), tmp_path / "w.safetensors")
        expect = pn.to_numpy(model(pn.ones(1, 3)))
    code = f"""
import sys
sys.modules["torch"] = None          # any import of torch now fails
import numpy as np, portanet as pn
m = pn.nn.Linear(3, 2)
st = pn.load_checkpoint({str(path)!r}, model=m)
m.load_state_dict(pn.load({str(tmp_path / 'w.safetensors')!r}))
assert type(st["model"]["weight"]) is np.ndarray and "torch" not in pn.available_backends()
# the same weights, another library's matmul: equal to float32 rounding (a CPU with other
# vector units may round the last bit differently from torch's kernel)
np.testing.assert_allclose(pn.to_numpy(m(pn.ones(1, 3))), np.array({expect.tolist()!r}, dtype=np.float32),
                           rtol=1e-6, atol=1e-7)
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PORTANET_BACKEND": "numpy"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


class _Evil:
    """Unpickling this creates the marker file (through ``open``): a stand-in for any code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _hostile_files(tmp_path, marker):
    p4 = pickle.dumps(_Evil(str(marker)), protocol=4)
    p0 = pickle.dumps(_Evil(str(marker)), protocol=0)
    files = {"proto4.safetensors": p4, "proto0.safetensors": p0, "model.pt": p4}
    buf = tmp_path / "zip.pt"                       # PyTorch's zip layout with a pickle inside
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", p4)
    files["torchzip.pt"] = buf.read_bytes()
    npz = tmp_path / "obj.npz"                      # an object array: NumPy stores it as a pickle
    arr = np.empty(1, dtype=object)
    arr[0] = _Evil(str(marker))
    np.savez(npz, x=arr)
    files["weights.npz"] = npz.read_bytes()
    files["renamed_npz.safetensors"] = files["weights.npz"]
    paths = []
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
        paths.append(tmp_path / name)
    return paths


def test_hostile_pickles_are_refused_and_run_nothing(tmp_path):
    marker = tmp_path / "PWNED"
    paths = _hostile_files(tmp_path, marker)
    # the payloads are live: unpickling one does create the file
    pickle.loads(pickle.dumps(_Evil(str(tmp_path / "proof")), protocol=0))
    assert (tmp_path / "proof").exists()
    for p in paths:
        for loader in (pn.load, pn.load_checkpoint):
            with pytest.raises(CheckpointError) as e:
                loader(p)
            msg = str(e.value)
            assert repr(str(p)) in msg
            assert "looks like a Python pickle" in msg or "looks like a zip archive" in msg, msg
    assert not marker.exists()
    with pytest.raises(CheckpointError, match="looks like a Python pickle.*never unpickles"):
        pn.load(tmp_path / "proto4.safetensors")
    with pytest.raises(CheckpointError, match=r"looks like a zip archive \(.npz or a PyTorch .pt file\)"):
        pn.load(tmp_path / "weights.npz")


def test_truncated_and_corrupt_files_are_refused(tmp_path):
    pn.manual_seed(0)
    model = pn.nn.Linear(16, 8)
    path = tmp_path / "good.safetensors"
    pn.save_checkpoint(path, model=model, epoch=1)
    blob = path.read_bytes()
    header = int.from_bytes(blob[:8], "little")
    for cut in (0, 5, 8 + header // 2, 8 + header + 10, len(blob) - 1):
        bad = tmp_path / f"cut{cut}.safetensors"
        bad.write_bytes(blob[:cut])
        for loader in (pn.load, pn.load_checkpoint):
            with pytest.raises(CheckpointError, match="too short|truncated"):
                loader(bad)
    garbled = bytearray(blob)
    garbled[8:12] = b"\xff\xfe{["
    (tmp_path / "garbled.safetensors").write_bytes(bytes(garbled))
    with pytest.raises(CheckpointError, match="corrupt header"):
        pn.load(tmp_path / "garbled.safetensors")
    pn.save(model.state_dict(), tmp_path / "flat.safetensors")
    with pytest.raises(CheckpointError, match="flat state dict \\(written by pn.save\\).*use|read it with pn.load"):
        pn.load_checkpoint(tmp_path / "flat.safetensors")
    with pytest.raises(CheckpointError, match="holds no optimizer \\(it holds model, epoch, rng\\)"):
        pn.load_checkpoint(path, optimizer=pn.optim.SGD(model.parameters(), lr=0.1))


def _only_file(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    pn.manual_seed(0)
    model = pn.nn.Linear(4, 2)
    path = tmp_path / "ck.safetensors"
    pn.save_checkpoint(path, model=model, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot store 'note', a function; a checkpoint holds tensors"):
        pn.save_checkpoint(path, model=model, epoch=2, note=lambda: 0)
    with pytest.raises(TypeError, match="pn.save: cannot store 'w', a object"):
        pn.save({"w": object()}, path)
    with pytest.raises(TypeError, match=r"key of type tuple \(\(1, 2\)\)"):
        pn.save_checkpoint(path, extra={(1, 2): 3})

    def disk_full(*a):
        raise OSError(28, "No space left on device")
    for target in ("fsync", "replace"):
        with monkeypatch.context() as m:
            m.setattr(os, target, disk_full)
            with pytest.raises(OSError, match="No space left"):
                pn.save_checkpoint(path, model=model, epoch=3)
            with pytest.raises(OSError, match="No space left"):
                pn.save(model.state_dict(), path)
    assert path.read_bytes() == before
    assert _only_file(tmp_path) == ["ck.safetensors"]              # no temporary files left behind
    assert pn.load_checkpoint(path)["epoch"] == 1


def test_training_objects_restore_in_place(backend, tmp_path):
    # a manual loop with pn.save_checkpoint/pn.load_checkpoint resumes exactly, loader included
    x, y = pn.randn(40, 3), pn.randint(0, 2, (40,))

    def make():
        model = pn.nn.Sequential(pn.nn.Linear(3, 8), pn.nn.Dropout(0.3), pn.nn.Linear(8, 2))
        opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loader = pn.data.DataLoader(pn.data.TensorDataset(x, y), batch_size=8, shuffle=True)
        return model, opt, loader

    def steps(model, opt, it, k):
        losses = []
        for _ in range(k):
            xb, yb = next(it)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    pn.manual_seed(1)
    model, opt, loader = make()
    it = iter(loader)
    steps(model, opt, it, 2)                                         # mid-epoch
    pn.save_checkpoint(tmp_path / "m.safetensors", model=model, optimizer=opt, loader=loader, step=2)
    ref = steps(model, opt, it, 3)
    pn.manual_seed(5)
    model2, opt2, loader2 = make()
    pn.load_checkpoint(tmp_path / "m.safetensors", model=model2, optimizer=opt2, loader=loader2)
    assert steps(model2, opt2, iter(loader2), 3) == ref
