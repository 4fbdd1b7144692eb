"""Backend registry: choosing, switching, environment variables, errors, ``to_numpy``."""
import os
import subprocess
import sys

import numpy as np
import pytest

import portanet as pn
from portanet.backend import BackendError


def test_set_get_use_backend():
    before = pn.get_backend()
    try:
        bk = pn.set_backend("array_api_strict")
        assert pn.get_backend() is bk and bk.name == "array_api_strict"
        assert pn.tensor([1.0]).backend is bk
        with pn.use_backend("numpy") as inner:
            assert pn.get_backend() is inner and inner.name == "numpy"
            assert isinstance(pn.tensor([1.0]).array, np.ndarray)
        assert pn.get_backend() is bk
        with pytest.raises(ZeroDivisionError):
            with pn.use_backend("numpy"):
                1 / 0
        assert pn.get_backend() is bk  # restored after an exception too
        assert pn.set_backend(" Array-API-Strict ") is bk  # names are forgiving
    finally:
        pn.set_backend(before)
    assert pn.get_backend() is before


def test_available_backends():
    names = pn.available_backends()
    assert names[0] == "numpy" and "array_api_strict" in names
    assert set(names) <= set(pn.backend.KNOWN_BACKENDS)
    try:
        import torch  # noqa: F401
        assert "torch" in names
    except ImportError:
        assert "torch" not in names


def test_unknown_backend_lists_valid_names():
    with pytest.raises(BackendError) as e:
        pn.set_backend("jax-ish")
    msg = str(e.value)
    assert "'jax-ish'" in msg
    for name in ("numpy", "cupy", "torch", "array_api_strict"):
        assert name in msg


def test_cupy_without_gpu_says_how_or_why():
    try:
        import cupy  # noqa: F401
        has_cupy = True
    except ImportError:
        has_cupy = False
    if "cupy" in pn.available_backends():
        pytest.skip("a CUDA GPU answers here")
    with pytest.raises(BackendError) as e:
        pn.set_backend("cupy")
    if has_cupy:
        assert "no CUDA GPU" in str(e.value)
    else:
        assert "pip install 'portanet[cuda12]'" in str(e.value)


def test_namespace_object_as_backend():
    import array_api_strict

    with pn.use_backend(array_api_strict) as bk:
        t = pn.tensor([1.0, 2.0]) * 2.0
        assert type(t.array).__module__.startswith("array_api_strict")
        assert bk.xp is array_api_strict
    with pn.use_backend(np) as bk:
        assert bk.name == "numpy"
    with pytest.raises(BackendError, match="not an Array API namespace"):
        pn.set_backend(object())


def test_namespace_object_is_the_named_backend():
    import array_api_strict
    with pn.use_backend(array_api_strict) as a, pn.use_backend("array_api_strict") as b:
        assert a is b
        assert pn.nn.Linear(2, 1)(pn.tensor([[1.0, 2.0]], backend=a)).shape == (1, 1)


@pytest.mark.parametrize("env,expect", [({"PORTANET_BACKEND": "array_api_strict"}, "array_api_strict None"),
                                        ({"PORTANET_BACKEND": "torch", "PORTANET_DEVICE": "cpu"}, "torch cpu"),
                                        ({}, "numpy None")])
def test_environment_variables(env, expect):
    if env.get("PORTANET_BACKEND") == "torch":
        pytest.importorskip("torch")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PORTANET_")}
    code = ("import portanet as pn; b = pn.get_backend(); t = pn.tensor([1.0]);"
            "assert t.backend is b; print(b.name, b.device)")
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expect


def test_environment_variable_unknown_backend_fails_clearly():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PORTANET_")}
    out = subprocess.run([sys.executable, "-c", "import portanet as pn; pn.tensor([1.0])"],
                         env={**clean, "PORTANET_BACKEND": "nope"}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0 and "unknown backend 'nope'" in out.stderr


def test_to_numpy_of_tensors_and_raw_arrays(backend):
    t = pn.tensor([[1.0, 2.0]], requires_grad=True) * 3.0
    h = pn.to_numpy(t)
    assert isinstance(h, np.ndarray) and h.dtype == np.float32
    np.testing.assert_array_equal(h, [[3.0, 6.0]])
    raw = backend.asarray([1, 2, 3])
    r = pn.to_numpy(raw)
    assert isinstance(r, np.ndarray) and r.dtype == np.int64 and r.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(pn.to_numpy(t.array), h)
    assert pn.to_numpy(2.5) == 2.5 and pn.to_numpy([1, 2]).tolist() == [1, 2]


def test_to_numpy_strict_on_other_device():
    import array_api_strict as xs
    a = xs.asarray([1.0, 2.0], device=xs.Device("device1"))
    np.testing.assert_array_equal(pn.to_numpy(a), [1.0, 2.0])


def test_backend_asarray_and_tensor_to(backend):
    x = pn.tensor([1.5, 2.5], dtype="float64", requires_grad=True)
    for name in pn.available_backends():
        y = x.to(name)
        assert y.backend.name == name and y.dtype == y.backend.xp.float64 and y.requires_grad
        np.testing.assert_array_equal(pn.to_numpy(y), [1.5, 2.5])
    assert x.to(backend) is x
    assert x.to(dtype="float32").dtype == backend.xp.float32


def test_bare_torch_module_as_backend_uses_the_torch_backend():
    torch = pytest.importorskip("torch")
    import array_api_compat.torch as compat
    with pn.use_backend(torch) as bk:
        assert bk is pn.backend.resolve_backend("torch") is pn.backend.resolve_backend(compat)
        x = pn.tensor([[1.0, 2.0]], requires_grad=True)
        x.sum(axis=1, keepdims=True).mean().backward()  # the bare module has no astype etc.
        np.testing.assert_array_equal(pn.to_numpy(x.grad), [[1.0, 1.0]])


def test_use_backend_in_one_thread_leaves_the_others_alone():
    # the backend stack is per thread, as PyTorch's state: a thread inside
    # use_backend("torch") must not change what another thread gets
    pytest.importorskip("torch")
    import threading
    default = pn.get_backend()
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with pn.use_backend("torch") as bk:
            seen["worker"] = pn.get_backend() is bk
            inside.set()
            release.wait(30)
            seen["worker_after_wait"] = pn.get_backend() is bk and pn.tensor([1.0]).backend is bk

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert inside.wait(30)
        for _ in range(100):
            assert pn.get_backend() is default
            assert pn.tensor([1.0]).backend is default
    finally:
        release.set()
        t.join(30)
    assert seen == {"worker": True, "worker_after_wait": True}
    assert pn.get_backend() is default


def test_new_thread_starts_from_the_process_default():
    import threading
    before = pn.get_backend()
    got = {}

    def look(key):
        got[key] = pn.get_backend()

    try:
        strict = pn.set_backend("array_api_strict")  # the process default, and this thread's
        assert pn.get_backend() is strict
        with pn.use_backend("numpy"):
            t = threading.Thread(target=look, args=("inside",))
            t.start()
            t.join(30)
        t = threading.Thread(target=look, args=("after",))
        t.start()
        t.join(30)
    finally:
        pn.set_backend(before)
    # a new thread ignores the use_backend block of the thread that started it
    assert got["inside"] is strict and got["after"] is strict


def test_any_namespace_object_runs_through_the_generic_adapter():
    # an Array API namespace portanet has no adapter for (here: a proxy of
    # array_api_strict under another name) trains through the generic adapter
    import types

    import array_api_strict

    ns = types.ModuleType("my_array_lib")
    ns.__dict__.update({k: getattr(array_api_strict, k) for k in dir(array_api_strict)
                        if not k.startswith("__")})
    with pn.use_backend(ns) as bk:
        assert bk.name == "my_array_lib" and bk.xp is ns
        assert isinstance(bk.adapter, pn.backend.NamespaceAdapter)
        w = pn.tensor([[1.0, 2.0]], requires_grad=True)
        (w * w).sum().backward()
        np.testing.assert_array_equal(pn.to_numpy(w.grad), [[2.0, 4.0]])
        assert "backend='my_array_lib'" in repr(w)
    assert pn.backend.resolve_backend(ns) is bk
