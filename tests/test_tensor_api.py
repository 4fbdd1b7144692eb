"""The Tensor API: operators, indexing, shapes, reductions, dtypes, and the tape's rules
(accumulation, retain_graph, freed saved arrays, no_grad, explicit gradients)."""
import numpy as np
import pytest

import portanet as pn

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
B = np.array([2.0, -1.0, 0.25])


def np_(t):
    return pn.to_numpy(t)


def test_operators_match_numpy(backend):
    a, b = pn.tensor(A, dtype="float64"), pn.tensor(B, dtype="float64")
    for got, want in [(a + b, A + B), (a - b, A - B), (a * b, A * B), (a / b, A / B),
                      (abs(a) ** b, np.abs(A) ** B), (-a, -A), (a @ b, A @ B), (a.T @ a, A.T @ A),
                      (2.0 - a, 2 - A), (3.0 / b, 3 / B), (2.0 ** b, 2 ** B), (a ** 2, A ** 2),
                      (b + A, B + A), (A * b, A * B), (+a, A)]:
        assert got.dtype == backend.xp.float64
        np.testing.assert_allclose(np_(got), want, rtol=1e-15)


def test_comparisons_give_bool_without_grad(backend):
    a = pn.tensor(A, dtype="float64", requires_grad=True)
    for got, want in [(a > 0, A > 0), (a >= 1, A >= 1), (a < 0.5, A < 0.5), (a <= 0.5, A <= 0.5),
                      (a == 3.0, A == 3.0), (a != 3.0, A != 3.0), (a > pn.tensor(B, dtype="float64"), A > B)]:
        assert not got.requires_grad and got.dtype == backend.xp.bool
        np.testing.assert_array_equal(np_(got), want)


def test_indexing(backend):
    a = pn.tensor(np.arange(24.0).reshape(2, 3, 4))
    ref = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    for got, want in [(a[1], ref[1]), (a[-1, 2], ref[-1, 2]), (a[:, 1:, ::2], ref[:, 1:, ::2]),
                      (a[..., 0], ref[..., 0]), (a[None, 1], ref[None, 1]), (a[0, 1, 2], ref[0, 1, 2]),
                      (a[pn.tensor([1, 0, 1])], ref[[1, 0, 1]]), (a[[0, 0]], ref[[0, 0]]),
                      (a[pn.tensor([-1])], ref[[-1]]),
                      (a[pn.tensor([0, 1]), pn.tensor([2, -1])], ref[[0, 1], [2, -1]]),
                      (a[a > 20.0], ref[ref > 20])]:
        np.testing.assert_array_equal(np_(got), want)
    with pytest.raises(IndexError, match="leading positions"):
        a[:, pn.tensor([0, 1])]


def test_reshape_transpose_permute(backend):
    a = pn.tensor(np.arange(6.0).reshape(2, 3))
    ref = np.arange(6.0).reshape(2, 3)
    assert a.reshape(3, 2).shape == (3, 2) and a.reshape((-1,)).shape == (6,)
    np.testing.assert_array_equal(np_(a.T), ref.T)
    np.testing.assert_array_equal(np_(a.transpose()), ref.T)
    b = pn.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert b.permute(2, 0, 1).shape == (4, 2, 3) and b.permute((1, 2, 0)).shape == (3, 4, 2)
    assert b.transpose(0, 2).shape == (4, 3, 2) and b.mT.shape == (2, 4, 3)
    assert pn.flatten(b, 1).shape == (2, 12) and pn.unsqueeze(a, 1).shape == (2, 1, 3)
    assert pn.squeeze(pn.unsqueeze(a, 0)).shape == (2, 3)


def test_reductions_axis_keepdims(backend):
    a = pn.tensor(A, dtype="float64")
    for name in ("sum", "mean", "max", "min", "var", "std"):
        np_fn = {"var": lambda x, **k: np.var(x, ddof=1, **k), "std": lambda x, **k: np.std(x, ddof=1, **k)}.get(
            name, getattr(np, name))
        for axis in (None, 0, 1, -1, (0, 1)):
            for keep in (False, True):
                if name in ("max", "min"):   # values along axes: amax/amin (max(dim) gives indices too)
                    got = getattr(a, "a" + name)(dim=() if axis is None else axis, keepdim=keep)
                else:
                    got = getattr(a, name)(axis=axis, keepdims=keep)
                np.testing.assert_allclose(np_(got), np_fn(A, axis=axis, keepdims=keep), rtol=1e-14,
                                           err_msg=f"{name} axis={axis} keepdims={keep}")
    assert a.sum(dim=0, keepdim=True).shape == (1, 3)
    assert pn.var(a, correction=0).item() == pytest.approx(np.var(A))


def test_detach_item_numel(backend):
    a = pn.tensor(A, requires_grad=True)
    d = a.detach()
    assert not d.requires_grad and d.is_leaf and np.array_equal(np_(d), np_(a))
    assert (a * 2).sum().detach().requires_grad is False
    assert a.numel() == 6 and len(a) == 2 and a.ndim == 2 and a.shape == (2, 3)
    s = a.sum().item()
    assert type(s) is float and s == pytest.approx(A.sum())
    i = pn.tensor([7]).item()
    assert type(i) is int and i == 7
    assert type(pn.tensor(True).item()) is bool
    with pytest.raises(ValueError, match="one element"):
        a.item()


def test_gradients_accumulate_until_zeroed(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(np_(x.grad), [2 + 3, 4 + 3])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(np_(x.grad), [2, 4])
    lin = pn.nn.Linear(2, 1)
    lin(pn.tensor([[1.0, 1.0]])).sum().backward()
    lin.zero_grad()
    assert all(p.grad is None for p in lin.parameters())


def test_grad_sums_over_shared_subexpressions(backend):
    x = pn.tensor([1.5, -0.5], dtype="float64", requires_grad=True)
    y = x * x
    z = (y + y * x + pn.exp(y)).sum()  # y used three times
    z.backward()
    X = np.array([1.5, -0.5])
    np.testing.assert_allclose(np_(x.grad), 2 * X + 3 * X ** 2 + 2 * X * np.exp(X ** 2), rtol=1e-14)


def test_retain_graph(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    loss = (pn.exp(x) * x).sum()
    loss.backward(retain_graph=True)
    g1 = np_(x.grad).copy()
    loss.backward()
    np.testing.assert_allclose(np_(x.grad), 2 * g1, rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_saved_arrays_released_after_backward(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    y = pn.exp(x)
    node = y._node
    assert node.inputs is not None and node.__dict__  # the exp output is saved
    y.sum().backward()
    assert node.inputs is None and not node.__dict__
    z = pn.tanh(x)
    z.sum().backward(retain_graph=True)
    assert z._node.inputs is not None and z._node.__dict__


def test_no_grad(backend):
    x = pn.tensor([1.0], requires_grad=True)
    with pn.no_grad():
        y = x * 2.0 + 1.0
        assert not pn.is_grad_enabled()
    assert pn.is_grad_enabled()
    assert not y.requires_grad and y._node is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_explicit_gradient_for_non_scalar(backend):
    x = pn.tensor(A, dtype="float64", requires_grad=True)
    y = x * x
    g = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 1.0]])
    with pytest.raises(RuntimeError, match="one-element"):
        y.backward(retain_graph=True)
    with pytest.raises(ValueError, match="gradient shape"):
        y.backward(pn.tensor([1.0, 2.0], dtype="float64"), retain_graph=True)
    y.backward(pn.tensor(g, dtype="float64"))
    np.testing.assert_allclose(np_(x.grad), 2 * A * g)
    x2 = pn.tensor(B, dtype="float64", requires_grad=True)
    (x2 * 1.0).backward(B.tolist())
    np.testing.assert_allclose(np_(x2.grad), B)


def test_dtypes(backend):
    xp = backend.xp
    assert pn.tensor([1.0, 2.0]).dtype == xp.float32  # float32 default
    assert pn.tensor(2.5).dtype == xp.float32
    assert pn.tensor([1, 2]).dtype == xp.int64
    assert pn.tensor([1, 2], dtype="float64").dtype == xp.float64
    assert pn.tensor(np.zeros(2, dtype=np.float64)).dtype == xp.float64
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 2.5, x + 1e-30, 0.1 - x, x / 3.0, x ** 2.0, x * np.float64(2.0), pn.exp(x) * 1.5,
              x.sum() * 0.5):
        assert y.dtype == xp.float32, "a Python/NumPy scalar must not promote float32"
    y = x.astype("float64")
    assert y.dtype == xp.float64 and x.double().dtype == xp.float64 and y.float().dtype == xp.float32
    (y * y).sum().backward()
    assert x.grad.dtype == xp.float32  # gradient cast back through astype
    with pytest.raises(TypeError, match="floating-point"):
        pn.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="unknown dtype"):
        pn.tensor([1.0], dtype="float31")


def test_repr_and_grad_is_tensor(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, pn.Tensor) and not x.grad.requires_grad
    assert "requires_grad=True" in repr(x)
    assert "dtype=float64" in repr(pn.tensor([1.0], dtype="float64"))
