"""Initializers: PyTorch's default rule for Linear, statistics of every ``pn.nn.init``
function, and identical values on every backend for the same ``pn.manual_seed``."""
import math

import numpy as np
import pytest

import portanet as pn
from portanet.nn import init

FAN_OUT, FAN_IN = 200, 300  # weight shape (out, in): 60000 draws, so sample stats are tight


def _param(shape=(FAN_OUT, FAN_IN), dtype="float32"):
    return pn.nn.Parameter(pn.zeros(*shape, dtype=dtype))


def test_linear_default_init_matches_pytorch_rule(backend):
    # kaiming_uniform(a=sqrt(5)): gain sqrt(2/(1+5)), bound gain*sqrt(3/fan_in) = 1/sqrt(fan_in)
    fc = pn.nn.Linear(FAN_IN, FAN_OUT)
    w, b = pn.to_numpy(fc.weight), pn.to_numpy(fc.bias)
    bound = 1 / math.sqrt(FAN_IN)
    assert w.shape == (FAN_OUT, FAN_IN) and b.shape == (FAN_OUT,)
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # fills the whole range: U(-bound, bound)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert fc.weight.requires_grad and fc.bias.requires_grad


def test_linear_dtype_and_no_bias(backend):
    fc = pn.nn.Linear(3, 2, bias=False, dtype="float64")
    assert fc.bias is None and list(fc.state_dict()) == ["weight"]
    assert fc.weight.dtype == backend.xp.float64


# (initializer, kwargs, expected mean, expected std, bound or None)
_U = lambda b: (0.0, b / math.sqrt(3), b)  # noqa: E731  mean, std, bound of U(-b, b)
XAVIER_B = math.sqrt(6 / (FAN_IN + FAN_OUT))
CASES = [
    ("uniform_", dict(a=-0.5, b=1.5), 0.5, 2 / math.sqrt(12), None),
    ("normal_", dict(mean=0.3, std=2.0), 0.3, 2.0, None),
    ("xavier_uniform_", dict(gain=2.0), *_U(2.0 * XAVIER_B)),
    ("glorot_uniform_", {}, *_U(XAVIER_B)),
    ("xavier_normal_", {}, 0.0, math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    ("glorot_normal_", dict(gain=0.5), 0.0, 0.5 * math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    ("kaiming_uniform_", dict(nonlinearity="relu"), *_U(math.sqrt(6 / FAN_IN))),
    ("he_uniform_", dict(a=0.2, mode="fan_out"), *_U(math.sqrt(6 / (1.04 * FAN_OUT)))),
    ("kaiming_normal_", dict(nonlinearity="relu"), 0.0, math.sqrt(2 / FAN_IN), None),
    ("he_normal_", dict(mode="fan_out", nonlinearity="tanh"), 0.0, 5 / 3 / math.sqrt(FAN_OUT), None),
    ("lecun_uniform_", {}, *_U(math.sqrt(3 / FAN_IN))),
    ("lecun_normal_", {}, 0.0, math.sqrt(1 / FAN_IN), None),
    ("trunc_normal_", dict(std=1.0, a=-1.0, b=1.5), None, None, None),
]


@pytest.mark.parametrize("name,kw,mean,std,bound", CASES, ids=[c[0] for c in CASES])
def test_initializer_statistics(backend, name, kw, mean, std, bound):
    w = _param()
    out = getattr(init, name)(w, **kw)
    assert out is w and w.requires_grad and w.dtype == backend.xp.float32
    v = pn.to_numpy(w).astype(np.float64)
    assert np.unique(v).size > v.size * 0.9  # really random
    if name == "trunc_normal_":
        # N(0, 1) truncated to [-1, 1.5]: no mass piled up on the bounds, and the moments
        # of the truncated normal (computed with math.erf)
        assert v.min() >= -1.0 and v.max() <= 1.5 and np.isin(v, [-1.0, 1.5]).sum() < 3
        pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
        z = cdf(1.5) - cdf(-1.0)
        m = (pdf(-1.0) - pdf(1.5)) / z
        s = math.sqrt(1 + (-1.0 * pdf(-1.0) - 1.5 * pdf(1.5)) / z - m * m)
        assert abs(v.mean() - m) < 5 * s / math.sqrt(v.size) and abs(v.std() / s - 1) < 0.02
        return
    se = std / math.sqrt(v.size)
    assert abs(v.mean() - mean) < 5 * se, (v.mean(), mean)
    assert abs(v.std() / std - 1) < 0.02, (v.std(), std)
    if bound is not None:
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.99 * bound


def test_constant_zeros_ones(backend):
    w = _param((3, 4), "float64")
    assert (pn.to_numpy(init.constant_(w, 0.25)) == 0.25).all()
    assert (pn.to_numpy(init.zeros_(w)) == 0).all()
    assert (pn.to_numpy(init.ones_(w)) == 1).all()
    assert w.dtype == backend.xp.float64


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 2)])
def test_orthogonal(backend, shape):
    w = _param(shape, "float64")
    init.orthogonal_(w, gain=2.0)
    m = pn.to_numpy(w).reshape(shape[0], -1) / 2.0
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-12)


def test_calculate_gain_matches_pytorch_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dims"):
        init.xavier_uniform_(_param((5,)))


def _draw_all():
    """Every initializer and a default Linear after one seed, as host arrays."""
    pn.manual_seed(123)
    out = {}
    for name, kw, *_ in CASES + [("orthogonal_", {}, None, None, None)]:
        w = _param((5, 7), "float32")
        out[name] = pn.to_numpy(getattr(init, name)(w, **kw))
    fc = pn.nn.Linear(7, 3)
    out["linear.weight"], out["linear.bias"] = pn.to_numpy(fc.weight), pn.to_numpy(fc.bias)
    out["randn"] = pn.to_numpy(pn.randn(4, 3, dtype="float64"))
    return out


def test_manual_seed_gives_identical_init_on_every_backend(backend):
    mine = _draw_all()
    with pn.use_backend("numpy"):
        ref = _draw_all()
    for k in ref:
        if k == "orthogonal_":  # QR is computed by each library's LAPACK: equal to rounding
            np.testing.assert_allclose(mine[k], ref[k], atol=1e-5, err_msg=k)
        elif k == "randn":  # float64 log/cos of each library may differ in the last ulp
            np.testing.assert_allclose(mine[k], ref[k], rtol=1e-15, atol=0, err_msg=k)
        else:
            np.testing.assert_array_equal(mine[k], ref[k], err_msg=k)
    again = _draw_all()
    assert all((again[k] == mine[k]).all() for k in mine)  # re-seeding repeats the stream
    pn.manual_seed(124)
    assert not np.array_equal(pn.to_numpy(pn.nn.Linear(7, 3).weight), mine["linear.weight"])


def test_init_through_data_alias_and_slice_reaches_the_parameter(backend):
    """PyTorch's idioms ``init.xavier_uniform_(m.weight.data)`` and ``init.zeros_(b[:1])``
    change the parameter itself (they once changed only the alias: a silent no-op)."""
    fc = pn.nn.Linear(3, 2)
    init.constant_(fc.weight.data, 0.5)
    init.zeros_(fc.bias[0:1])
    bias_rest = pn.to_numpy(fc.bias)[1]
    np.testing.assert_array_equal(pn.to_numpy(fc.weight), np.full((2, 3), 0.5, np.float32))
    np.testing.assert_array_equal(pn.to_numpy(fc.bias), np.array([0.0, bias_rest], np.float32))
    init.xavier_uniform_(fc.weight.data)
    bound = math.sqrt(6 / (3 + 2))
    w = pn.to_numpy(fc.weight)
    assert np.abs(w).max() <= bound and len(np.unique(w)) == 6


def test_init_after_forward_is_seen_by_backward(backend):
    """An initializer is an in-place write: a graph that saved the old weight refuses to
    backpropagate with the new one, as after any in-place change."""
    fc = pn.nn.Linear(3, 2)
    out = fc(pn.ones(1, 3)).sum()
    init.normal_(fc.weight.data)
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()
