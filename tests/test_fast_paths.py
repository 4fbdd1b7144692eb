"""Every registered fast path in ``portanet.backend.fast`` equals the generic Array API path."""
import os

import numpy as np
import pytest

import portanet as pn
from portanet.backend import fast
from portanet.kernels import OPTIM_RULES
from portanet.ops.indexing import index_add


def _registered(backend):
    return fast.registered(backend.xp)


def test_known_fast_paths_are_registered(backend):
    numpy_paths = ["conv2d", "index_add", "optim.sgd", "relu_backward"]
    if fast.importable("numba") and os.environ.get("PORTANET_NUMBA", "1") != "0":
        numpy_paths += ["avg_pool2d", "max_pool2d", "philox_uint32", *OPTIM_RULES]
    cupy_paths = ["index_add"]
    if os.environ.get("PORTANET_CUPY_KERNELS", "1") != "0":
        cupy_paths += ["lstm_cell_backward", "lstm_cell_forward", "optim.adam", "optim.sgd"]
    expected = {"numpy": sorted(set(numpy_paths)), "torch": ["index_add", "optim.adagrad", "optim.adam", "optim.sgd"],
                "cupy": cupy_paths, "jax": ["index_add"]}
    assert _registered(backend) == expected.get(backend.name, [])
    with fast.disabled():
        assert fast.lookup(backend.xp, "index_add") is None
    assert (fast.lookup(backend.xp, "index_add") is not None) == bool(_registered(backend))


@pytest.mark.parametrize("values_shape", [(7,), (7, 3), (7, 2, 2)])
def test_index_add_equals_generic(backend, values_shape):
    rng = np.random.default_rng(5)
    idx = np.array([0, 3, 3, 1, 0, 3, 4])  # repeated indices must sum
    vals = rng.standard_normal(values_shape)
    xp = backend.xp
    i, v = backend.asarray(idx), backend.asarray(vals, "float64")
    got = pn.to_numpy(index_add(xp, 6, i, v))
    with fast.disabled():
        generic = pn.to_numpy(index_add(xp, 6, i, v))
    want = np.zeros((6,) + values_shape[1:])
    np.add.at(want, idx, vals)
    assert got.shape == generic.shape == want.shape
    np.testing.assert_allclose(got, generic, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(generic, want, rtol=1e-14, atol=1e-15)
    assert type(got) is type(generic)


def test_indexing_gradient_same_with_and_without_fast_paths(backend):
    def grad():
        x = pn.tensor(np.arange(12.0).reshape(4, 3), dtype="float64", requires_grad=True)
        y = x[pn.tensor([2, 0, 2, -1, 2])] * pn.tensor(np.arange(15.0).reshape(5, 3), dtype="float64")
        y.sum().backward()
        return pn.to_numpy(x.grad)

    got = grad()
    with fast.disabled():
        generic = grad()
    w = np.arange(15.0).reshape(5, 3)
    want = np.zeros((4, 3))
    np.add.at(want, [2, 0, 2, 3, 2], w)
    np.testing.assert_array_equal(got, generic)
    np.testing.assert_array_equal(generic, want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_backward_equals_generic(backend, dtype):
    def grads():
        x = pn.tensor([[-1.0, 0.0, 2.0], [3.0, -0.5, 1e-30]], dtype=dtype, requires_grad=True)
        y = pn.relu(x)
        g = pn.tensor([[1.0, 2.0, float("inf")], [float("nan"), 5.0, -6.0]], dtype=dtype)
        y.backward(g)
        return pn.to_numpy(x.grad)
    got = grads()
    with fast.disabled():
        want = grads()
    assert got.dtype == want.dtype == np.dtype(dtype)
    # NaN where the generic product gives NaN (a NaN or infinite gradient times 0 or 1)
    np.testing.assert_array_equal(got, want)
