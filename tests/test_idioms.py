"""Everyday PyTorch idioms that once gave a different answer here: dtypes of joins,
reductions of integer tensors.  Expected dtypes are PyTorch's (torch.cat/stack promote
like binary ops; torch.mean refuses integers without dtype=)."""
import numpy as np
import pytest

import portanet as pn


@pytest.mark.parametrize("a, b, want", [
    (([1], "int64"), ([1.5], "float32"), "float32"),
    (([True], "bool"), ([2], "int64"), "int64"),
    (([1], "int32"), ([1.0], "float64"), "float64"),
    (([1.0], "float32"), ([1.0], "float64"), "float64"),
])
@pytest.mark.parametrize("join", ["cat", "stack"])
def test_cat_and_stack_promote_as_pytorch(backend, join, a, b, want):
    x, y = pn.tensor(a[0], dtype=a[1]), pn.tensor(b[0], dtype=b[1])
    out = getattr(pn, join)([x, y])
    assert out.dtype == getattr(pn, want)
    np.testing.assert_array_equal(pn.to_numpy(out).ravel(), np.array(a[0] + b[0], dtype=want))


def test_cat_of_mixed_dtypes_passes_gradients_to_the_float_input(backend):
    w = pn.tensor([0.5, 2.0], dtype=pn.float64, requires_grad=True)
    out = pn.cat([pn.tensor([3], dtype=pn.int32), w])
    (out * out).sum().backward()
    np.testing.assert_allclose(pn.to_numpy(w.grad), [1.0, 4.0])


def test_mean_of_integers_needs_a_dtype_as_in_pytorch(backend):
    x = pn.tensor([1, 2, 4])
    with pytest.raises(TypeError, match=r"mean\(\): could not infer output dtype.*int64"):
        x.mean()
    m = x.mean(dtype=pn.float32)
    assert m.dtype == pn.float32 and abs(m.item() - 7 / 3) < 1e-6
    assert pn.mean(x.float(), dim=0).item() == pytest.approx(7 / 3)


def _softmax_by_hand(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("shape, implied", [((4,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)])
def test_softmax_without_dim_uses_pytorchs_implicit_dim_and_warns(backend, shape, implied):
    x = np.random.RandomState(0).randn(*shape)
    for f, log in ((pn.nn.functional.softmax, False), (pn.nn.functional.log_softmax, True),
                   (pn.nn.Softmax(), False)):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            out = pn.to_numpy(f(pn.tensor(x)))
        want = _softmax_by_hand(x, implied)
        np.testing.assert_allclose(out, np.log(want) if log else want, rtol=1e-10)


def test_softmax_dtype_casts_first(backend):
    x = pn.tensor([[1.0, 2.0, 3.0]], dtype=pn.float64)
    out = pn.softmax(x, dim=1, dtype=pn.float32)
    assert out.dtype == pn.float32
    np.testing.assert_allclose(pn.to_numpy(out), _softmax_by_hand(np.array([[1.0, 2.0, 3.0]]), 1), rtol=1e-6)


def test_one_hot_as_pytorch(backend):
    F = pn.nn.functional
    out = F.one_hot(pn.tensor([0, 2, 1]), 4)
    assert out.dtype == pn.int64
    np.testing.assert_array_equal(pn.to_numpy(out), np.eye(4, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(pn.tensor([[1], [0]])).shape == (2, 1, 2)     # num_classes = max + 1
    with pytest.raises(TypeError, match="LongTensor, got float32"):
        F.one_hot(pn.tensor([0.0]), 3)
    with pytest.raises(ValueError, match=r"smaller than num_classes \(3\), got 3"):
        F.one_hot(pn.tensor([0, 3]), 3)
        pn.checks.flush()
    with pytest.raises(ValueError, match="non-negative, got -1"):
        F.one_hot(pn.tensor([-1, 0]), 3)
        pn.checks.flush()


def test_assigning_graph_values_into_a_plain_tensor_passes_their_gradients(backend):
    """``out = zeros(...); out[i] = f(w)`` (seq2seq decoders collect outputs this way) and
    ``o.add_(f(v))``: the values' gradients reach ``w``/``v`` (they once got none: the
    node took ``out`` itself as an input and then became ``out``'s history).  Worked by
    hand: d/dw sum(2 w[0]) = 2 on row 0; o = 3v * v gives 6v; z = [0, u^2, u^2 + u]."""
    w = pn.ones(5, 4, requires_grad=True)
    out = pn.zeros(5, 4)
    out[0] = w[0] * 2
    out.sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(w.grad), np.vstack([np.full((1, 4), 2.0), np.zeros((4, 4))]))
    v = pn.ones(3, requires_grad=True)
    o = pn.zeros(3)
    o.add_(v * 3)
    o.mul_(v)
    o.sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(v.grad), [6.0, 6.0, 6.0])
    u = pn.ones(2, requires_grad=True)
    z = pn.zeros(4)
    z[1:3] = u * u
    z.view(2, 2)[1].add_(u)
    (z * pn.arange(4.0)).sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(z), [0.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(pn.to_numpy(u.grad), [4.0, 7.0])


def test_data_parallel_on_one_device_is_the_module_with_pytorchs_keys(backend):
    pn.manual_seed(0)
    inner = pn.nn.Linear(3, 2)
    net = pn.nn.DataParallel(inner)
    assert list(net.state_dict()) == ["module.weight", "module.bias"]
    x = pn.randn(4, 3)
    np.testing.assert_array_equal(pn.to_numpy(net(x)), pn.to_numpy(inner(x)))
    from portanet.nn.parallel import data_parallel
    np.testing.assert_array_equal(pn.to_numpy(data_parallel(inner, x)), pn.to_numpy(inner(x)))
    with pytest.raises(NotImplementedError, match="splitting a batch over 2 devices.*distributed"):
        pn.nn.DataParallel(inner, device_ids=[0, 1])


def test_tensor_takes_device_as_pytorch(backend):
    t = pn.tensor([1.0, 2.0], device="cpu", dtype=pn.float64)
    assert t.dtype == pn.float64 and t.device == pn.device("cpu")
    np.testing.assert_array_equal(pn.to_numpy(t), [1.0, 2.0])
    with pytest.raises(TypeError, match="device= or backend="):
        pn.tensor([1.0], device="cpu", backend="numpy")


def test_sum_takes_dtype_as_pytorch(backend):
    x = pn.tensor([1, 2, 4], dtype=pn.int32)
    assert x.sum().dtype == pn.int64                       # PyTorch: integer sums are int64
    s = x.sum(dtype=pn.float64)
    assert s.dtype == pn.float64 and s.item() == 7.0
    w = pn.tensor([0.5, 1.5], requires_grad=True)
    pn.sum(w * w, dim=0, dtype=pn.float64).backward()
    assert w.grad.dtype == pn.float32
    np.testing.assert_array_equal(pn.to_numpy(w.grad), [1.0, 3.0])


def test_steplr_takes_an_integral_float_step_size_as_the_tutorials_write(backend):
    opt = pn.optim.SGD([pn.nn.Parameter(pn.ones(1))], lr=1.0)
    sched = pn.optim.lr_scheduler.StepLR(opt, 1.0, gamma=0.5)   # "Language Modeling" tutorial
    lrs = []
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [0.5, 0.25, 0.125] and sched.step_size == 1
    with pytest.raises(TypeError, match="step_size must be a positive integer, got float 1.5"):
        pn.optim.lr_scheduler.StepLR(opt, 1.5)
