"""Recurrent layers, cells, attention and the Transformer encoder against PyTorch (float64
values from ``tests/reference/gen_rnn_reference.py`` in ``tests/fixtures/rnn_reference.npz``).

Each case compares the outputs, the final states and the gradient of every input and
parameter, with the module's weights loaded from PyTorch's ``state_dict``.
"""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "rnn_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]
CASES = sorted(REF)


def close(actual, expected, what, rtol=1e-10, atol=1e-12):
    a = pn.to_numpy(actual)
    assert a.shape == np.shape(expected), f"{what}: shape {a.shape} != {np.shape(expected)}"
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, err_msg=what)


def _t(a, grad=False):
    a = np.asarray(a)
    dt = {"f": "float64", "b": "bool"}.get(a.dtype.kind, "int64")
    return pn.tensor(a, dtype=dt, requires_grad=grad)


def _build(c):
    kind, name = str(c["kind"]), str(c["name"])
    kw = json.loads(str(c["kwargs"]))
    if kind == "sdpa":
        return None
    if kind == "enc":
        call = json.loads(str(c["call"]))
        if call["num_layers"] == 0:
            return pn.nn.TransformerEncoderLayer(**kw, dtype="float64")
        norm = pn.nn.LayerNorm(kw["d_model"], dtype="float64") if call.get("norm") else None
        return pn.nn.TransformerEncoder(pn.nn.TransformerEncoderLayer(**kw, dtype="float64"),
                                        call["num_layers"], norm=norm)
    return getattr(pn.nn, name)(**kw, dtype="float64")


def _run(c, m, ins):
    kind, name = str(c["kind"]), str(c["name"])
    kw = json.loads(str(c["kwargs"]))
    call = json.loads(str(c["call"]))
    if kind == "rnn":
        hx = ins.get("h0")
        if name == "LSTM" and hx is not None:
            hx = (ins["h0"], ins["c0"])
        x = ins["x"]
        bf = kw.get("batch_first", False)
        if call["packed"]:
            x = pack_padded_sequence(x, call["lengths"], batch_first=bf, enforce_sorted=False)
        out, st = m(x, hx)
        if call["packed"]:
            out = pad_packed_sequence(out, batch_first=bf)[0]
        if name == "LSTM":
            return {"out": out, "h_n": st[0], "c_n": st[1]}
        return {"out": out, "h_n": st}
    if kind == "cell":
        state = ins.get("h0")
        if name == "LSTMCell" and state is not None:
            state = (ins["h0"], ins["c0"])
        hs = []
        for t in range(ins["x"].shape[0]):
            state = m(ins["x"][t], state)
            hs.append(state[0] if name == "LSTMCell" else state)
        outs = {"h": pn.stack(hs)}
        if name == "LSTMCell":
            outs["c"] = state[1]
        return outs
    if kind == "sdpa":
        return {"out": F.scaled_dot_product_attention(ins["q"], ins["k"], ins["v"],
                                                      attn_mask=ins.get("mask"), **kw)}
    if kind == "mha":
        q = ins["q"]
        k, v = (q, q) if call["self_attn"] else (ins["k"], ins["v"])
        out, w = m(q, k, v, key_padding_mask=ins.get("kpm"), attn_mask=ins.get("attn"),
                   need_weights=call["need_weights"], average_attn_weights=call["average"])
        return {"out": out, "w": w} if call["need_weights"] else {"out": out}
    if kind == "enc":
        if call["num_layers"] == 0:
            return {"out": m(ins["x"], src_mask=ins["mask"], src_key_padding_mask=ins["kpm"])}
        return {"out": m(ins["x"], mask=ins["mask"])}
    raise AssertionError(kind)


def test_fixture_covers_every_layer():
    names = {str(c["name"]) for c in REF.values()}
    assert names == {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
                     "scaled_dot_product_attention", "MultiheadAttention",
                     "TransformerEncoderLayer", "TransformerEncoder"}


@pytest.mark.parametrize("cid", CASES)
def test_against_pytorch(backend, cid):
    c = REF[cid]
    grad = json.loads(str(c["grad"]))
    ins = {k[3:]: _t(v, k[3:] in grad) for k, v in c.items() if k.startswith("in/")}
    m = _build(c)
    params = {k[6:]: v for k, v in c.items() if k.startswith("param/")}
    if m is not None:
        assert list(m.state_dict()) == list(params), "state_dict keys differ from PyTorch's"
        m.load_state_dict({k: _t(v) for k, v in params.items()})
    outs = _run(c, m, ins)
    nograd = "nograd" in c
    loss = 0
    for k, o in outs.items():
        ref = c[f"out/{k}"]
        if nograd:  # PyTorch gives NaN on fully masked rows: compare where it is finite
            a = pn.to_numpy(o)
            assert np.isfinite(a).all(), f"{cid} {k}: non-finite output"
            fin = np.isfinite(ref)
            np.testing.assert_allclose(a[fin], ref[fin], rtol=1e-10, atol=1e-12)
            continue
        close(o, ref, f"{cid} output {k}")
        loss = loss + (o * _t(c[f"r/{k}"])).sum()
    if nograd:
        return
    loss.backward()
    for k in grad:
        close(ins[k].grad, c[f"gin/{k}"], f"{cid} gradient of input {k}")
    if m is not None:
        for k, p in m.named_parameters():
            close(p.grad, c[f"pgrad/{k}"], f"{cid} gradient of {k}")
