"""Reference values for recurrent layers, cells and attention, computed by PyTorch in float64.

Writes ``tests/fixtures/rnn_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_rnn_reference.py``, so the default suite needs no PyTorch).  Re-run after
changing a case:

    python tests/reference/gen_rnn_reference.py

Layout: one group of keys per case ``<case>/...``:
    kind        "rnn" (RNN/LSTM/GRU), "cell", "sdpa", "mha" or "enc"
    name        PyTorch's class (or function) name; portanet uses the same
    kwargs      JSON: constructor kwargs (rnn, cell, mha, enc layer) or call kwargs (sdpa)
    call        JSON: how the test calls it (packed, lengths, need_weights, mask kinds...)
    in/<k>      inputs (float64, bool or int64); ``grad`` = JSON list of inputs with gradients
    out/<k>     outputs;  r/<k>  fixed projections: gradients are of sum_k sum(out_k * r_k)
    gin/<k>     input gradients;  param/<k>  parameters (state_dict keys);  pgrad/<k>  their
                gradients.  ``nograd`` marks a case whose PyTorch values hold NaN (fully
                masked rows of MultiheadAttention): only the finite outputs are compared.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "rnn_reference.npz"
rng = np.random.default_rng(20261126)
torch.manual_seed(20261126)
f64 = torch.float64
cases: dict[str, dict] = {}


def u(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


def T(a, grad=False):
    t = torch.tensor(np.asarray(a))
    return t.requires_grad_(grad) if grad else t


def record(cid, kind, name, kwargs, call, inputs, grad, outputs, module=None, nograd=False):
    """Store one case: ``outputs`` (name -> torch tensor) are reduced with fixed projections."""
    c = dict(kind=kind, name=name, kwargs=json.dumps(kwargs), call=json.dumps(call),
             grad=json.dumps(grad))
    for k, v in inputs.items():
        c[f"in/{k}"] = v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)
    loss = 0
    for k, o in outputs.items():
        r = u(*o.shape)
        c[f"out/{k}"] = o.detach().numpy()
        c[f"r/{k}"] = r
        loss = loss + (o * T(r)).sum()
    if module is not None:
        for k, p in module.state_dict().items():
            c[f"param/{k}"] = p.detach().numpy()
    if not nograd:
        loss.backward()
        for k in grad:
            c[f"gin/{k}"] = inputs[k].grad.numpy()
        if module is not None:
            for k, p in module.named_parameters():
                c[f"pgrad/{k}"] = p.grad.numpy()
    else:
        c["nograd"] = np.asarray(True)
    cases[cid] = c


# ------------------------------------------------------------------ recurrent layers
I, H, Tn, B = 3, 4, 4, 3
RNN_KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [  # (id, kwargs, with initial states, packed, unbatched)
    ("l1", {}, False, False, False),
    ("l1_hx", {}, True, False, False),
    ("l2_bf_hx", {"num_layers": 2, "batch_first": True}, True, False, False),
    ("l2_bi", {"num_layers": 2, "bidirectional": True}, False, False, False),
    ("l1_bi_bf_hx", {"bidirectional": True, "batch_first": True}, True, False, False),
    ("l2_bi_packed_hx", {"num_layers": 2, "bidirectional": True, "batch_first": True}, True, True, False),
    ("l1_packed", {}, False, True, False),
    ("l2_unbatched_hx", {"num_layers": 2, "bidirectional": True}, True, False, True),
    ("l1_nobias", {"bias": False}, True, False, False),
]
LENGTHS = [2, 4, 3]  # unsorted: the packed cases use enforce_sorted=False


def rnn_case(cid, name, kw, with_hx, packed, unbatched):
    m = getattr(torch.nn, name)(I, H, dtype=f64, **kw)
    bf = kw.get("batch_first", False)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    Hout = kw.get("proj_size", 0) or H
    if unbatched:
        x = T(u(Tn, I), True)
    else:
        x = T(u(B, Tn, I) if bf else u(Tn, B, I), True)
    inputs, grad = {"x": x}, ["x"]
    hx = None
    lead = (L * D,) if unbatched else (L * D, B)
    if with_hx:
        inputs["h0"] = T(u(*lead, Hout), True)
        grad.append("h0")
        hx = inputs["h0"]
        if name == "LSTM":
            inputs["c0"] = T(u(*lead, H), True)
            grad.append("c0")
            hx = (inputs["h0"], inputs["c0"])
    call = {"packed": packed}
    if packed:
        call["lengths"] = LENGTHS
        xin = torch.nn.utils.rnn.pack_padded_sequence(x, LENGTHS, batch_first=bf, enforce_sorted=False)
    else:
        xin = x
    out, st = m(xin, hx)
    if packed:
        out = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=bf)[0]
    outs = {"out": out}
    if name == "LSTM":
        outs["h_n"], outs["c_n"] = st
    else:
        outs["h_n"] = st
    record(cid, "rnn", name, {"input_size": I, "hidden_size": H, **kw}, call, inputs, grad, outs, m)


for name, extra in RNN_KINDS:
    tag = name.lower() + ("_relu" if extra else "")
    for cfg, kw, with_hx, packed, unbatched in CONFIGS:
        rnn_case(f"{tag}_{cfg}", name, {**extra, **kw}, with_hx, packed, unbatched)
rnn_case("lstm_proj_l2_bi_hx", "LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2},
         True, False, False)
rnn_case("lstm_proj_packed_hx", "LSTM", {"num_layers": 2, "proj_size": 3, "batch_first": True},
         True, True, False)
rnn_case("lstm_proj_l1", "LSTM", {"proj_size": 2}, False, False, False)

# ------------------------------------------------------------------------- cells
for name, extra in [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}),
                    ("GRUCell", {})]:
    for variant in ("hx", "nohx", "unbatched"):
        m = getattr(torch.nn, name)(I, H, dtype=f64, **extra)
        x = T(u(2, I) if variant == "unbatched" else u(2, B, I), True)  # two steps
        inputs, grad = {"x": x}, ["x"]
        sh = (H,) if variant == "unbatched" else (B, H)
        state = None
        if variant != "nohx":
            inputs["h0"] = T(u(*sh), True)
            grad.append("h0")
            state = inputs["h0"]
            if name == "LSTMCell":
                inputs["c0"] = T(u(*sh), True)
                grad.append("c0")
                state = (inputs["h0"], inputs["c0"])
        hs = []
        for t in range(2):
            state = m(x[t], state)
            hs.append(state[0] if name == "LSTMCell" else state)
        outs = {"h": torch.stack(hs)}
        if name == "LSTMCell":
            outs["c"] = state[1]
        tag = name.lower() + ("_relu" if extra else "")
        record(f"{tag}_{variant}", "cell", name, {"input_size": I, "hidden_size": H, **extra}, {},
               inputs, grad, outs, m)

# ----------------------------------------------------- scaled_dot_product_attention
q, k, v = u(2, 2, 3, 4), u(2, 2, 5, 4), u(2, 2, 5, 6)
bool_mask = rng.uniform(size=(3, 5)) > 0.4
bool_mask[1] = False  # a fully masked row: PyTorch's function gives 0 there
bool_mask[0, 0] = True
SDPA = [("plain", {}, None), ("causal", {"is_causal": True}, None),
        ("bool_mask", {}, bool_mask), ("float_mask", {}, u(2, 1, 3, 5, lo=-2, hi=2)),
        ("scale", {"scale": 0.3}, None), ("causal_square", {"is_causal": True}, "square")]
for sid, kw, mask in SDPA:
    if isinstance(mask, str):
        qq, kk, vv = T(u(2, 3, 4), True), T(u(2, 3, 4), True), T(u(2, 3, 5), True)
        mask = None
    else:
        qq, kk, vv = T(q, True), T(k, True), T(v, True)
    inputs = {"q": qq, "k": kk, "v": vv}
    if mask is not None:
        inputs["mask"] = T(mask)
    out = F.scaled_dot_product_attention(qq, kk, vv, attn_mask=inputs.get("mask"), **kw)
    record(f"sdpa_{sid}", "sdpa", "scaled_dot_product_attention", kw, {}, inputs,
           ["q", "k", "v"], {"out": out})

# ------------------------------------------------------------- MultiheadAttention
E, NH, L_, S_ = 8, 2, 4, 5


def mha_case(cid, kw, *, self_attn=False, unbatched=False, kpm=None, attn=None, need_weights=True,
             average=True, nograd=False):
    m = torch.nn.MultiheadAttention(E, NH, dtype=f64, **kw)
    bf = kw.get("batch_first", False)

    def shp(n, e):
        if unbatched:
            return (n, e)
        return (B, n, e) if bf else (n, B, e)
    q = T(u(*shp(L_, E)), True)
    inputs, grad = {"q": q}, ["q"]
    if self_attn:
        kk = vv = q
        S = L_
    else:
        kk = T(u(*shp(S_, kw.get("kdim", E))), True)
        vv = T(u(*shp(S_, kw.get("vdim", E))), True)
        inputs.update(k=kk, v=vv)
        grad += ["k", "v"]
        S = S_
    call = {"self_attn": self_attn, "need_weights": need_weights, "average": average}
    if kpm is not None:
        inputs["kpm"] = T(kpm(S))
    if attn is not None:
        inputs["attn"] = T(attn(S))
    out, w = m(q, kk, vv, key_padding_mask=inputs.get("kpm"), attn_mask=inputs.get("attn"),
               need_weights=need_weights, average_attn_weights=average)
    outs = {"out": out}
    if need_weights:
        outs["w"] = w
    record(cid, "mha", "MultiheadAttention", {"embed_dim": E, "num_heads": NH, **kw}, call, inputs,
           grad, outs, m, nograd=nograd)


def kpm_some(S):
    m = np.zeros((B, S), bool)
    m[0, -2:] = True
    m[2, 0] = True
    return m


mha_case("mha_self", {}, self_attn=True)
mha_case("mha_self_bf_kpm", {"batch_first": True}, self_attn=True, kpm=kpm_some)
mha_case("mha_cross_masks", {}, kpm=kpm_some,
         attn=lambda S: (rng.uniform(size=(L_, S)) > 0.75) & ~np.eye(L_, S, dtype=bool))
mha_case("mha_float3d_perhead", {"batch_first": True},
         attn=lambda S: u(B * NH, L_, S, lo=-2, hi=2), average=False)
mha_case("mha_kvdim", {"kdim": 3, "vdim": 5, "batch_first": True}, kpm=kpm_some)
mha_case("mha_bias_kv_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, kpm=kpm_some)
mha_case("mha_unbatched", {}, attn=lambda S: np.triu(np.ones((L_, S), bool), 1))
mha_case("mha_noweights_nobias", {"bias": False}, need_weights=False, self_attn=True)
mha_case("mha_fully_masked", {"batch_first": True}, self_attn=True, nograd=True,
         kpm=lambda S: np.stack([np.zeros(S, bool), np.ones(S, bool), np.zeros(S, bool)]))

# ---------------------------------------------------------------- Transformer encoder
for nf in (False, True):
    for act in ("relu", "gelu"):
        kw = {"d_model": E, "nhead": NH, "dim_feedforward": 12, "dropout": 0.0, "activation": act,
              "norm_first": nf, "batch_first": True}
        layer = torch.nn.TransformerEncoderLayer(dtype=f64, **kw)
        x = T(u(B, 5, E), True)
        kpm = np.zeros((B, 5), bool)
        kpm[1, 3:] = True
        causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=f64)
        inputs = {"x": x, "mask": causal, "kpm": T(kpm)}
        out = layer(x, src_mask=causal, src_key_padding_mask=inputs["kpm"])
        record(f"enclayer_{'pre' if nf else 'post'}_{act}", "enc", "TransformerEncoderLayer", kw,
               {"num_layers": 0}, inputs, ["x"], {"out": out}, layer)
kw = {"d_model": E, "nhead": NH, "dim_feedforward": 12, "dropout": 0.0}
enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(dtype=f64, **kw), 2,
                                  norm=torch.nn.LayerNorm(E, dtype=f64), enable_nested_tensor=False)
x = T(u(5, B, E), True)
out = enc(x, mask=T(np.triu(np.ones((5, 5), bool), 1)))
record("encoder_2layers_norm", "enc", "TransformerEncoder", kw, {"num_layers": 2, "norm": True},
       {"x": x, "mask": T(np.triu(np.ones((5, 5), bool), 1))}, ["x"], {"out": out}, enc)

flat = {}
for cid, c in cases.items():
    for key, val in c.items():
        flat[f"{cid}/{key}"] = np.asarray(val)
OUT.parent.mkdir(parents=True, exist_ok=True)
np.savez_compressed(OUT, **flat)
print(f"wrote {len(cases)} cases, {OUT.stat().st_size // 1024} KiB, to {OUT}")
