"""``pn.save`` / ``pn.load`` with what ``torch.save`` / ``torch.load`` users pass: nested
checkpoints, single tensors, file objects, ``map_location``; no pickle, atomic saves."""
import io
import pickle

import numpy as np
import pytest

import portanet as pn
from portanet.io import CheckpointError


def _np(t):
    return pn.to_numpy(t)


def _trained():
    pn.manual_seed(0)
    model = pn.nn.Linear(3, 2)
    opt = pn.optim.Adam(model.parameters(), lr=0.01)
    model(pn.randn(4, 3)).sum().backward()
    opt.step()
    return model, opt


def test_checkpoint_idiom_round_trips(backend, tmp_path):
    model, opt = _trained()
    path = tmp_path / "ckpt.pt"
    pn.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(),
             "loss": 0.1, "best": None, "tag": "run1", "shape": (2, 3)}, path)
    ckpt = pn.load(path, weights_only=True)
    assert (ckpt["epoch"], ckpt["loss"], ckpt["best"], ckpt["tag"], ckpt["shape"]) == (3, 0.1, None, "run1", (2, 3))
    w = ckpt["model"]["weight"]
    assert isinstance(w, pn.Tensor) and w.device == pn.get_default_device()
    np.testing.assert_array_equal(_np(w), _np(model.weight))
    st = ckpt["optimizer"]["state"]
    assert sorted(st) == [0, 1] and ckpt["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    model2 = pn.nn.Linear(3, 2)
    opt2 = pn.optim.Adam(model2.parameters(), lr=0.01)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    np.testing.assert_array_equal(_np(opt2.state[model2.weight]["exp_avg"]),
                                  _np(opt.state[model.weight]["exp_avg"]))


def test_flat_state_dict_single_tensor_and_lists(backend, tmp_path):
    model, _ = _trained()
    pn.save(model.state_dict(), tmp_path / "m.pt")
    sd = pn.load(tmp_path / "m.pt")
    assert sorted(sd) == ["bias", "weight"] and isinstance(sd["bias"], pn.Tensor)
    x = pn.arange(6, dtype=pn.int64).reshape(2, 3)
    pn.save(x, tmp_path / "x.pt")
    y = pn.load(tmp_path / "x.pt")
    assert isinstance(y, pn.Tensor) and y.dtype == pn.int64 and _np(y).tolist() == [[0, 1, 2], [3, 4, 5]]
    pn.save([x, pn.ones(2), 5], tmp_path / "l.pt")
    a, b, n = pn.load(tmp_path / "l.pt")
    assert _np(b).tolist() == [1.0, 1.0] and n == 5


def test_file_objects_and_map_location(backend, tmp_path):
    buf = io.BytesIO()
    pn.save({"w": pn.ones(3), "step": 7}, buf)
    buf.seek(0)
    out = pn.load(buf, map_location="cpu")
    assert out["step"] == 7 and out["w"].device == pn.device("cpu")
    buf.seek(0)
    assert pn.load(buf, map_location=pn.device("cpu"))["w"].device.type == "cpu"
    with open(tmp_path / "f.pt", "wb") as f:
        pn.save(pn.zeros(2), f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert _np(pn.load(f)).tolist() == [0.0, 0.0]


def test_refusals_change_nothing(backend, tmp_path):
    path = tmp_path / "c.pt"
    pn.save({"a": pn.ones(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"pn.save: cannot store 'opt.fn', a function"):
        pn.save({"a": pn.ones(1), "opt": {"fn": lambda: 0}}, path)
    with pytest.raises(TypeError, match=r"pn.save: cannot store 'the checkpoint', a Linear"):
        pn.save(pn.nn.Linear(1, 1), path)
    assert path.read_bytes() == before
    buf = io.BytesIO()
    with pytest.raises(TypeError):
        pn.save({"x": object()}, buf)
    assert buf.getvalue() == b""                             # nothing written to a file object
    with pytest.raises(CheckpointError, match="looks like a Python pickle"):
        pn.load(io.BytesIO(pickle.dumps({"a": 1})))
    with pytest.raises(CheckpointError, match="too short to be a safetensors file"):
        pn.load(io.BytesIO(b"abc"))
    with pytest.raises(TypeError, match="pn.load: map_location must be a device"):
        pn.load(path, map_location={"cuda:1": "cuda:0"})
    with pytest.raises(TypeError, match="pn.load: pickle_module and pickle load arguments are not supported"):
        pn.load(path, pickle_module=pickle)
    with pytest.raises(TypeError, match="pn.save: f must be a path .* got int"):
        pn.save(pn.ones(1), 3)
    with pytest.raises(TypeError, match="pn.load: f must be a path .* got float"):
        pn.load(2.5)
    with pytest.raises(NotImplementedError, match="pn.load: mmap=True is not supported"):
        pn.load(path, mmap=True)
