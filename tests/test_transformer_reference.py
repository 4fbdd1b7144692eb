"""The Transformer decoder, ``nn.Transformer`` and attention extras against PyTorch (float64
values from ``tests/reference/gen_transformer_reference.py`` in
``tests/fixtures/transformer_reference.npz``), and their argument errors.

Each case loads PyTorch's ``state_dict`` (its keys must be the same, in the same order) and
compares the outputs and the gradients of every input and parameter.
"""
import json
import pathlib
import re

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "transformer_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]


def _t(a, grad=False):
    a = np.asarray(a)
    dt = {"f": "float64", "b": "bool"}.get(a.dtype.kind, "int64")
    return pn.tensor(a, dtype=dt, requires_grad=grad)


def _build(name, kw):
    if name in ("scaled_dot_product_attention", "multi_head_attention_forward"):
        return getattr(F, name)
    if kw.get("activation") == "F.gelu":
        kw = {**kw, "activation": F.gelu}
    if name == "TransformerDecoder":
        layer = pn.nn.TransformerDecoderLayer(**kw, dtype="float64")
        return pn.nn.TransformerDecoder(layer, 2, norm=pn.nn.LayerNorm(kw["d_model"], dtype="float64"))
    return getattr(pn.nn, name)(**kw, dtype="float64")


@pytest.mark.heavy(reason="XLA compiles every op of a whole Transformer: 8-80 s a case on jax "
                          "(all pass there with --portanet-heavy)")
@pytest.mark.parametrize("cid", sorted(REF))
def test_against_pytorch(backend, cid):
    c = REF[cid]
    name, kw = str(c["name"]), json.loads(str(c["kwargs"]))
    call, grad = json.loads(str(c["call"])), json.loads(str(c["grad"]))
    ins = {k[3:]: _t(v, k[3:] in grad) for k, v in c.items() if k.startswith("in/")}
    m = _build(name, kw)
    params = {k[6:]: v for k, v in c.items() if k.startswith("param/")}
    if params:
        assert list(m.state_dict()) == list(params), "state_dict keys differ from PyTorch's"
        m.load_state_dict({k: _t(v) for k, v in params.items()})
    args = call.pop("args")
    out = m(**{a: ins[n] for a, n in args.items()}, **call)
    outs = {"out": out} if isinstance(out, pn.Tensor) else {
        k: o for k, o in zip(("out", "w"), out) if o is not None}
    assert sorted(outs) == sorted(k[4:] for k in c if k.startswith("out/"))
    loss = 0
    for k, o in outs.items():
        pn.testing.assert_close(o, c[f"out/{k}"], rtol=1e-10, atol=1e-12)
        loss = loss + (o * _t(c[f"r/{k}"])).sum()
    loss.backward()
    for k in grad:
        pn.testing.assert_close(ins[k].grad, c[f"gin/{k}"], rtol=1e-10, atol=1e-12)
    if params:
        for k, p in m.named_parameters():
            pn.testing.assert_close(p.grad, c[f"pgrad/{k}"], rtol=1e-10, atol=1e-12)


def test_square_subsequent_mask(backend):
    m = pn.nn.Transformer.generate_square_subsequent_mask(3)
    assert m.dtype == pn.get_default_dtype() and m.shape == (3, 3)
    inf = float("inf")
    pn.testing.assert_close(m, [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]])
    m64 = pn.nn.Transformer.generate_square_subsequent_mask(2, device="cpu", dtype=pn.float64)
    assert m64.dtype == pn.float64 and m64.device.type == "cpu"


@pytest.mark.heavy(reason="two whole Transformers: 40 s on jax")
def test_transformer_defaults_and_custom_parts(backend):
    t = pn.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                          dim_feedforward=8)
    assert (t.d_model, t.nhead, t.batch_first) == (8, 2, False)
    assert t.encoder.norm is not None and t.decoder.layers[0].dropout.p == 0.1
    dec_layer = pn.nn.TransformerDecoderLayer(8, 2, dim_feedforward=8, dropout=0.0)
    t2 = pn.nn.Transformer(8, 2, custom_encoder=_Enc(), custom_decoder=pn.nn.TransformerDecoder(
        dec_layer, 1))
    assert not any(k.startswith("encoder.") for k in t2.state_dict())
    out = t2(pn.randn(4, 2, 8), pn.randn(3, 2, 8))
    assert out.shape == (3, 2, 8)


class _Enc(pn.nn.Module):
    """A custom encoder takes the arguments nn.Transformer passes to its encoder."""

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        return src


def _raises(exc, pattern, fn, *a, **k):
    with pytest.raises(exc, match=pattern):
        fn(*a, **k)


def test_bad_arguments():
    """Checks on arguments and shapes (host metadata: the same on every backend)."""
    lab = re.escape("Transformer(d_model=8, nhead=2)")
    t = pn.nn.Transformer(8, 2, 1, 1, dim_feedforward=8)
    _raises(RuntimeError, lab + r": the batch number of src and tgt must be equal, got src "
            r"\(4, 2, 8\) and tgt \(3, 3, 8\) \(batch_first=False\)", t, pn.randn(4, 2, 8),
            pn.randn(3, 3, 8))
    _raises(RuntimeError, lab + r": the feature number of src and tgt must be equal to "
            r"d_model=8, got src \(4, 2, 8\) and tgt \(3, 2, 6\)", t, pn.randn(4, 2, 8),
            pn.randn(3, 2, 6))
    _raises(RuntimeError, lab + r": src and tgt must both be 3-D \(batched\) or 2-D "
            r"\(unbatched\), got src \(4, 8\) and tgt \(3, 2, 8\)", t, pn.randn(4, 8), pn.randn(3, 2, 8))
    _raises(ValueError, r"Transformer: num_layers must be a positive integer, got 0",
            pn.nn.Transformer, 8, 2, 0)
    _raises(ValueError, r"TransformerDecoder: num_layers must be a positive integer, got 1.5",
            pn.nn.TransformerDecoder, pn.nn.TransformerDecoderLayer(8, 2, 8), 1.5)
    _raises(ValueError, r"TransformerDecoderLayer: dim_feedforward must be a positive integer, "
            r"got 0", pn.nn.TransformerDecoderLayer, 8, 2, 0)
    _raises(ValueError, r"TransformerDecoderLayer: dropout .* but got 1.5",
            pn.nn.TransformerDecoderLayer, 8, 2, 8, 1.5)
    _raises(RuntimeError, "activation should be relu/gelu, not tanh",
            pn.nn.TransformerDecoderLayer, 8, 2, 8, activation="tanh")
    _raises(ValueError, r"generate_square_subsequent_mask: sz must be a non-negative integer, "
            r"got -1", pn.nn.Transformer.generate_square_subsequent_mask, -1)
    layer = pn.nn.TransformerDecoderLayer(8, 2, 8, dropout=0.0)
    _raises(RuntimeError, r"MultiheadAttention\(embed_dim=8, num_heads=2\): Need attn_mask if "
            r"specifying the is_causal hint", layer, pn.randn(3, 2, 8), pn.randn(4, 2, 8),
            tgt_is_causal=True)
    _raises(ValueError, r"MultiheadAttention\(embed_dim=8, num_heads=2\): The shape of the 2D "
            r"attn_mask is \(3, 3\), but should be \(3, 4\)", layer, pn.randn(3, 2, 8),
            pn.randn(4, 2, 8), memory_mask=pn.zeros(3, 3))


def test_functional_mha_bad_arguments(backend):
    who = "multi_head_attention_forward"
    x = pn.zeros(3, 2, 8)
    w, b, ow = pn.zeros(24, 8), pn.zeros(24), pn.zeros(8, 8)
    f = F.multi_head_attention_forward
    _raises(ValueError, who + ": use_separate_proj_weight is False but in_proj_weight is None",
            f, x, x, x, 8, 2, None, b, None, None, False, 0.0, ow, None)
    _raises(ValueError, who + ": use_separate_proj_weight is True but q_proj_weight, "
            "k_proj_weight or v_proj_weight is None", f, x, x, x, 8, 2, None, b, None, None,
            False, 0.0, ow, None, use_separate_proj_weight=True, q_proj_weight=ow)
    _raises(ValueError, who + r": expecting static_k of shape \(4, S, 4\), got \(2, 3, 4\)",
            f, x, x, x, 8, 2, w, b, None, None, False, 0.0, ow, None, static_k=pn.zeros(2, 3, 4))
    _raises(ValueError, who + ": bias_k/bias_v cannot be added to static_k/static_v",
            f, x, x, x, 8, 2, w, b, pn.zeros(1, 1, 8), pn.zeros(1, 1, 8), False, 0.0, ow, None,
            static_k=pn.zeros(4, 3, 4))
    _raises(ValueError, who + ": embed_dim must be divisible by num_heads, got embed_dim=8 and "
            "num_heads=3", f, x, x, x, 8, 3, w, b, None, None, False, 0.0, ow, None)
    _raises(ValueError, who + ": was expecting embedding dimension of 8 for query, but got 6",
            f, pn.zeros(3, 2, 6), x, x, 8, 2, w, b, None, None, False, 0.0, ow, None)
    _raises(TypeError, who + ": key must be a pn.Tensor, got list", f, x, [1.0], x, 8, 2, w, b,
            None, None, False, 0.0, ow, None)


def test_transformer_step_reads_nothing(host_syncs):
    """A training step of nn.Transformer with every kind of mask (dropout on) reads nothing
    back from the device."""
    model = pn.nn.Transformer(8, 2, 1, 1, dim_feedforward=8, dropout=0.1, batch_first=True)
    opt = pn.optim.SGD(model.parameters(), lr=0.1)
    src, tgt = pn.randn(2, 4, 8), pn.randn(2, 3, 8)
    tgt_mask = pn.nn.Transformer.generate_square_subsequent_mask(3)
    kpm = pn.tensor(np.array([[False] * 4, [False, False, True, True]]))

    def step():
        opt.zero_grad()
        out = model(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=kpm,
                    memory_key_padding_mask=kpm, tgt_is_causal=True)
        loss = (out * out).mean()
        loss.backward()
        opt.step()
        return loss

    step()
    with host_syncs() as syncs:
        loss = step()
    syncs.assert_at_most(0, "an nn.Transformer training step")
    assert np.isfinite(pn.to_numpy(loss))


def test_mask_dtype_errors(backend):
    x = pn.zeros(3, 2, 8)
    mha = pn.nn.MultiheadAttention(8, 2)
    lab = r"MultiheadAttention\(embed_dim=8, num_heads=2\)"
    _raises(TypeError, lab + ": a mask must be bool or of the query's float dtype float32, got "
            "int64", mha, x, x, x, attn_mask=pn.zeros(3, 3, dtype=pn.int64))
    _raises(TypeError, lab + ": a mask must be bool or of the query's float dtype float32, got "
            "float64", mha, x, x, x, key_padding_mask=pn.zeros(2, 3, dtype=pn.float64))
    _raises(ValueError, "scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True", F.scaled_dot_product_attention, x, x, x, attn_mask=pn.zeros(2, 2),
            is_causal=True)
