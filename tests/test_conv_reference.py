"""Convolution, pooling, normalization and embedding against PyTorch (float64 values from
``tests/reference/gen_conv_reference.py``, stored in ``tests/fixtures/conv_reference.npz``)."""
import json
import math
import pathlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "conv_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]
FCASES = sorted(c for c in REF if "r" in REF[c] and "out" in REF[c])
BNSEQ = sorted(c for c in REF if c.startswith("bnseq_"))
MODS = sorted(c for c in REF if c.startswith("mod_"))


def close(actual, expected, what, rtol=1e-9, atol=1e-11):
    a = pn.to_numpy(actual)
    assert a.shape == np.shape(expected), f"{what}: shape {a.shape} != {np.shape(expected)}"
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, err_msg=what)


def _tensor(a, grad=False):
    a = np.asarray(a)
    return pn.tensor(a, dtype="float64" if a.dtype.kind == "f" else "int64", requires_grad=grad)


def test_fixture_covers_every_function():
    names = {str(REF[c]["name"]) for c in FCASES}
    assert names >= {"conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d",
                     "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "layer_norm",
                     "group_norm", "embedding"}
    combos = [json.loads(str(REF[c]["kwargs"])) for c in FCASES if str(REF[c]["name"]) == "conv2d"]
    for key in ("stride", "padding", "dilation", "groups"):
        assert any(key in kw for kw in combos), key


@pytest.mark.heavy(reason="one XLA compile per op and shape of every case; conv/pool "
                          "gradients on jax: test_conv_ops.py, test_jax.py")
@pytest.mark.parametrize("cid", FCASES)
def test_function_against_pytorch(backend, cid):
    c = REF[cid]
    kwargs = json.loads(str(c["kwargs"]))
    names = json.loads(str(c["names"]))
    grad = json.loads(str(c["grad"]))
    args = [_tensor(c[f"arg{i}"], i in grad) for i in range(8) if f"arg{i}" in c]
    npos = len(args) - len(names)
    if cid.startswith("batch_norm"):  # running stats are buffers, not graph inputs
        args[1], args[2] = _tensor(c["arg1"]), _tensor(c["arg2"])
    out = getattr(F, str(c["name"]))(*args[:npos], **dict(zip(names, args[npos:])), **kwargs)
    close(out, c["out"], f"{cid} forward")
    (out * _tensor(c["r"])).sum().backward()
    for i in grad:
        close(args[i].grad, c[f"g{i}"], f"{cid} gradient of input {i}")


@pytest.mark.parametrize("cid", BNSEQ)
def test_batchnorm_sequence_against_pytorch(backend, cid):
    c = REF[cid]
    kwargs = json.loads(str(c["kwargs"]))
    xs = [c[f"x{k}"] for k in range(10) if f"x{k}" in c]
    m = getattr(pn.nn, str(c["name"]))(xs[0].shape[1], dtype="float64", **kwargs)
    if "weight" in c:
        m.load_state_dict({"weight": c["weight"], "bias": c["bias"]}, strict=False)
    for x in xs:
        m.zero_grad()
        xt = _tensor(x, True)
        out = m(xt)
    close(out, c["out_train"], "train output")
    (out * _tensor(c["r"])).sum().backward()
    close(xt.grad, c["gx_train"], "train input gradient")
    if "weight" in c:
        close(m.weight.grad, c["gw_train"], "weight gradient")
        close(m.bias.grad, c["gb_train"], "bias gradient")
    for b in ("running_mean", "running_var", "num_batches_tracked"):
        if b in c:
            close(getattr(m, b), c[b], b)
        else:
            assert getattr(m, b) is None
    m.eval()
    xe = _tensor(c["xe"], True)
    out = m(xe)
    close(out, c["out_eval"], "eval output")
    (out * _tensor(c["r"])).sum().backward()
    close(xe.grad, c["gx_eval"], "eval input gradient")


@pytest.mark.parametrize("cid", MODS)
def test_module_state_dict_matches_pytorch(cid):
    c = REF[cid]
    kwargs = json.loads(str(c["kwargs"]))
    m = getattr(pn.nn, str(c["name"]))(**kwargs)
    want = json.loads(str(c["state"]))
    got = {k: [list(v.shape), pn.backend.dtype_name(v.dtype)] for k, v in m.state_dict().items()}
    assert list(got) == list(want)
    for k, (shape, dtype) in want.items():
        assert got[k][0] == shape, k
        assert got[k][1] == dtype, k


@pytest.mark.parametrize("cls,args", [(pn.nn.Conv2d, (6, 4, 3)), (pn.nn.Conv1d, (3, 5, 4)),
                                      (pn.nn.ConvTranspose2d, (4, 6, 3))])
def test_conv_default_init_is_pytorchs(cls, args):
    # PyTorch: weight and bias ~ U(+-1/sqrt(fan_in)), fan_in = weight.shape[1] * prod(kernel)
    pn.manual_seed(1)
    m = cls(*args)
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    for p in (m.weight, m.bias):
        assert np.abs(pn.to_numpy(p)).max() <= bound
    assert np.abs(pn.to_numpy(m.weight)).max() > 0.8 * bound  # fills the range, not a tiny scale
    assert abs(pn.to_numpy(m.weight).std() - bound / math.sqrt(3)) < 0.25 * bound


def test_embedding_init_and_padding_row():
    pn.manual_seed(2)
    m = pn.nn.Embedding(200, 16, padding_idx=-1)
    w = pn.to_numpy(m.weight)
    assert m.padding_idx == 199
    assert np.all(w[199] == 0)
    assert abs(w[:199].std() - 1.0) < 0.05 and abs(w[:199].mean()) < 0.05
