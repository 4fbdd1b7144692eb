"""Embedding: repeated indices sum their gradients, the padding row gets none, the fast
scatter-add path equals the generic one, bad indices give a clear error."""
import contextlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.backend import fast


def test_repeated_indices_sum_gradients(backend):
    emb = pn.nn.Embedding(6, 3, padding_idx=2)
    idx = pn.tensor([[1, 1, 2], [5, 1, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(pn.to_numpy(out)[0, 0], pn.to_numpy(emb.weight)[1])
    np.testing.assert_array_equal(pn.to_numpy(out)[0, 2], 0.0)  # padding row starts at zero
    (out * pn.tensor(np.arange(1.0, 19.0).reshape(2, 3, 3).astype(np.float32))).sum().backward()
    g = pn.to_numpy(emb.weight.grad)
    # rows: 1 <- positions (0,0), (0,1), (1,1); 5 <- (1,0); 2 is padding; others unused
    np.testing.assert_array_equal(g[1], [1 + 4 + 13, 2 + 5 + 14, 3 + 6 + 15])
    np.testing.assert_array_equal(g[5], [10, 11, 12])
    np.testing.assert_array_equal(g[[0, 2, 3, 4]], 0.0)


def test_fast_path_equals_generic(backend):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((50, 4))
    idx = pn.tensor(rng.integers(0, 50, (30, 7)))
    r = pn.tensor(rng.standard_normal((30, 7, 4)), dtype="float64")
    grads = []
    for ctx in (fast.disabled, contextlib.nullcontext):
        w = pn.tensor(w0, dtype="float64", requires_grad=True)
        with ctx():
            (F.embedding(idx, w, padding_idx=3) * r).sum().backward()
        grads.append(pn.to_numpy(w.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)
    assert np.abs(grads[0]).sum() > 0


def test_bad_indices_name_layer_and_shapes(backend):
    emb = pn.nn.Embedding(10, 4)
    with pytest.raises(IndexError) as e:
        emb(pn.tensor([[1, 10]]))
    msg = str(e.value)
    for frag in ("Embedding(10, 4)", "index 10", "(1, 2)", "(10, 4)"):
        assert frag in msg, msg
    with pytest.raises(IndexError, match="index -1"):
        emb(pn.tensor([-1, 2]))
    with pytest.raises(TypeError, match="integer indices"):
        emb(pn.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx 10"):
        pn.nn.Embedding(10, 4, padding_idx=10)
