"""Small PyTorch names scripts use: as_tensor, pn.backends flags, determinism, compile,
matmul precision, autocast/GradScaler, parameters_to_vector, clip_grad_norm_(foreach=)."""
import numpy as np
import pytest

import portanet as pn


def _np(t):
    return pn.to_numpy(t)


def test_as_tensor(backend):
    t = pn.as_tensor([1, 2])
    assert t.dtype == pn.int64 and _np(t).tolist() == [1, 2]
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    assert pn.as_tensor(x) is x
    y = pn.as_tensor(x, dtype=pn.float64)
    assert y.dtype == pn.float64 and y.requires_grad and y.grad_fn is not None
    assert pn.as_tensor(3.0, device="cpu").device.type == "cpu"


def test_as_tensor_shares_host_memory_on_numpy():
    with pn.use_backend("numpy"):
        a = np.arange(3.0)
        t = pn.as_tensor(a)
        a[0] = 7.0
        assert _np(t)[0] == 7.0


def test_flags_determinism_precision_compile():
    pn.backends.cudnn.benchmark = True
    pn.backends.cudnn.deterministic = True
    assert pn.backends.cudnn.benchmark and pn.backends.cudnn.enabled
    pn.backends.cudnn.benchmark = False
    assert pn.backends.mps.is_available() is False and pn.backends.cudnn.version() is None
    pn.backends.cuda.matmul.allow_tf32 = True
    with pytest.raises(AttributeError, match="pn.backends.cudnn has no flag 'benchmrk'"):
        pn.backends.cudnn.benchmrk = True
    pn.use_deterministic_algorithms(True, warn_only=True)
    assert pn.are_deterministic_algorithms_enabled() and pn.is_deterministic_algorithms_warn_only_enabled()
    pn.use_deterministic_algorithms(False)
    assert not pn.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError, match="use_deterministic_algorithms: mode must be a bool, got str"):
        pn.use_deterministic_algorithms("yes")
    pn.set_float32_matmul_precision("high")
    assert pn.get_float32_matmul_precision() == "high"
    pn.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError, match="set_float32_matmul_precision: precision must be"):
        pn.set_float32_matmul_precision("low")
    m = pn.nn.Linear(2, 1)
    assert pn.compile(m) is m and pn.compile(m, mode="max-autotune") is m

    @pn.compile
    def f(x):
        return x + 1

    assert pn.compile()(f) is f and f(1) == 2
    with pytest.raises(ValueError, match="compile: Unknown mode='fastest'"):
        pn.compile(m, mode="fastest")


def test_autocast_accepts_disabled_and_refuses_lower_precision(backend):
    x = pn.ones(2)
    with pn.autocast(device_type="cuda", dtype=pn.float16, enabled=False):
        assert (x * 2).dtype == pn.float32
    with pn.autocast("cpu", dtype=pn.float32):
        assert (x * 2).dtype == pn.float32
    with pn.cuda.amp.autocast(enabled=False):
        pass
    with pytest.raises(NotImplementedError, match=r"autocast: mixed precision \(float16 \(cuda's "
                                                  r"default\)\) is not supported by portanet"):
        pn.autocast("cuda")
    with pytest.raises(NotImplementedError, match="bfloat16"):
        pn.amp.autocast("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        pn.autocast("tpu", enabled=False)


def _model_and_loss():
    pn.manual_seed(0)
    m = pn.nn.Linear(3, 1)
    x = pn.randn(4, 3)
    return m, (lambda: (m(x) ** 2).mean())


def test_grad_scaler_disabled_is_a_pass_through(backend):
    m, loss_fn = _model_and_loss()
    opt = pn.optim.SGD(m.parameters(), lr=0.1)
    scaler = pn.amp.GradScaler(enabled=False)
    loss = loss_fn()
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0 and not scaler.is_enabled()
    loss.backward()
    w0 = _np(m.weight).copy()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(_np(m.weight), w0 - 0.1 * _np(m.weight.grad), rtol=1e-6)
    assert scaler.state_dict() == {}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # NumPy on the inf loss
def test_grad_scaler_enabled_scales_skips_and_adapts(backend):
    m, loss_fn = _model_and_loss()
    opt = pn.optim.SGD(m.parameters(), lr=0.1)
    scaler = pn.cuda.amp.GradScaler(init_scale=8.0, growth_interval=2)
    ref = pn.autograd.grad(loss_fn(), [m.weight])[0]
    scaler.scale(loss_fn()).backward()
    np.testing.assert_allclose(_np(m.weight.grad), 8.0 * _np(ref), rtol=1e-6)
    scaler.unscale_(opt)
    np.testing.assert_allclose(_np(m.weight.grad), _np(ref), rtol=1e-6)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    w0 = _np(m.weight).copy()
    scaler.step(opt)
    scaler.update()
    assert not np.array_equal(_np(m.weight), w0) and scaler.get_scale() == 8.0
    opt.zero_grad()
    scaler.scale(loss_fn()).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 16.0                     # two good steps: grown
    opt.zero_grad()
    (scaler.scale(loss_fn()) * float("inf")).backward()
    w1 = _np(m.weight).copy()
    assert scaler.step(opt) is None                       # inf gradient: step skipped
    scaler.update()
    np.testing.assert_array_equal(_np(m.weight), w1)
    assert scaler.get_scale() == 8.0
    sd = scaler.state_dict()
    assert sd["scale"] == 8.0 and sd["_growth_tracker"] == 0
    other = pn.amp.GradScaler()
    other.load_state_dict(sd)
    assert other.get_scale() == 8.0
    with pytest.raises(ValueError, match="GradScaler: The growth factor must be > 1.0"):
        pn.amp.GradScaler(growth_factor=0.5)


def test_parameters_to_vector_and_back(backend):
    m = pn.nn.Linear(3, 2)
    v = pn.nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,) and v.requires_grad
    np.testing.assert_array_equal(_np(v)[:6], _np(m.weight).reshape(-1))
    (v * pn.arange(8, dtype=pn.float32)).sum().backward()
    np.testing.assert_array_equal(_np(m.bias.grad), [6.0, 7.0])
    pn.nn.utils.vector_to_parameters(pn.arange(8, dtype=pn.float32), m.parameters())
    assert _np(m.weight).tolist() == [[0, 1, 2], [3, 4, 5]] and _np(m.bias).tolist() == [6, 7]
    with pytest.raises(ValueError, match="vector_to_parameters: vec has 7 elements, the parameters hold 8"):
        pn.nn.utils.vector_to_parameters(pn.zeros(7), m.parameters())
    with pytest.raises(TypeError, match="parameters_to_vector: expected a Tensor, but got: list"):
        pn.nn.utils.parameters_to_vector([[1.0]])
    total = pn.nn.utils.clip_grad_norm_(m.parameters(), 1.0, foreach=True, error_if_nonfinite=True)
    assert float(total) > 1.0
    pn.nn.utils.clip_grad_value_(m.parameters(), 0.5, foreach=None)
