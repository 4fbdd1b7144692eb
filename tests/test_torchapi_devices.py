"""Devices and dtypes as PyTorch names them (issue 11 items 2-3), on every backend."""
import pickle

import numpy as np
import pytest

import portanet as pn


def test_device_objects():
    d = pn.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1) and str(d) == "cuda:1"
    assert repr(d) == "device(type='cuda', index=1)" and repr(pn.device("cpu")) == "device(type='cpu')"
    assert d == "cuda:1" and d != "cuda:0" and pn.device("cuda", 1) == d and pn.device(d) == d
    assert pn.device("cpu") == "cpu" and hash(pn.device("cpu")) == hash(pn.device("cpu"))
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type at start of device string: tpu"):
        pn.device("tpu")
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        pn.device("cuda:x")


def test_tensor_device_cpu_and_to(backend):
    x = pn.tensor([1.0, 2.0])
    assert x.device == "cpu" and x.device.type == "cpu" and not x.is_cuda
    if not backend.reads_are_free:
        # array_api_strict's simulated accelerator (device1): "cpu" names the library's CPU
        # device, another place, so .to("cpu") moves the values there (a copy), as a GPU's would
        y = x.to("cpu")
        assert y is not x and y.tolist() == [1.0, 2.0] and y.backend.reads_are_free
        return
    assert x.to("cpu") is x and x.cpu() is x and x.to(pn.device("cpu")) is x
    assert x.to("cpu", pn.float64).dtype == pn.float64
    assert x.to(pn.float64).dtype == pn.float64 and x.to(dtype=pn.float64).dtype == pn.float64
    assert x.to(pn.tensor([1], dtype=pn.long)).dtype == pn.int64
    assert x.to("cpu", copy=True) is not x
    m = pn.nn.Linear(2, 2).to("cpu")
    assert m.to(pn.float64).weight.dtype == pn.float64
    assert m.cpu() is m


def test_backend_names_still_work_in_to(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("numpy")
    assert y.backend.name == "numpy" and y.requires_grad
    (y * 2).sum().backward()      # a copy to another backend is a new leaf (documented)
    assert pn.to_numpy(y.grad).tolist() == [2.0, 2.0]


def test_cuda_without_a_gpu_raises_as_pytorch(backend):
    if pn.cuda.is_available():
        pytest.skip("a GPU answers here: the no-GPU message cannot be seen")
    assert pn.cuda.device_count() == 0 and not pn.accelerator.is_available()
    assert pn.accelerator.current_accelerator() is None
    for move in (lambda: pn.tensor([1.0]).cuda(), lambda: pn.tensor([1.0]).to("cuda"),
                 lambda: pn.nn.Linear(2, 2).cuda(), lambda: pn.zeros(2, device="cuda")):
        with pytest.raises(RuntimeError, match="No CUDA GPUs are available.*pip install 'portanet\\[cuda12\\]'"):
            move()


def test_numpy_refuses_a_tensor_that_requires_grad(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. "
                                           r"Use tensor.detach\(\).numpy\(\) instead."):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_default_device(backend):
    assert pn.get_default_device() == "cpu"
    pn.set_default_device("cpu")
    assert pn.get_default_device() == "cpu"
    assert pn.zeros(2, device="cpu").device == "cpu"


def test_generator_with_device():
    g = pn.Generator(device="cpu").manual_seed(2024)
    assert g.initial_seed() == 2024 and g.device == "cpu"
    a = pn.rand(3, generator=g)
    state = g.get_state()
    b = pn.rand(3, generator=g)
    g.set_state(state)
    assert pn.to_numpy(pn.rand(3, generator=g)).tolist() == pn.to_numpy(b).tolist()
    assert pn.to_numpy(a).tolist() != pn.to_numpy(b).tolist()
    s = g.seed()
    assert g.initial_seed() == s
    assert isinstance(pn.manual_seed(0), pn.Generator)
    p = pn.randperm(6, generator=pn.Generator().manual_seed(1))
    assert sorted(pn.to_numpy(p).tolist()) == list(range(6)) and p.dtype == pn.long


def test_dtype_objects(backend):
    assert str(pn.float32) == "portanet.float32" and repr(pn.long) == "portanet.int64"
    assert pn.long is pn.int64 and pn.int is pn.int32 and pn.double is pn.float64
    assert pn.float is pn.float32 and pn.half is pn.float16 and pn.short is pn.int16
    assert pn.float32 == "float32" and pn.float32 == backend.xp.float32 and pn.float32 != pn.float64
    assert pn.float32.is_floating_point and not pn.int64.is_floating_point
    assert pickle.loads(pickle.dumps(pn.int64)) is pn.int64
    x = pn.tensor([1.5, -2.0])
    assert x.dtype == pn.float32 and x.dtype == backend.xp.float32
    assert x.long().dtype == pn.long and x.int().dtype == pn.int32 and x.bool().dtype == pn.bool
    assert x.double().dtype == pn.float64 and x.type(pn.float64).dtype == pn.float64
    assert x.type() == "portanet.FloatTensor" and x.long().type() == "portanet.LongTensor"
    assert x.type("portanet.LongTensor").dtype == pn.long
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert pn.zeros(3, dtype=pn.long).dtype == pn.int64
    assert pn.tensor([1, 2], dtype=pn.uint8).dtype == pn.uint8
    assert x.type_as(pn.tensor([1])).dtype == pn.int64
    if hasattr(backend.xp, "float16"):
        assert x.half().dtype == pn.float16
    else:
        with pytest.raises(TypeError, match="dtype float16 is not available on the backend"):
            x.half()


def test_default_dtype(backend):
    assert pn.get_default_dtype() == pn.float32
    try:
        pn.set_default_dtype(pn.float64)
        assert pn.tensor([1.5]).dtype == pn.float64 and pn.zeros(2).dtype == pn.float64
        assert (pn.tensor([1]) + 0.5).dtype == pn.float64
    finally:
        pn.set_default_dtype(pn.float32)
    assert pn.tensor([1.5]).dtype == pn.float32
    with pytest.raises(TypeError, match="only float32 and float64 are supported"):
        pn.set_default_dtype(pn.int64)
