"""Sampling (bernoulli, multinomial, randint_like, bernoulli_/exponential_/geometric_/
random_), seed/initial_seed, on every backend: the same draws as on NumPy for one seed,
the right distributions (frequencies within 5 standard errors), and the errors."""
import math

import numpy as np
import pytest

import portanet as pn

N = 4000
_HEAVY = pytest.mark.heavy(reason="over 10 s on jax (XLA compiles each op and shape)")


def _draws(fn):
    pn.manual_seed(3)
    return pn.to_numpy(fn())


SAMPLERS = {
    "bernoulli": lambda: pn.bernoulli(pn.full((N,), 0.3)),
    "bernoulli_p": lambda: pn.zeros(N).bernoulli(0.7),
    "multinomial_repl": lambda: pn.multinomial(pn.tensor([[0.2, 0.0, 0.5, 0.3]]), N, replacement=True),
    "multinomial_norepl": lambda: pn.multinomial(pn.tensor([1.0, 0.0, 2.0, 1.0]).expand(N, 4), 3),
    "exponential_": lambda: pn.zeros(N, dtype=pn.float64).exponential_(2.0),
    "geometric_": lambda: pn.zeros(N).geometric_(0.25),
    "random_": lambda: pn.zeros(N, dtype=pn.int64).random_(-3, 5),
    "randint_like": lambda: pn.randint_like(pn.zeros(N, dtype=pn.int32), 2, 9),
}


def _freq(x, k):
    return np.bincount(np.asarray(x).reshape(-1), minlength=k) / np.asarray(x).size


def _near(got, want, n):
    se = math.sqrt(max(want * (1 - want), 1e-12) / n)
    assert abs(got - want) <= 5 * se + 1e-12, (got, want)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_HEAVY) if n == "multinomial_norepl" else n
                                  for n in SAMPLERS])
def test_same_draws_as_numpy(backend, name):
    got = _draws(SAMPLERS[name])
    with pn.use_backend("numpy"):
        want = _draws(SAMPLERS[name])
    # the same random bits; a transcendental (log1p) may differ by an ulp between libraries
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@_HEAVY
def test_distributions(backend):
    pn.manual_seed(1)
    b = pn.to_numpy(pn.bernoulli(pn.tensor([0.0, 1.0, 0.3]).expand(N, 3)))
    assert b[:, 0].sum() == 0 and b[:, 1].sum() == N
    _near(b[:, 2].mean(), 0.3, N)
    m = pn.to_numpy(pn.multinomial(pn.tensor([[0.2, 0.0, 0.5, 0.3]]), N, replacement=True))
    assert m.shape == (1, N) and m.dtype == np.int64
    for k, p in enumerate([0.2, 0.0, 0.5, 0.3]):
        _near(_freq(m, 4)[k], p, N)
    w = pn.multinomial(pn.tensor([1.0, 0.0, 2.0, 1.0]).expand(N, 4), 3)
    w = pn.to_numpy(w)
    assert w.shape == (N, 3) and not (w == 1).any()                   # weight 0 never drawn
    assert all(len(set(r)) == 3 for r in w[:50])                      # no repeats in a row
    for k, p in enumerate([0.25, 0.0, 0.5, 0.25]):                    # the first draw: w / sum
        _near(_freq(w[:, 0], 4)[k], p, N)
    e = pn.to_numpy(pn.zeros(N, dtype=pn.float64).exponential_(2.0))
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 5 * 0.5 / math.sqrt(N)
    g = pn.to_numpy(pn.zeros(N).geometric_(0.25))
    assert g.min() >= 1 and np.all(g == np.round(g)) and abs(g.mean() - 4) < 5 * math.sqrt(12 / N)
    r = pn.to_numpy(pn.zeros(N, dtype=pn.int64).random_(-3, 5))
    assert r.min() == -3 and r.max() == 4
    assert pn.to_numpy(pn.zeros(N).random_(4)).max() == 3
    big = pn.to_numpy(pn.zeros(64, dtype=pn.int64).random_())
    assert big.min() >= 0 and big.max() > 2 ** 60


@_HEAVY
def test_fills_keep_dtype_and_refuse_a_leaf_that_requires_grad(backend):
    x = pn.zeros(3, dtype=pn.float64)
    assert x.bernoulli_(pn.tensor([0.0, 1.0, 1.0], dtype=pn.float64)) is x
    assert x.dtype == pn.float64 and x.tolist() == [0.0, 1.0, 1.0]
    assert pn.bernoulli(pn.ones(2, requires_grad=True)).requires_grad is False
    with pytest.raises(RuntimeError, match="leaf Variable"):
        pn.zeros(2, requires_grad=True).exponential_()


@_HEAVY
def test_seed_and_state(backend):
    s = pn.seed()
    assert pn.initial_seed() == s
    state = pn.get_rng_state()
    a = pn.rand(3)
    pn.set_rng_state(state)
    pn.testing.assert_close(pn.rand(3), a)
    pn.manual_seed(7)
    assert pn.initial_seed() == 7
    g = pn.Generator().manual_seed(5)
    x = pn.multinomial(pn.ones(4), 4, generator=g)
    assert sorted(x.tolist()) == [0, 1, 2, 3]


def test_value_checks(backend):
    with pn.checks.strict():
        with pytest.raises(RuntimeError, match=r"bernoulli\(\): expected all probabilities in \[0, 1\]"):
            pn.bernoulli(pn.tensor([0.5, 1.5]))
        with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
            pn.multinomial(pn.tensor([0.5, -0.1]), 1)
        with pytest.raises(RuntimeError, match=r"invalid multinomial distribution \(sum of probabilities <= 0\)"):
            pn.multinomial(pn.tensor([0.0, 0.0]), 1, replacement=True)
        with pytest.raises(RuntimeError, match="not enough non-negative category to sample"):
            pn.multinomial(pn.tensor([0.0, 1.0, 0.0]), 2)


ERRORS = [
    (lambda: pn.bernoulli(pn.ones(2), p=1.5), ValueError, r"bernoulli: p must be in \[0, 1\], got 1.5"),
    (lambda: pn.bernoulli(pn.tensor([1, 0])), RuntimeError, r"bernoulli\(\): expected a floating point tensor, got int64"),
    (lambda: pn.bernoulli(pn.ones(2), generator=3), TypeError, r"bernoulli\(\): argument 'generator' must be Generator, not int"),
    (lambda: pn.multinomial(pn.ones(2, 2, 2), 1), RuntimeError, r"multinomial\(\): prob_dist must be 1 or 2 dim, got 3"),
    (lambda: pn.multinomial(pn.ones(3), 0), ValueError, "multinomial: num_samples must be a positive integer, got 0"),
    (lambda: pn.multinomial(pn.ones(3), 4), RuntimeError, r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    (lambda: pn.multinomial(pn.tensor([1, 2]), 1), RuntimeError, r"multinomial\(\): expected a floating point tensor, got int64"),
    (lambda: pn.randint_like(pn.ones(2), 5, 5), RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
    (lambda: pn.randint_like(pn.ones(2), 2.5), TypeError, r"randint_like\(\): argument 'high' must be int, not float"),
    (lambda: pn.ones(2).exponential_(0.0), RuntimeError, "exponential_ expects lambda > 0.0, but found lambda=0.0"),
    (lambda: pn.ones(2).geometric_(1.0), RuntimeError, r"geometric_ expects p to be in \(0, 1\), but got p=1.0"),
    (lambda: pn.ones(2).random_(1, 2, 3), TypeError, r"random_\(\) takes at most 2 arguments \(3 given\)"),
    (lambda: pn.ones(2).random_(0.5), TypeError, r"random_\(\): argument 'to' must be int, not float"),
    (lambda: pn.ones(2, dtype=pn.int64).random_(-2 ** 63, 2 ** 63), NotImplementedError, r"random_\(\): ranges wider than 2\*\*63"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(backend, i):
    fn, exc, msg = ERRORS[i]
    with pytest.raises(exc, match=msg):
        fn()
