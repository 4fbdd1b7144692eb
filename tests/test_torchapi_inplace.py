"""In-place operations, item assignment and ``.data`` as PyTorch does them (issue 11
items 4-5), on every backend, JAX's immutable arrays included where installed."""
import numpy as np
import pytest

import portanet as pn


def np_(t):
    return pn.to_numpy(t)


def test_param_minus_equals_inside_no_grad_changes_the_model(backend):
    """The polynomial tutorial's update loop: ``param -= lr * param.grad`` (was a no-op)."""
    model = pn.nn.Linear(3, 1)
    x, y = pn.randn(8, 3), pn.randn(8, 1)
    before = [np_(p).copy() for p in model.parameters()]
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    with pn.no_grad():
        for param in model.parameters():
            param -= 0.1 * param.grad
    for p, b in zip(model.parameters(), before):
        np.testing.assert_allclose(np_(p), b - 0.1 * np_(p.grad), rtol=1e-6)
        assert p.requires_grad and p.is_leaf
    assert ((model(x) - y) ** 2).mean().item() < loss.item()


def test_inplace_methods_and_operators(backend):
    a = pn.tensor([1.0, 2.0, 3.0])
    ref = id(a)
    a += 1
    a -= pn.tensor([1.0, 1.0, 1.0])
    a *= 2
    a /= 4
    assert id(a) == ref
    np.testing.assert_allclose(np_(a), [0.5, 1.0, 1.5])
    assert a.add_(1, alpha=2) is a and a.sub_(pn.ones(3)).mul_(2).div_(2) is a
    np.testing.assert_allclose(np_(a), [1.5, 2.0, 2.5])
    a.clamp_(2.0, 2.2)
    np.testing.assert_allclose(np_(a), [2.0, 2.0, 2.2], rtol=1e-6)
    a.pow_(2).neg_().abs_().sqrt_()
    np.testing.assert_allclose(np_(a), [2.0, 2.0, 2.2], rtol=1e-6)
    a.zero_()
    assert np_(a).tolist() == [0.0, 0.0, 0.0]
    a.fill_(7)
    assert np_(a).tolist() == [7.0, 7.0, 7.0]
    a.copy_(pn.tensor([1, 2, 3]))          # copy_ casts
    assert np_(a).tolist() == [1.0, 2.0, 3.0] and a.dtype == pn.float32
    a.masked_fill_(a > 1.5, -1.0)
    assert np_(a).tolist() == [1.0, -1.0, -1.0]
    pn.manual_seed(0)
    a.normal_(0, 0.02)
    assert np.abs(np_(a)).max() < 0.2
    a.uniform_(2, 3)
    assert np_(a).min() >= 2 and np_(a).max() < 3


def test_inplace_keeps_dtype_and_refuses_float_into_int(backend):
    a = pn.tensor([1, 2])
    a += 1
    assert a.dtype == pn.int64 and np_(a).tolist() == [2, 3]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        a += 0.5
    f = pn.tensor([1.0, 2.0])
    f += pn.tensor([1, 1])
    assert f.dtype == pn.float32
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        f.add_(pn.ones(2, 2))


def test_inplace_on_a_leaf_that_requires_grad_raises(backend):
    w = pn.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.normal_()):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation."):
            op()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w[0] = 3.0
    with pn.no_grad():
        w.mul_(2)
    assert np_(w.detach()).tolist() == [2.0, 4.0] and w.is_leaf and w.requires_grad


def test_inplace_on_a_graph_tensor_rebases_its_history(backend):
    """``y = x.sigmoid(); y.mul_(2); y.sum().backward()`` as PyTorch: d/dx = 2 s (1 - s)."""
    x = pn.tensor([0.5, -1.0, 2.0], dtype=pn.float64, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()
    s = 1 / (1 + np.exp(-np.array([0.5, -1.0, 2.0])))
    np.testing.assert_allclose(np_(x.grad), 2 * s * (1 - s), rtol=1e-12)
    assert y.grad_fn is not None and not y.is_leaf
    # accumulating into a graph tensor with += (the char-RNN tutorial's batch_loss)
    x.grad = None
    total = 0
    for k in range(3):
        total += (x * (k + 1)).sum()
    total.backward()
    np.testing.assert_allclose(np_(x.grad), [6.0, 6.0, 6.0])


def test_saved_tensor_modified_in_place_raises_at_backward(backend):
    x = pn.tensor([0.5, -1.0], requires_grad=True)
    y = x.exp()          # saves its output
    z = y * 1.0
    out = (y * y).sum()
    with pn.no_grad():
        y.mul_(2)        # changes what Mul saved
    with pytest.raises(RuntimeError, match="modified in place by mul_"):
        out.backward()
    assert z is not None


def test_item_assignment(backend):
    x = pn.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = pn.tensor([1.0, 2.0, 3.0])
    x[x > 4] = -1.0
    x[:, 2] = 9
    assert np_(x).tolist() == [[0.0, -1.0, 9.0], [1.0, 2.0, 9.0]]
    x[pn.tensor([0, 1]), pn.tensor([0, 0])] = pn.tensor([7.0, 8.0])
    assert np_(x)[:, 0].tolist() == [7.0, 8.0]


def test_chained_views_write_into_their_base(backend):
    """``tensor[li][0][j] = 1`` and ``confusion[i][j] += 1`` from the char-RNN tutorial."""
    t = pn.zeros(3, 1, 4)
    t[1][0][2] = 1
    assert np_(t)[1, 0].tolist() == [0.0, 0.0, 1.0, 0.0] and np_(t).sum() == 1
    c = pn.zeros(2, 2)
    c[0][1] += 1
    c[0][1] += 1
    c[1] = c[1] + 3
    assert np_(c).tolist() == [[0.0, 2.0], [3.0, 3.0]]


def test_item_assignment_on_the_graph_differentiates(backend):
    x = pn.tensor([1.0, 2.0, 3.0], dtype=pn.float64, requires_grad=True)
    v = pn.tensor([10.0], dtype=pn.float64, requires_grad=True)
    y = x * 2
    y[1] = v * 3
    (y * pn.tensor([1.0, 2.0, 3.0], dtype=pn.float64)).sum().backward()
    assert np_(y.detach()).tolist() == [2.0, 30.0, 6.0]
    assert np_(x.grad).tolist() == [2.0, 0.0, 6.0]
    assert np_(v.grad).tolist() == [6.0]


def test_inplace_on_a_view_of_a_graph_tensor_reaches_the_base(backend):
    x = pn.tensor([1.0, 2.0], dtype=pn.float64, requires_grad=True)
    y = x * 1
    y[0].mul_(5)           # PyTorch: y = [5 x0, x1]
    assert np_(y.detach()).tolist() == [5.0, 2.0]
    y.sum().backward()
    assert np_(x.grad).tolist() == [5.0, 1.0]


def test_data_aliases(backend):
    m = pn.nn.Linear(3, 2)
    m.weight.data.normal_(0, 0.02)
    m.bias.data.fill_(0)
    assert np_(m.bias.detach()).tolist() == [0.0, 0.0]
    assert np.abs(np_(m.weight.detach())).max() < 0.2
    w0 = np_(m.weight.detach()).copy()
    m.weight.data.sub_(m.weight.data * 0.5)
    np.testing.assert_allclose(np_(m.weight.detach()), w0 * 0.5, rtol=1e-6)
    m.weight.data = pn.ones(2, 3)
    assert np_(m.weight.detach()).tolist() == [[1.0] * 3] * 2
    assert m.weight.requires_grad and m.weight.is_leaf
    m(pn.ones(1, 3)).sum().backward()
    assert m.weight.grad.shape == (2, 3)
