"""Convolution and pooling kernels (portanet.kernels) equal the generic path, gradients included.

Each case runs forward and backward twice, with the fast paths and under
``fast.disabled()`` (the generic Array API code, the reference): outputs and every
gradient must agree to rounding.  The tables of cases run on NumPy, whose kernels these
are; a network using every kernel runs on every backend (on the others both runs are
generic).  The generic path itself is checked against PyTorch fixtures and finite
differences elsewhere (test_conv_reference.py, test_ops_gradcheck.py).
"""
import os

import numpy as np
import pytest

import portanet as pn
from portanet.backend import fast

F = pn.nn.functional
try:  # once numba is loaded the pool kernels take arrays of every size, small test ones too
    import numba  # noqa: F401
    HAVE_NUMBA = os.environ.get("PORTANET_NUMBA", "1") != "0"
except ImportError:  # not installed, or blocked (ci/test.sh's second run)
    HAVE_NUMBA = False

CONV = [((2, 3, 7, 6), (4, 3, 3, 3), dict(padding=1)),
        ((2, 3, 7, 6), (4, 3, 2, 3), dict(padding=(0, 2), dilation=(2, 1))),
        ((1, 2, 5, 5), (3, 2, 1, 1), dict()),
        ((2, 3, 8, 8), (4, 3, 3, 3), dict(padding="same", dilation=2)),
        ((2, 2, 6, 6), (3, 2, 4, 4), dict(padding="same")),  # asymmetric padding
        ((2, 3, 7, 6), (4, 3, 3, 3), dict(stride=2, padding=1)),  # declines: generic
        ((2, 4, 6, 6), (4, 2, 3, 3), dict(padding=1, groups=2))]  # declines: generic
POOL = [(F.max_pool2d, (2, 3, 8, 8), dict(kernel_size=2)),
        (F.max_pool2d, (2, 3, 7, 9), dict(kernel_size=2)),  # odd size: last row unused
        (F.max_pool2d, (2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
        (F.max_pool2d, (2, 3, 7, 9), dict(kernel_size=(2, 3), stride=1, dilation=2)),
        (F.avg_pool2d, (2, 3, 8, 8), dict(kernel_size=2)),
        (F.avg_pool2d, (2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
        (F.avg_pool2d, (2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1,
                                          count_include_pad=False)),
        (F.avg_pool2d, (1, 2, 6, 6), dict(kernel_size=3, stride=1, padding=1,
                                          divisor_override=5))]


@pytest.fixture
def on_numpy():
    """NumPy as the current backend: these kernels are NumPy's."""
    with pn.use_backend("numpy"):
        yield


def _weights(shape, dtype):
    """Fixed, distinct output weights, so that every output's gradient differs."""
    return pn.tensor(np.cos(np.arange(int(np.prod(shape)))).reshape(shape), dtype=dtype)


def _close(a, b, dtype):
    rtol, atol = (2e-5, 2e-6) if dtype == "float32" else (1e-12, 1e-13)
    np.testing.assert_allclose(pn.to_numpy(a), pn.to_numpy(b), rtol=rtol, atol=atol)


def _conv(xs, ws, bs, kw, dtype, need_x=True):
    x = pn.tensor(xs, dtype=dtype, requires_grad=need_x)
    w = pn.tensor(ws, dtype=dtype, requires_grad=True)
    b = None if bs is None else pn.tensor(bs, dtype=dtype, requires_grad=True)
    y = F.conv2d(x, w, b, **kw)
    (y * _weights(y.shape, dtype)).sum().backward()
    grads = [t.grad for t in (x, w, b) if t is not None and t.requires_grad]
    return [y] + grads


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("xshape,wshape,kw", CONV, ids=[str(c[2]) for c in CONV])
def test_conv2d_kernel_equals_generic(on_numpy, xshape, wshape, kw, bias, dtype):
    rng = np.random.default_rng(1)
    xs, ws = rng.standard_normal(xshape), rng.standard_normal(wshape)
    bs = rng.standard_normal(wshape[0]) if bias else None
    for need_x in (True, False):  # the first layer of a network needs no input gradient
        got = _conv(xs, ws, bs, kw, dtype, need_x)
        with fast.disabled():
            want = _conv(xs, ws, bs, kw, dtype, need_x)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert a.shape == b.shape and a.dtype == b.dtype
            _close(a, b, dtype)


def test_conv2d_kernel_applies_to_stride_one_only():
    from portanet.kernels.numpy_conv import conv2d
    x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32)
    assert conv2d(x, w, None, (1, 1), (0, 0, 0, 0), (1, 1), 1) is not None
    assert conv2d(x, w, None, (2, 1), (0, 0, 0, 0), (1, 1), 1) is None
    assert conv2d(x, w[:, :1], None, (1, 1), (0, 0, 0, 0), (1, 1), 2) is None
    assert conv2d(x, w.astype(np.float64), None, (1, 1), (0, 0, 0, 0), (1, 1), 1) is None


def test_conv1d_and_a_conv_chain_match_generic(backend):
    # Conv1d runs as a 2-D convolution of height 1; a chain feeds the kernel's
    # channel-first output views into the next layer and into pooling
    def run():
        pn.manual_seed(0)
        net = pn.nn.Sequential(pn.nn.Conv2d(2, 4, 3, padding=1), pn.nn.ReLU(), pn.nn.MaxPool2d(2),
                               pn.nn.Conv2d(4, 3, 3, padding=1), pn.nn.AvgPool2d(2), pn.nn.Flatten())
        c1 = pn.nn.Conv1d(2, 3, 5, padding="same")
        x = pn.tensor(np.sin(np.arange(2 * 2 * 8 * 8)).reshape(2, 2, 8, 8), dtype="float32",
                      requires_grad=True)
        s = pn.tensor(np.cos(np.arange(2 * 2 * 9)).reshape(2, 2, 9), dtype="float32",
                      requires_grad=True)
        (net(x) * _weights((2, 12), "float32")).sum().backward()
        (c1(s) * _weights((2, 3, 9), "float32")).sum().backward()
        return [x.grad, s.grad] + [p.grad for p in list(net.parameters()) + list(c1.parameters())]
    got = run()
    with fast.disabled():
        want = run()
    for a, b in zip(got, want):
        _close(a, b, "float32")


def _pool(fn, xs, kw, dtype):
    x = pn.tensor(xs, dtype=dtype, requires_grad=True)
    y = fn(x, **kw)
    (y * _weights(y.shape, dtype)).sum().backward()
    return y, x.grad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn,shape,kw", POOL, ids=[f"{f.__name__}-{s}-{k}" for f, s, k in POOL])
def test_pool_kernel_equals_generic(on_numpy, fn, shape, kw, dtype):
    rng = np.random.default_rng(2)
    xs = rng.standard_normal(shape)
    xs[0, 0, :3, :3] = 0.5  # ties: the first maximum in window order takes the gradient
    xs[-1, -1] = np.round(xs[-1, -1])  # more ties
    got = _pool(fn, xs, kw, dtype)
    with fast.disabled():
        want = _pool(fn, xs, kw, dtype)
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        _close(a, b, dtype)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)],
                         ids=["2x2 (unrolled)", "3x3 padded (general)"])
def test_max_pool_with_a_nan_sends_the_gradient_to_it(kw):
    # documented difference (portanet/kernels/numba_pool.py): NaN wins its window and
    # takes the gradient, as in PyTorch; the generic path gives it to no position
    with pn.use_backend("numpy"):
        x = pn.tensor([[[[1.0, float("nan")], [3.0, float("nan")]]]], requires_grad=True)
        y = F.max_pool2d(x, **kw)
        y.sum().backward()
        assert np.isnan(pn.to_numpy(y)).all()
        grad = pn.to_numpy(x.grad)
        assert grad[0, 0, 0, 0] == grad[0, 0, 1, 0] == 0.0
        if HAVE_NUMBA:  # every window holds the NaN at (0, 1), the first in window order
            assert grad[0, 0, 0, 1] == y.array.size and grad[0, 0, 1, 1] == 0.0
        else:
            assert not grad.any()
