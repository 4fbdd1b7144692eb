"""Philox4x32-10 known answers, identical random streams on every backend, their
statistics, and stream slicing."""
import math

import numpy as np
import pytest

import portanet as pn
from portanet import philox, random as pr

M32 = 0xFFFFFFFF


def reference_philox4x32_10(counter, key):
    """Salmon et al. (SC'11) Philox4x32-10 in plain Python ints, written independently of
    portanet/philox.py (full 64-bit products, no 16-bit splitting)."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(10):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c3 ^ k1) & M32, p0 & M32
        k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
    return c0, c1, c2, c3


def portanet_philox(counter, key, xp=np):
    words = [xp.asarray([c], dtype=xp.int64) for c in counter]
    return tuple(int(w[0]) for w in philox.philox4x32(xp, *words, *key))


# Random123 kat_vectors, philox4x32 with 10 rounds: (counter, key, expected)
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
    ((M32,) * 4, (M32, M32), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
]


@pytest.mark.parametrize("counter,key,expected", KAT, ids=["zero", "pi", "ones"])
def test_known_answers(counter, key, expected):
    assert reference_philox4x32_10(counter, key) == expected   # the plain-int version
    assert portanet_philox(counter, key) == expected           # portanet's array version


def test_known_answer_on_every_backend(backend):
    got = pn.to_numpy(philox.uint32_stream(backend.xp, 0, 0, 4, backend.device))
    assert [int(v) for v in got] == list(KAT[0][2])


def test_stream_matches_plain_int_reference():
    # value p of the stream keyed by seed: block p // 4 with counter (lo, hi, 0, 0)
    seed = 0x0123456789ABCDEF
    start, n = 2**32 * 4 - 6, 12   # crosses the 32-bit boundary of the block counter
    got = [int(v) for v in philox.uint32_stream(np, seed, start, n, None)]
    want = []
    for p in range(start, start + n):
        b = p // 4
        want.append(reference_philox4x32_10((b & M32, b >> 32, 0, 0), (seed & M32, seed >> 32))[p % 4])
    assert got == want


DRAWS = {
    "uniform": lambda n, g: pr.uniform((n,), -2.0, 3.0, generator=g),
    "normal": lambda n, g: pr.normal((n,), 1.0, 2.0, generator=g),
    "bernoulli": lambda n, g: pr.bernoulli((n,), 0.3, generator=g),
    "randint": lambda n, g: pr.randint(-3, 4, (n,), generator=g),
}


@pytest.mark.parametrize("kind", sorted(DRAWS))
def test_draws_identical_on_every_backend(backend, kind):
    got = pn.to_numpy(DRAWS[kind](1001, pr.Generator(7)))
    with pn.use_backend("numpy"):
        want = pn.to_numpy(DRAWS[kind](1001, pr.Generator(7)))
    assert got.dtype == want.dtype
    # uniform/bernoulli/randint are exact integer arithmetic; normal goes through each
    # library's log/cos/sin in float64 and is rounded to float32, so equal in practice
    np.testing.assert_array_equal(got, want)


@pn.use_backend("numpy")
def test_statistics():
    n = 200_000
    g = pr.Generator(2024)
    u = pr.uniform((n,), generator=g).astype(np.float64)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 2e-3
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    chi2 = ((counts - n / 20) ** 2 / (n / 20)).sum()
    assert chi2 < 43.8            # chi-square, 19 degrees of freedom, p = 0.001

    z = pr.normal((n,), generator=g).astype(np.float64)
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.std() - 1.0) < 0.01
    assert abs((np.abs(z) < 1).mean() - 0.682689) < 0.005
    assert abs((z ** 3).mean()) < 0.03 and abs((z ** 4).mean() - 3.0) < 0.06  # skew, kurtosis

    b = pr.bernoulli((n,), 0.3, generator=g)
    assert b.dtype == np.bool_
    assert abs(b.mean() - 0.3) < 5 * math.sqrt(0.21 / n)

    r = pr.randint(-3, 4, (n,), generator=g)
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 3
    counts = np.bincount(r + 3, minlength=7)
    assert ((counts - n / 7) ** 2 / (n / 7)).sum() < 22.5   # 6 dof, p = 0.001


@pytest.mark.parametrize("kind", ["uniform", "bernoulli", "randint"])
@pn.use_backend("numpy")
def test_stream_slicing(kind):
    # one value of the stream per element: drawing n then m equals drawing n + m
    g1, g2 = pr.Generator(5), pr.Generator(5)
    a = np.concatenate([DRAWS[kind](7, g1), DRAWS[kind](13, g1)])
    b = DRAWS[kind](20, g2)
    np.testing.assert_array_equal(a, b)
    assert g1.offset == g2.offset == 20


def test_raw_stream_slicing_at_any_offset():
    whole = philox.uint32_stream(np, 99, 3, 40, None)
    parts = [philox.uint32_stream(np, 99, s, n, None) for s, n in ((3, 1), (4, 6), (10, 33))]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


@pn.use_backend("numpy")
def test_normal_consumes_whole_pairs_and_continues_the_stream():
    # Box-Muller uses 2 * ceil(n / 2) values; the next draw starts after them
    g = pr.Generator(5)
    pr.normal((5,), generator=g)
    assert g.offset == 6
    after = pr.uniform((4,), generator=g)
    g2 = pr.Generator(5)
    g2.offset = 6
    np.testing.assert_array_equal(after, pr.uniform((4,), generator=g2))


def test_seed_and_state_reproduce(backend):
    pn.manual_seed(11)
    a = pn.to_numpy(pn.randn(4, 3))
    state = pn.random.get_rng_state()
    b = pn.to_numpy(pn.rand(6))
    pn.random.set_rng_state(state)
    np.testing.assert_array_equal(pn.to_numpy(pn.rand(6)), b)
    pn.manual_seed(11)
    np.testing.assert_array_equal(pn.to_numpy(pn.randn(4, 3)), a)
    pn.manual_seed(12)
    assert not np.array_equal(pn.to_numpy(pn.randn(4, 3)), a)


numba_philox = pytest.importorskip("portanet.kernels.numba_philox", reason="numba not installed")


@pytest.mark.parametrize("seed, start, n", [(0, 0, 4), (0x0123456789ABCDEF, 2**32 * 4 - 6, 12), (7, 3, 1),
                                            (2**40 + 9, 5, 1001), (99, 13, 0), (2**64 - 1, 2**40 + 1, 37)])
def test_numba_stream_equals_the_plain_int_reference(seed, start, n):
    """The numba loop (NumPy's fast path for large draws) gives the same bits as the
    independent plain-int Philox above, at any offset and across the 32-bit counter word."""
    got = numba_philox.uint32_stream(seed, start, n)
    assert got.dtype == np.int64 and got.shape == (n,)
    want = [reference_philox4x32_10(((p // 4) & M32, (p // 4) >> 32, 0, 0), (seed & M32, (seed >> 32) & M32))[p % 4]
            for p in range(start, start + n)]
    assert got.tolist() == want


def test_large_draws_take_the_numba_path_and_equal_the_generic_stream():
    """A draw of NUMBA_MIN_SIZE values or more goes through the kernel; it continues the
    stream exactly where the generic code would."""
    from portanet.backend import fast
    from portanet.kernels import NUMBA_MIN_SIZE
    n = NUMBA_MIN_SIZE + 3
    with pn.use_backend("numpy"):
        g1, g2 = pr.Generator(5), pr.Generator(5)
        fast_draw = pn.to_numpy(pr.bernoulli((n,), 0.3, generator=g1))
        with fast.disabled():
            generic = pn.to_numpy(pr.bernoulli((n,), 0.3, generator=g2))
        np.testing.assert_array_equal(fast_draw, generic)
        np.testing.assert_array_equal(pn.to_numpy(pr.uniform((9,), generator=g1)),
                                      pn.to_numpy(pr.uniform((9,), generator=g2)))
    import sys
    assert "portanet.kernels.numba_philox" in sys.modules
