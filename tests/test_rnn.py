"""Recurrent layers and attention: gradchecks, packed-sequence semantics, fusion, bad input.

Values against PyTorch are in ``test_rnn_reference.py``; here the checks are independent
of PyTorch (finite differences, properties, error messages).
"""
import math

import array_api_compat
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                   pad_packed_sequence, pad_sequence, unpack_sequence)
from portanet.testing import gradcheck

rng = np.random.default_rng(7)


def f64(*shape, grad=True, scale=1.0):
    return pn.tensor(rng.uniform(-scale, scale, shape), dtype="float64", requires_grad=grad)


def _sum_all(outs):
    total = 0
    for o in outs:
        total = total + (o * o).sum() if o is not None else total
    return total


# ------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("name", ["RNNCell", "RNNCell-relu", "LSTMCell", "GRUCell"])
def test_cell_gradcheck(backend, name):
    kw = {"nonlinearity": "relu"} if name.endswith("relu") else {}
    cell = getattr(pn.nn, name.split("-")[0])(3, 2, dtype="float64", **kw)
    x, h = f64(2, 3), f64(2, 2)
    if name == "LSTMCell":
        c = f64(2, 2)
        fn = lambda x, h, c, *p: _sum_all(cell(x, (h, c)))  # noqa: E731
        assert gradcheck(fn, [x, h, c] + list(cell.parameters()))
    else:
        assert gradcheck(lambda x, h, *p: cell(x, h), [x, h] + list(cell.parameters()))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_fused_layer_gradcheck(backend, name):
    """Packed with unequal lengths, initial states, every input and weight: bidirectional
    for RNN and GRU, with a projection for LSTM (kept small: strict arrays are slow)."""
    lstm = name == "LSTM"
    kw = {"proj_size": 1} if lstm else {"bidirectional": True}
    m = getattr(pn.nn, name)(2, 2, batch_first=True, dtype="float64", **kw)
    D = 1 if lstm else 2
    x = f64(2, 3, 2)
    ins = [x, f64(D, 2, 1 if lstm else 2)]
    if lstm:
        ins.append(f64(1, 2, 2))

    def fn(x, h0, *rest):
        hx = (h0, rest[0]) if lstm else h0
        out, st = m(pack_padded_sequence(x, [1, 3], batch_first=True, enforce_sorted=False), hx)
        y = pad_packed_sequence(out, batch_first=True)[0]
        return _sum_all([y] + (list(st) if lstm else [st]))
    assert gradcheck(fn, ins + list(m.parameters()))


def test_two_layer_lstm_gradcheck(backend):
    m = pn.nn.LSTM(2, 1, num_layers=2, dtype="float64")
    x = f64(3, 2, 2)

    def fn(x, *p):
        out, (h, c) = m(x)
        return _sum_all([out, h, c])
    assert gradcheck(fn, [x] + list(m.parameters()))


def test_attention_gradcheck(backend):
    q, k, v = f64(1, 2, 3, 2), f64(1, 2, 4, 2), f64(1, 2, 4, 3)
    mask = f64(3, 4)  # a float mask is added to the scores and gets a gradient too
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                     [q, k, v, mask])
    mha = pn.nn.MultiheadAttention(4, 2, dtype="float64", batch_first=True)
    x = f64(2, 3, 4)
    kpm = pn.tensor([[False, False, True], [False, False, False]])
    assert gradcheck(lambda x, *p: _sum_all(mha(x, x, x, key_padding_mask=kpm)),
                     [x] + list(mha.parameters()))


# ------------------------------------------------------------ packed sequences
def test_padding_changes_neither_outputs_nor_gradients(backend):
    """Garbage in the padded steps: same outputs, same weight gradients, zero input gradient."""
    lengths = [4, 1, 3]
    base = rng.uniform(-1, 1, (3, 4, 2))
    pad = base.copy()
    for b, n in enumerate(lengths):
        pad[b, n:] = 1e3 * rng.uniform(-1, 1, pad[b, n:].shape)
    m = pn.nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True, dtype="float64")
    results = []
    for data in (base, pad):
        x = pn.tensor(data, dtype="float64", requires_grad=True)
        out, h = m(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        y, lens = pad_packed_sequence(out, batch_first=True)
        m.zero_grad()
        ((y * y).sum() + (h * h).sum()).backward()
        results.append((pn.to_numpy(y), pn.to_numpy(h), pn.to_numpy(x.grad),
                        [pn.to_numpy(p.grad) for p in m.parameters()]))
        assert pn.to_numpy(lens).tolist() == lengths
    (y0, h0, g0, p0), (y1, h1, g1, p1) = results
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_array_equal(h0, h1)
    np.testing.assert_array_equal(g0, g1)
    for a, b in zip(p0, p1):
        np.testing.assert_array_equal(a, b)
    for b, n in enumerate(lengths):
        assert not g1[b, n:].any() and not y1[b, n:].any()


def test_final_state_is_state_at_last_valid_step(backend):
    """Each sequence run alone gives the packed batch's output rows and h_n, c_n."""
    lengths = [2, 5, 3]
    lstm = pn.nn.LSTM(2, 3, bidirectional=True, dtype="float64")
    seqs = [f64(n, 2, grad=False) for n in lengths]
    out, (h, c) = lstm(pack_sequence(seqs, enforce_sorted=False))
    y, _ = pad_packed_sequence(out)
    for b, s in enumerate(seqs):
        yb, (hb, cb) = lstm(s)  # unbatched input
        np.testing.assert_allclose(pn.to_numpy(y)[:lengths[b], b], pn.to_numpy(yb), rtol=1e-12)
        np.testing.assert_allclose(pn.to_numpy(h)[:, b], pn.to_numpy(hb), rtol=1e-12)
        np.testing.assert_allclose(pn.to_numpy(c)[:, b], pn.to_numpy(cb), rtol=1e-12)


def test_packed_sequence_api(backend):
    seqs = [pn.tensor([[1.0], [2.0], [3.0]]), pn.tensor([[4.0]]), pn.tensor([[5.0], [6.0]])]
    padded = pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    assert pn.to_numpy(padded)[:, :, 0].tolist() == [[1, 2, 3], [4, -1, -1], [5, 6, -1]]
    left = pad_sequence(seqs, padding_side="left")
    assert pn.to_numpy(left)[:, :, 0].T.tolist() == [[1, 2, 3], [0, 0, 4], [0, 5, 6]]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and len(packed) == 4
    assert packed.batch_sizes.backend.name == "numpy"  # host data, as PyTorch's CPU batch_sizes
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert pn.to_numpy(packed.data)[:, 0].tolist() == [1, 5, 4, 2, 6, 3]
    assert pn.to_numpy(packed.sorted_indices).tolist() == [0, 2, 1]
    assert pn.to_numpy(packed.unsorted_indices).tolist() == [0, 2, 1]
    back = unpack_sequence(packed)
    assert [pn.to_numpy(s)[:, 0].tolist() for s in back] == [[1, 2, 3], [4], [5, 6]]
    y, lens = pad_packed_sequence(packed, total_length=5, padding_value=9.0)
    assert y.shape == (5, 3, 1) and pn.to_numpy(lens).tolist() == [3, 1, 2]
    assert pn.to_numpy(y)[:, 1, 0].tolist() == [4, 9, 9, 9, 9]
    sorted_pack = pack_padded_sequence(pad_sequence(seqs[::2]), [3, 2])
    assert sorted_pack.sorted_indices is None and sorted_pack.unsorted_indices is None


# ---------------------------------------------------------------------- fusion
def _nodes(t):
    seen, stack = set(), [t._node]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        stack.extend(i._node for i in n.inputs)
    return seen


@pytest.mark.heavy(reason="graph structure, the same on every backend; its 30 time steps "
                          "compile one slice op each on jax")
def test_one_node_per_layer_and_direction(backend):
    """The graph does not grow with the sequence length."""
    counts = []
    for T in (3, 30):
        lstm = pn.nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
        out, (h, c) = lstm(pn.randn(2, T, 4, requires_grad=True))
        loss = out.sum() + h.sum() + c.sum()
        nodes = _nodes(loss)
        counts.append(len(nodes))
        assert sum(type(n).__name__ == "RNNLayer" for n in nodes) == 4
    assert counts[0] == counts[1]


def test_parameters_names_shapes_init(backend):
    lstm = pn.nn.LSTM(3, 8, num_layers=2, bidirectional=True, proj_size=2)
    names = list(lstm.state_dict())
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert names[5] == "weight_ih_l0_reverse" and len(names) == 20
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes["weight_ih_l1"] == (32, 4) and shapes["weight_hh_l1"] == (32, 2)
    assert shapes["weight_hr_l1_reverse"] == (2, 8)
    k = 1 / math.sqrt(8)
    for p in lstm.parameters():
        a = pn.to_numpy(p)
        assert a.min() >= -k and a.max() <= k and a.std() > k / 4
    gru = pn.nn.GRU(3, 4, bias=False)
    assert list(gru.state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(pn.nn.LSTM(3, 4, 2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"


def test_dropout_between_layers_same_on_every_backend(backend):
    def run():
        pn.manual_seed(5)
        m = pn.nn.LSTM(3, 4, num_layers=3, dropout=0.5)
        x = pn.tensor(np.linspace(-1, 1, 5 * 2 * 3).reshape(5, 2, 3).astype("float32"))
        return pn.to_numpy(m(x)[0]), pn.to_numpy(m.eval()(x)[0])
    train, ev = run()
    with pn.use_backend("numpy"):
        ref_train, ref_eval = run()
    np.testing.assert_allclose(train, ref_train, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ev, ref_eval, rtol=1e-5, atol=1e-6)
    assert np.abs(train - ev).max() > 1e-3  # dropout did something in training mode


def test_sdpa_gqa_equals_repeated_heads(backend):
    q, k, v = f64(1, 4, 3, 2), f64(1, 2, 5, 2), f64(1, 2, 5, 2)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    kr = pn.reshape(pn.broadcast_to(pn.unsqueeze(k, 2), (1, 2, 2, 5, 2)), (1, 4, 5, 2))
    vr = pn.reshape(pn.broadcast_to(pn.unsqueeze(v, 2), (1, 2, 2, 5, 2)), (1, 4, 5, 2))
    np.testing.assert_allclose(pn.to_numpy(out),
                               pn.to_numpy(F.scaled_dot_product_attention(q, kr, vr)), rtol=1e-12)


def test_attention_dropout_is_seeded(backend):
    mha = pn.nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x = pn.ones(1, 3, 4)
    pn.manual_seed(1)
    a = pn.to_numpy(mha(x, x, x)[1])
    pn.manual_seed(1)
    b = pn.to_numpy(mha(x, x, x)[1])
    np.testing.assert_array_equal(a, b)
    assert (a == 0).any()
    mha.eval()
    np.testing.assert_allclose(pn.to_numpy(mha(x, x, x)[1]).sum(-1), 1.0, rtol=1e-6)


# ------------------------------------------------------------------- bad input
def _raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


def test_recurrent_bad_input(backend):
    lstm = pn.nn.LSTM(3, 4)
    _raises(ValueError, r"LSTM\(3, 4\): input.size\(-1\) must be equal to input_size. Expected 3, "
            r"got 5 \(input shape \(2, 1, 5\)\)", lstm, pn.zeros(2, 1, 5))
    _raises(ValueError, r"LSTM\(3, 4\): Expected input to be 2D \(unbatched\) or 3D \(batched\), "
            r"got 4D input of shape \(1, 2, 1, 3\)", lstm, pn.zeros(1, 2, 1, 3))
    _raises(ValueError, r"LSTM\(3, 4\): Expected hidden\[0\] size \(1, 2, 4\), got \(1, 3, 4\)",
            lstm, pn.zeros(5, 2, 3), (pn.zeros(1, 3, 4), pn.zeros(1, 2, 4)))
    _raises(ValueError, r"LSTM\(3, 4\): Expected hidden\[1\] size \(1, 2, 4\), got \(2, 2, 4\)",
            lstm, pn.zeros(5, 2, 3), (pn.zeros(1, 2, 4), pn.zeros(2, 2, 4)))
    _raises(TypeError, r"LSTM\(3, 4\): hx must be a tuple \(h_0, c_0\)", lstm, pn.zeros(5, 2, 3),
            pn.zeros(1, 2, 4))
    gru = pn.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    _raises(ValueError, r"GRU\(3, 4, num_layers=2, bidirectional=True\): Expected hidden size "
            r"\(4, 2, 4\), got \(2, 2, 4\)", gru, pn.zeros(5, 2, 3), pn.zeros(2, 2, 4))
    _raises(ValueError, r"For unbatched 2-D input, hidden should also be 2-D but got 3-D",
            gru, pn.zeros(5, 3), pn.zeros(4, 1, 4))
    _raises(TypeError, r"expected input of dtype float32, got int64", gru,
            pn.tensor(np.zeros((5, 2, 3), dtype=np.int64)))
    cell = pn.nn.LSTMCell(3, 4)
    _raises(ValueError, r"LSTMCell\(3, 4\): input has inconsistent input_size: got 2 expected 3",
            cell, pn.zeros(2, 2))
    _raises(ValueError, r"LSTMCell\(3, 4\): Expected hx\[0\] of shape \(2, 4\) for input of shape "
            r"\(2, 3\), got \(3, 4\)", cell, pn.zeros(2, 3), (pn.zeros(3, 4), pn.zeros(2, 4)))
    _raises(ValueError, r"GRUCell\(3, 4\): Expected input to be 1D or 2D, got 3D",
            pn.nn.GRUCell(3, 4), pn.zeros(1, 2, 3))


def test_constructor_errors():
    _raises(ValueError, "proj_size argument is only supported for LSTM", pn.nn.GRU, 3, 4, proj_size=2)
    _raises(ValueError, "proj_size argument is only supported for LSTM", pn.nn.RNN, 3, 4, proj_size=1)
    _raises(ValueError, "proj_size has to be smaller than hidden_size", pn.nn.LSTM, 3, 4, proj_size=4)
    _raises(ValueError, r"dropout should be a number in range \[0, 1\]", pn.nn.GRU, 3, 4, 2,
            dropout=1.5)
    _raises(ValueError, "hidden_size must be an integer greater than zero", pn.nn.RNN, 3, 0)
    _raises(ValueError, "Unknown nonlinearity 'sigmoid'", pn.nn.RNN, 3, 4, nonlinearity="sigmoid")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        pn.nn.LSTM(3, 4, dropout=0.2)
    _raises(ValueError, "embed_dim must be divisible by num_heads", pn.nn.MultiheadAttention, 10, 3)
    _raises(RuntimeError, "activation should be relu/gelu, not tanh", pn.nn.TransformerEncoderLayer,
            8, 2, activation="tanh")


def test_packing_bad_input(backend):
    x = pn.zeros(4, 3, 2)
    _raises(ValueError, r"pack_padded_sequence: lengths \[5, 2, 1\] has a length 5 longer than the "
            r"sequence length 4 of input of shape \(4, 3, 2\)", pack_padded_sequence, x, [5, 2, 1])
    _raises(ValueError, r"`lengths` array must be sorted in decreasing order when `enforce_sorted` "
            r"is True \(got \[2, 4, 1\]\)", pack_padded_sequence, x, [2, 4, 1])
    _raises(ValueError, "Length of all samples has to be greater than 0", pack_padded_sequence, x,
            [4, 0, 1])
    _raises(ValueError, r"got 2 lengths for a batch of 3 sequences", pack_padded_sequence, x, [4, 1])
    packed = pack_padded_sequence(x, [4, 2, 1])
    _raises(ValueError, r"Expected total_length to be at least the length of the longest sequence",
            pad_packed_sequence, packed, total_length=3)
    _raises(ValueError, r"pad_sequence: sequence 1 has shape \(2, 3\) but sequence 0 has trailing "
            r"dimensions \(2,\)", pad_sequence, [pn.zeros(3, 2), pn.zeros(2, 3)])
    _raises(ValueError, r"LSTM\(3, 4\): input.size\(-1\) must be equal to input_size. Expected 3, got 2",
            pn.nn.LSTM(3, 4), packed)


def test_attention_bad_input(backend):
    mha = pn.nn.MultiheadAttention(4, 2)
    x = pn.zeros(3, 2, 4)
    lab = r"MultiheadAttention\(embed_dim=4, num_heads=2\)"
    _raises(ValueError, lab + r": The shape of the 2D attn_mask is \(4, 5\), but should be \(3, 3\)",
            mha, x, x, x, attn_mask=pn.zeros(4, 5))
    _raises(ValueError, lab + r": The shape of the 3D attn_mask is \(2, 3, 3\), but should be "
            r"\(4, 3, 3\)", mha, x, x, x, attn_mask=pn.zeros(2, 3, 3))
    _raises(ValueError, lab + r": expecting key_padding_mask shape of \(2, 3\), but got \(2, 4\)",
            mha, x, x, x, key_padding_mask=pn.zeros(2, 4, dtype="bool"))
    _raises(ValueError, lab + r": query should be unbatched 2D or batched 3D tensor but received "
            r"4-D query tensor", mha, pn.zeros(1, 3, 2, 4), x, x)
    _raises(ValueError, lab + r": was expecting embedding dimension of 4 for query, but got 5",
            mha, pn.zeros(3, 2, 5), x, x)
    _raises(RuntimeError, lab + r": Need attn_mask if specifying the is_causal hint", mha, x, x, x,
            is_causal=True)
    q = pn.zeros(2, 3, 4)
    _raises(ValueError, r"scaled_dot_product_attention: attn_mask of shape \(4, 3\) does not "
            r"broadcast to the attention scores' shape \(2, 3, 3\)",
            F.scaled_dot_product_attention, q, q, q, attn_mask=pn.zeros(4, 3))
    _raises(ValueError, r"Explicit attn_mask should not be set when is_causal=True",
            F.scaled_dot_product_attention, q, q, q, attn_mask=pn.zeros(3, 3), is_causal=True)
    _raises(ValueError, r"scaled_dot_product_attention: expected query \(\.\.\., L, E\)",
            F.scaled_dot_product_attention, q, pn.zeros(2, 3, 5), q)


def test_sequence_models_stay_on_their_device():
    """On array_api_strict's device1 (a GPU stand-in refusing host reads) the packed LSTM,
    the attention and the encoder run forward and backward without leaving the device."""
    pytest.importorskip("array_api_strict")
    with pn.use_backend("array_api_strict", device="device1"):
        dev = "Device('device1')"
        lstm = pn.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        x = pn.randn(3, 5, 3, requires_grad=True)
        out, (h, c) = lstm(pack_padded_sequence(x, [2, 5, 3], batch_first=True,
                                                enforce_sorted=False))
        y, lengths = pad_packed_sequence(out, batch_first=True)
        enc = pn.nn.TransformerEncoder(pn.nn.TransformerEncoderLayer(8, 2, 8, batch_first=True), 1)
        kpm = pn.tensor([[False] * 5, [False] * 4 + [True], [False] * 5])
        z = enc(y, mask=pn.nn.transformer.generate_square_subsequent_mask(5),
                src_key_padding_mask=kpm)
        (z.sum() + h.sum() + c.sum()).backward()
        for t in [y, h, c, z, lengths, x.grad] + [p.grad for p in lstm.parameters()]:
            assert dev in str(array_api_compat.device(t.array))   # where the array really is
