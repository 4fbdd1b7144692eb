"""Property tests (hypothesis): broadcasting, dtypes and gradients of elementwise and
reduction ops over random shapes, against NumPy formulas written here by hand."""
import numpy as np
import pytest

import portanet as pn

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

# every example is a new shape: on jax each is an XLA compile per op
heavy = pytest.mark.heavy(reason="hypothesis: a new shape per example")

# Small budgets (the suite runs in minutes on 2 cores); derandomized so CI is repeatable.
PROPS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DTYPES = st.sampled_from(["float32", "float64"])
TOL = {"float32": dict(rtol=2e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-13)}


def _array(data, shape, dtype, lo=-3.0, hi=3.0):
    width = 32 if dtype == "float32" else 64
    return data.draw(hnp.arrays(np.dtype(dtype), shape,
                                elements=st.floats(lo, hi, width=width, allow_subnormal=False)))


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (NumPy broadcasting in reverse)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def _check(actual, expected, dtype):
    assert actual.shape == tuple(expected.shape)
    assert pn.backend.dtype_name(actual.dtype) == dtype          # never promoted
    np.testing.assert_allclose(pn.to_numpy(actual), expected, **TOL[dtype])


# op, NumPy forward, (d/dx, d/dy) as NumPy functions of (x, y)
BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda x, y: np.ones_like(x * y), lambda x, y: np.ones_like(x * y)),
    "sub": (lambda a, b: a - b, np.subtract, lambda x, y: np.ones_like(x * y), lambda x, y: -np.ones_like(x * y)),
    "mul": (lambda a, b: a * b, np.multiply, lambda x, y: y + 0 * x, lambda x, y: x + 0 * y),
    "div": (lambda a, b: a / b, np.divide, lambda x, y: 1 / y + 0 * x, lambda x, y: -x / y ** 2),
}


@PROPS
@heavy
@given(data=st.data(), op=st.sampled_from(sorted(BINARY)), dtype=DTYPES,
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_binary_broadcasting_forward_and_gradient(backend, data, op, dtype, shapes):
    fn, ref, dx, dy = BINARY[op]
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    x = _array(data, sx, dtype)
    y = _array(data, sy, dtype, 0.5, 3.0) * data.draw(st.sampled_from([-1.0, 1.0]))  # |y| >= 0.5
    y = y.astype(dtype)
    w = _array(data, out_shape, dtype)                       # upstream gradient
    tx = pn.tensor(x, requires_grad=True)
    ty = pn.tensor(y, requires_grad=True)
    out = fn(tx, ty)
    _check(out, ref(x.astype(np.float64), y.astype(np.float64)), dtype)
    (out * pn.tensor(w)).sum().backward()
    x64, y64, w64 = x.astype(np.float64), y.astype(np.float64), w.astype(np.float64)
    _check(tx.grad, _unbroadcast(w64 * dx(x64, y64), sx), dtype)
    _check(ty.grad, _unbroadcast(w64 * dy(x64, y64), sy), dtype)


@PROPS
@heavy
@given(data=st.data(), dtype=DTYPES,
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, max_side=4))
def test_grad_of_sum_x_times_y_is_reduced_broadcast(backend, data, dtype, shapes):
    # d/dx sum(x * y) = y broadcast to the result, summed back over x's broadcast axes
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    x, y = _array(data, sx, dtype), _array(data, sy, dtype)
    tx, ty = pn.tensor(x, requires_grad=True), pn.tensor(y, requires_grad=True)
    (tx * ty).sum().backward()
    assert tx.grad.shape == sx and ty.grad.shape == sy
    yb = np.broadcast_to(y.astype(np.float64), out_shape)
    xb = np.broadcast_to(x.astype(np.float64), out_shape)
    _check(tx.grad, _unbroadcast(yb, sx), dtype)
    _check(ty.grad, _unbroadcast(xb, sy), dtype)


@PROPS
@heavy
@given(data=st.data(), dtype=DTYPES, scalar=st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.1),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
def test_python_scalars_keep_the_dtype(backend, data, dtype, scalar, shape):
    x = _array(data, shape, dtype)
    tx = pn.tensor(x, requires_grad=True)
    out = (tx * scalar + scalar) / scalar - scalar
    _check(out, (x.astype(np.float64) * scalar + scalar) / scalar - scalar, dtype)
    out.sum().backward()
    _check(tx.grad, np.ones(shape), dtype)


# op, NumPy forward, derivative as a NumPy function of x (inputs drawn in [lo, hi])
UNARY = {
    "exp": (pn.exp, np.exp, np.exp, -3.0, 3.0),
    "log": (pn.log, np.log, lambda x: 1 / x, 0.25, 4.0),
    "sqrt": (pn.sqrt, np.sqrt, lambda x: 0.5 / np.sqrt(x), 0.25, 4.0),
    "tanh": (pn.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, -3.0, 3.0),
    "sigmoid": (pn.sigmoid, lambda x: 1 / (1 + np.exp(-x)),
                lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, -3.0, 3.0),
    "relu": (pn.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0, -3.0, 3.0),
}


@PROPS
@heavy
@given(data=st.data(), op=st.sampled_from(sorted(UNARY)), dtype=DTYPES,
       shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
def test_unary_forward_and_gradient(backend, data, op, dtype, shape):
    fn, ref, d, lo, hi = UNARY[op]
    x, w = _array(data, shape, dtype, lo, hi), _array(data, shape, dtype)
    tx = pn.tensor(x, requires_grad=True)
    out = fn(tx)
    x64 = x.astype(np.float64)
    _check(out, ref(x64), dtype)
    (out * pn.tensor(w)).sum().backward()
    _check(tx.grad, w.astype(np.float64) * d(x64), dtype)


@st.composite
def shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    nd = len(shape)
    axis = draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                          st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)))
    return shape, axis, draw(st.booleans())


def _values(fn):
    """amax/amin in the (axis, keepdims) spelling (max/min with a dim also give indices)."""
    return lambda t, axis, keepdims: fn(t, dim=() if axis is None else axis, keepdim=keepdims)


REDUCE = {"sum": (pn.sum, np.sum), "mean": (pn.mean, np.mean), "max": (_values(pn.amax), np.max),
          "min": (_values(pn.amin), np.min)}


@PROPS
@heavy
@given(data=st.data(), op=st.sampled_from(sorted(REDUCE)), dtype=DTYPES, sak=shape_and_axis())
def test_reductions_forward_and_gradient(backend, data, op, dtype, sak):
    shape, axis, keepdims = sak
    fn, ref = REDUCE[op]
    x = _array(data, shape, dtype)
    tx = pn.tensor(x, requires_grad=True)
    out = fn(tx, axis=axis, keepdims=keepdims)
    expected = ref(x.astype(np.float64), axis=axis, keepdims=keepdims)
    _check(out, np.asarray(expected), dtype)
    w = _array(data, out.shape, dtype)
    (out * pn.tensor(w)).sum().backward()
    g = pn.to_numpy(tx.grad).astype(np.float64)
    assert g.shape == shape
    w_keep = np.asarray(w, np.float64).reshape(np.shape(ref(x, axis=axis, keepdims=True)))
    if op == "sum":
        np.testing.assert_allclose(g, np.broadcast_to(w_keep, shape), **TOL[dtype])
    elif op == "mean":
        n = x.size // max(1, np.asarray(ref(x, axis=axis, keepdims=True)).size)
        np.testing.assert_allclose(g, np.broadcast_to(w_keep / n, shape), **TOL[dtype])
    else:
        # ties may share the gradient or give it to one element (both conventions exist);
        # either way it flows only to extreme elements and sums to the upstream gradient
        extreme = x == ref(x, axis=axis, keepdims=True)
        assert np.all(g[~extreme] == 0)
        np.testing.assert_allclose(g.sum(axis=axis, keepdims=True), w_keep, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_scalar_keeps_its_dtype(backend, dtype):
    # regression: np.float64 subclasses Python float and was read as a plain float32 number
    v = np.dtype(dtype).type(0.1)
    t = pn.tensor(v)
    assert pn.backend.dtype_name(t.dtype) == dtype and t.shape == ()
    assert pn.to_numpy(t) == v
    assert pn.backend.dtype_name(pn.tensor(0.1).dtype) == "float32"   # a Python float: default
