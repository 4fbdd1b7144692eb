"""The JAX backend's own promises (the whole suite also runs on it through the plugin):
its names, 64-bit mode, immutable arrays updated functionally, devices, host copies."""
import numpy as np
import pytest

import portanet as pn

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def test_namespace_object_and_name_give_one_backend():
    with pn.use_backend(jnp) as a, pn.use_backend("jax") as b, pn.use_backend("JAX") as c:
        assert a is b is c and a.name == "jax" and a.xp is jnp
        t = pn.tensor([1.0, 2.0])
        assert pn.backend.is_host_array(pn.to_numpy(t)) and "backend='jax'" in repr(t)


def test_loading_turns_on_64_bit_mode():
    # float64 on request, int64 indices by default, as on every other backend
    with pn.use_backend("jax"):
        assert jax.config.jax_enable_x64
        assert pn.tensor([1.0], dtype="float64").dtype == jnp.float64
        assert pn.tensor([1, 2]).dtype == jnp.int64
        assert pn.randint(0, 5, (3,)).dtype == jnp.int64
        assert pn.tensor([1.0]).dtype == jnp.float32  # float32 stays the default


def test_arrays_of_jax_numpy_and_other_libraries():
    torch = pytest.importorskip("torch")
    with pn.use_backend("jax") as bk:
        raw = jnp.asarray([1.0, 2.0], dtype=jnp.float32)
        assert bk.owns(raw) and pn.tensor(raw).backend is bk
        assert pn.tensor(np.array([1.0, 2.0])).backend is bk  # host data travels
        with pytest.raises(pn.BackendError, match="another backend .*torch.*current backend is Backend\\('jax'\\)"):
            pn.tensor(torch.ones(2))


def test_to_numpy_gives_a_writeable_host_copy():
    with pn.use_backend("jax"):
        t = pn.tensor([1.0, 2.0])
        h = pn.to_numpy(t)
        h[0] = 5.0  # a copy: the tensor is unchanged
        assert pn.to_numpy(t).tolist() == [1.0, 2.0]


def test_devices_by_name():
    cpu = jax.devices("cpu")[0]
    for name in ("cpu", "cpu:0"):
        with pn.use_backend("jax", device=name) as bk:
            assert bk.device == cpu
            assert pn.backend.device_of(pn.tensor([1.0]).array) == cpu


def _train_cnn(steps=2):
    """A conv + pool + batch norm + dropout + embedding model, SGD with momentum."""
    pn.manual_seed(3)
    conv = pn.nn.Conv2d(1, 2, 3, padding=1)
    bn = pn.nn.BatchNorm2d(2)
    emb = pn.nn.Embedding(4, 2, padding_idx=0)
    params = list(conv.parameters()) + list(bn.parameters()) + list(emb.parameters())
    opt = pn.optim.SGD(params, lr=0.1, momentum=0.9)
    x = pn.randn(2, 1, 6, 6)
    idx = pn.tensor([[0, 1], [2, 3]])
    for _ in range(steps):
        opt.zero_grad()
        h = pn.nn.functional.max_pool2d(pn.relu(bn(conv(x))), 2, stride=1, padding=1)
        h = pn.nn.functional.dropout(h, 0.3)
        loss = (h * h).mean() + emb(idx)[:, :, None, None].sum() * 0.1
        loss.backward()
        opt.step()
    return [pn.to_numpy(p) for p in params] + [pn.to_numpy(bn.running_var)]


def test_convolution_network_trains_as_on_numpy():
    # immutable arrays: every in-place write (padding, col2im, optimizer, running stats,
    # the embedding's padding row) is a functional update, with the same numbers
    with pn.use_backend("numpy"):
        want = _train_cnn()
    with pn.use_backend("jax"):
        got = _train_cnn()
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


def test_parameters_are_new_arrays_after_a_step():
    with pn.use_backend("jax"):
        w = pn.tensor([1.0, 2.0], requires_grad=True)
        opt = pn.optim.SGD([w], lr=0.5, momentum=0.9)
        before = w.array
        (w * w).sum().backward()
        opt.step()
        assert w.array is not before and pn.to_numpy(before).tolist() == [1.0, 2.0]
        assert pn.to_numpy(w).tolist() == [0.0, 0.0]
        alias = w.data
        alias._set_inplace(alias.array + 1.0, "a test")  # written back through .data
        assert pn.to_numpy(w).tolist() == [1.0, 1.0]
        # the JAX limitation: an alias cannot share storage, so one taken before an
        # update keeps the values it had (on NumPy it would see the update)
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        assert pn.to_numpy(alias).tolist() == [1.0, 1.0] and pn.to_numpy(w).tolist() != [1.0, 1.0]
