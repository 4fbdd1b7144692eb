"""Reference values for the Transformer decoder, ``nn.Transformer`` and the attention cases
``gen_rnn_reference.py`` leaves out, computed by PyTorch in float64.

Writes ``tests/fixtures/transformer_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_transformer_reference.py``, so the default suite needs no PyTorch):

    python tests/reference/gen_transformer_reference.py

Layout: one group of keys per case ``<case>/...``:
    name        PyTorch's class or function name (portanet uses the same)
    kwargs      JSON: constructor kwargs (call kwargs for functions); ``"activation":
                "F.gelu"`` stands for the callable ``F.gelu``
    call        JSON: the keyword arguments of the call that are not tensors, and which
                call argument each input tensor is (``args``: {argument: input name})
    in/<k>      inputs;  ``grad`` = JSON list of inputs with gradients
    out/<k>     outputs;  r/<k>  fixed projections: gradients are of sum_k sum(out_k * r_k)
    gin/<k>     input gradients;  param/<k>  the state_dict;  pgrad/<k>  parameter gradients
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "transformer_reference.npz"
rng = np.random.default_rng(20261127)
torch.manual_seed(20261127)
f64 = torch.float64
cases: dict[str, dict] = {}
E, NH, B, S, T, FF = 8, 2, 2, 4, 3, 12


def u(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


def record(cid, name, kwargs, fn, inputs, grad, args, call=None, module=None):
    """Run ``fn(**{arg: inputs[name]}, **call)`` and store the case."""
    call = call or {}
    ts = {k: torch.tensor(np.asarray(v)).requires_grad_(k in grad) for k, v in inputs.items()}
    out = fn(**{a: ts[n] for a, n in args.items()}, **call)
    outs = {"out": out} if isinstance(out, torch.Tensor) else {
        k: o for k, o in zip(("out", "w"), out) if o is not None}
    c = dict(name=name, kwargs=json.dumps(kwargs), call=json.dumps({**call, "args": args}),
             grad=json.dumps(grad))
    for k, v in inputs.items():
        c[f"in/{k}"] = np.asarray(v)
    loss = 0
    for k, o in outs.items():
        r = u(*o.shape)
        c[f"out/{k}"], c[f"r/{k}"] = o.detach().numpy(), r
        loss = loss + (o * torch.tensor(r)).sum()
    loss.backward()
    for k in grad:
        c[f"gin/{k}"] = ts[k].grad.numpy()
    if module is not None:
        for k, p in module.state_dict().items():
            c[f"param/{k}"] = p.detach().numpy()
        for k, p in module.named_parameters():
            c[f"pgrad/{k}"] = p.grad.numpy()
    cases[cid] = c


def causal(n):
    return torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64).numpy()


def kpm(n, pad):
    m = np.zeros((B, n), bool)
    m[1, n - pad:] = True
    return m


def fkpm(n):
    m = u(B, n, lo=-2, hi=0)
    m[0, -1] = -np.inf
    return m


def act(kw):
    return {**kw, "activation": F.gelu} if kw.get("activation") == "F.gelu" else kw


# ------------------------------------------------------------ TransformerDecoderLayer
base = {"d_model": E, "nhead": NH, "dim_feedforward": FF, "dropout": 0.0}
kw = {**base, "batch_first": True}
m = torch.nn.TransformerDecoderLayer(dtype=f64, **kw)
record("declayer_post_relu_masks", "TransformerDecoderLayer", kw, m,
       {"tgt": u(B, T, E), "memory": u(B, S, E), "tgt_mask": causal(T),
        "memory_mask": (u(T, S) > 0.6) & ~np.eye(T, S, dtype=bool), "tgt_kpm": kpm(T, 1),
        "mem_kpm": fkpm(S)},
       ["tgt", "memory"], {"tgt": "tgt", "memory": "memory", "tgt_mask": "tgt_mask",
                           "memory_mask": "memory_mask", "tgt_key_padding_mask": "tgt_kpm",
                           "memory_key_padding_mask": "mem_kpm"},
       {"tgt_is_causal": True}, module=m)
kw = {**base, "norm_first": True, "activation": "gelu"}
m = torch.nn.TransformerDecoderLayer(dtype=f64, **kw)
record("declayer_pre_gelu_3dmask", "TransformerDecoderLayer", kw, m,
       {"tgt": u(T, B, E), "memory": u(S, B, E), "memory_mask": u(B * NH, T, S, lo=-2, hi=2)},
       ["tgt", "memory"], {"tgt": "tgt", "memory": "memory", "memory_mask": "memory_mask"},
       module=m)
kw = {**base, "bias": False, "activation": "F.gelu", "layer_norm_eps": 1e-3}
m = torch.nn.TransformerDecoderLayer(dtype=f64, **act(kw))
record("declayer_unbatched_nobias_callable", "TransformerDecoderLayer", kw, m,
       {"tgt": u(T, E), "memory": u(S, E), "tgt_mask": np.triu(np.ones((T, T), bool), 1)},
       ["tgt", "memory"], {"tgt": "tgt", "memory": "memory", "tgt_mask": "tgt_mask"}, module=m)

# ------------------------------------------------------------------ TransformerDecoder
kw = dict(base)
m = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(dtype=f64, **kw), 2,
                                norm=torch.nn.LayerNorm(E, dtype=f64))
record("decoder_2layers_norm", "TransformerDecoder", kw, m,
       {"tgt": u(T, B, E), "memory": u(S, B, E), "tgt_mask": np.triu(np.ones((T, T), bool), 1),
        "mem_kpm": kpm(S, 2)},
       ["tgt", "memory"], {"tgt": "tgt", "memory": "memory", "tgt_mask": "tgt_mask",
                           "memory_key_padding_mask": "mem_kpm"}, module=m)

# ------------------------------------------------------------------------ Transformer
kw = {**base, "num_encoder_layers": 1, "num_decoder_layers": 2, "batch_first": True}
m = torch.nn.Transformer(dtype=f64, **kw)
record("transformer_bf_all_masks", "Transformer", kw, m,
       {"src": u(B, S, E), "tgt": u(B, T, E), "src_mask": u(S, S, lo=-1, hi=1),
        "tgt_mask": causal(T), "memory_mask": np.zeros((T, S), bool), "src_kpm": kpm(S, 1),
        "tgt_kpm": kpm(T, 1), "mem_kpm": kpm(S, 1)},
       ["src", "tgt"], {"src": "src", "tgt": "tgt", "src_mask": "src_mask", "tgt_mask": "tgt_mask",
                        "memory_mask": "memory_mask", "src_key_padding_mask": "src_kpm",
                        "tgt_key_padding_mask": "tgt_kpm", "memory_key_padding_mask": "mem_kpm"},
       {"tgt_is_causal": True}, module=m)
kw = {**base, "num_encoder_layers": 1, "num_decoder_layers": 1, "norm_first": True,
      "activation": "gelu"}
m = torch.nn.Transformer(dtype=f64, **kw)
record("transformer_unbatched_prenorm", "Transformer", kw, m,
       {"src": u(S, E), "tgt": u(T, E), "tgt_mask": causal(T)},
       ["src", "tgt"], {"src": "src", "tgt": "tgt", "tgt_mask": "tgt_mask"}, module=m)

# ---------------------------------------------- MultiheadAttention cases not in gen_rnn
kw = {"embed_dim": E, "num_heads": NH, "batch_first": True}
m = torch.nn.MultiheadAttention(dtype=f64, **kw)
x = u(B, T, E)
record("mha_causal_hint_float_kpm", "MultiheadAttention", kw, m,
       {"q": x, "attn": causal(T), "kpm": fkpm(T)}, ["q"],
       {"query": "q", "key": "q", "value": "q", "attn_mask": "attn", "key_padding_mask": "kpm"},
       {"is_causal": True, "need_weights": False}, module=m)
m = torch.nn.MultiheadAttention(dtype=f64, **kw)
record("mha_causal_hint_fast_path", "MultiheadAttention", kw, m,
       {"q": u(B, T, E), "attn": np.triu(np.ones((T, T), bool), 1)}, ["q"],
       {"query": "q", "key": "q", "value": "q", "attn_mask": "attn"},
       {"is_causal": True, "need_weights": False}, module=m)

# ------------------------------------------------- scaled_dot_product_attention extras
record("sdpa_gqa_bool4d", "scaled_dot_product_attention", {}, F.scaled_dot_product_attention,
       {"q": u(2, 4, 3, 4), "k": u(2, 2, 5, 4), "v": u(2, 2, 5, 3),
        "mask": u(2, 1, 3, 5) > -0.5}, ["q", "k", "v"],
       {"query": "q", "key": "k", "value": "v", "attn_mask": "mask"}, {"enable_gqa": True})
record("sdpa_causal_rect_scale", "scaled_dot_product_attention", {}, F.scaled_dot_product_attention,
       {"q": u(2, 5, 4), "k": u(2, 3, 4), "v": u(2, 3, 2)}, ["q", "k", "v"],
       {"query": "q", "key": "k", "value": "v"}, {"is_causal": True, "scale": 0.7})

# ---------------------------------------------------- F.multi_head_attention_forward
# separate projections (kdim 3, vdim 5), bias_k/bias_v, a zero key, per-head weights;
# training=False turns the dropout off
record("mhaf_separate_biaskv_eval", "multi_head_attention_forward", {},
       F.multi_head_attention_forward,
       {"q": u(T, B, E), "k": u(S, B, 3), "v": u(S, B, 5), "wq": u(E, E), "wk": u(E, 3),
        "wv": u(E, 5), "b": u(3 * E), "bk": u(1, 1, E), "bv": u(1, 1, E), "ow": u(E, E),
        "ob": u(E), "kpm": kpm(S, 2)},
       ["q", "k", "v", "wq", "wk", "wv", "b", "bk", "bv", "ow", "ob"],
       {"query": "q", "key": "k", "value": "v", "in_proj_bias": "b", "bias_k": "bk",
        "bias_v": "bv", "out_proj_weight": "ow", "out_proj_bias": "ob", "q_proj_weight": "wq",
        "k_proj_weight": "wk", "v_proj_weight": "wv", "key_padding_mask": "kpm"},
       {"embed_dim_to_check": E, "num_heads": NH, "in_proj_weight": None, "add_zero_attn": True,
        "dropout_p": 0.5, "training": False, "use_separate_proj_weight": True,
        "average_attn_weights": False})
# packed in_proj, self-attention, static keys and values, a float mask
x = u(T, B, E)
record("mhaf_static_kv", "multi_head_attention_forward", {}, F.multi_head_attention_forward,
       {"q": x, "w": u(3 * E, E), "b": u(3 * E), "ow": u(E, E), "sk": u(B * NH, T, E // NH),
        "sv": u(B * NH, T, E // NH), "attn": u(T, T, lo=-2, hi=2)},
       ["q", "w", "b", "ow", "sk", "sv"],
       {"query": "q", "key": "q", "value": "q", "in_proj_weight": "w", "in_proj_bias": "b",
        "out_proj_weight": "ow", "static_k": "sk", "static_v": "sv", "attn_mask": "attn"},
       {"embed_dim_to_check": E, "num_heads": NH, "bias_k": None, "bias_v": None,
        "add_zero_attn": False, "dropout_p": 0.0, "out_proj_bias": None})

flat = {f"{cid}/{k}": np.asarray(v) for cid, c in cases.items() for k, v in c.items()}
OUT.parent.mkdir(parents=True, exist_ok=True)
np.savez_compressed(OUT, **flat)
print(f"wrote {len(cases)} cases, {OUT.stat().st_size // 1024} KiB, to {OUT}")
