"""Dropout: masks identical on every backend, eval is the identity, the kept fraction is right."""
import math

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F


def _mask(backend_name, fn, shape, p, seed=123):
    with pn.use_backend(backend_name):
        pn.manual_seed(seed)
        return pn.to_numpy(fn(pn.ones(*shape), p))


@pytest.mark.parametrize("fn,shape", [(F.dropout, (40, 50)), (F.dropout2d, (6, 30, 2, 2))])
def test_masks_identical_across_backends(fn, shape):
    names = pn.available_backends()
    ref = _mask(names[0], fn, shape, 0.3)
    assert 0 < (ref == 0).sum() < ref.size  # some dropped, some kept
    for name in names[1:]:
        np.testing.assert_array_equal(_mask(name, fn, shape, 0.3), ref, err_msg=name)
    assert not np.array_equal(_mask(names[0], fn, shape, 0.3, seed=124), ref)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_kept_fraction_and_scale(backend, p):
    n = 20000
    y = pn.to_numpy(pn.nn.Dropout(p)(pn.ones(n)))
    kept = y != 0
    sigma = math.sqrt(p * (1 - p) / n)
    assert abs(kept.mean() - (1 - p)) < 5 * sigma
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)


def test_dropout2d_zeroes_whole_channels(backend):
    y = pn.to_numpy(pn.nn.Dropout2d(0.5)(pn.ones(8, 16, 3, 3)))
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert 0 < (per_channel[..., 0] == 0).sum() < 128


def test_eval_is_identity_and_gradient_uses_the_mask(backend):
    x = pn.randn(5, 7, requires_grad=True)
    for m in (pn.nn.Dropout(0.4), pn.nn.Dropout2d(0.4)):
        m.eval()
        x3 = pn.randn(2, 3, 4)
        assert m(x3) is x3
    drop = pn.nn.Dropout(0.4)
    y = drop(x)
    y.sum().backward()
    ym, g = pn.to_numpy(y), pn.to_numpy(x.grad)
    np.testing.assert_allclose(g, np.where(ym != 0, 1 / 0.6, 0.0), rtol=1e-6)
    assert F.dropout(x, 0.0) is x
    assert np.all(pn.to_numpy(F.dropout(x, 1.0)) == 0)


def test_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        pn.nn.Dropout(1.5)
    with pytest.raises(ValueError, match=r"Dropout2d\(p=0.5.*\(4, 4\)"):
        pn.nn.Dropout2d()(pn.ones(4, 4))
