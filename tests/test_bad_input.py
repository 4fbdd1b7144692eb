"""Bad input gives a clear error that names what is wrong (and changes nothing)."""
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.backend import BackendError


def _other(backend):
    return "numpy" if backend.name != "numpy" else "array_api_strict"


def test_linear_wrong_width_names_layer_and_both_widths(backend):
    fc = pn.nn.Linear(20, 5)
    with pytest.raises(ValueError) as e:
        fc(pn.zeros(4, 3))
    msg = str(e.value)
    assert "Linear(in_features=20, out_features=5" in msg
    assert "last dimension 20" in msg and "(4, 3)" in msg
    net = pn.nn.Sequential(pn.nn.Linear(4, 8), pn.nn.ReLU(), pn.nn.Linear(6, 2))
    with pytest.raises(ValueError, match=r"Linear\(in_features=6.*last dimension 6.*\(2, 8\)"):
        net(pn.zeros(2, 4))


def test_integer_where_float_needed(backend):
    ints = pn.tensor([[1, 2, 3]])
    with pytest.raises(TypeError, match=r"Linear\(in_features=3.*dtype float32, got int64.*x\.float\(\)"):
        pn.nn.Linear(3, 2)(ints)
    with pytest.raises(TypeError, match="mse_loss: input must be floating point, got int64"):
        F.mse_loss(ints, pn.tensor([[1.0, 2.0, 3.0]]))
    with pytest.raises(TypeError, match="mse_loss: target must be floating point.*got int64"):
        F.mse_loss(pn.tensor([[1.0, 2.0, 3.0]]), ints)
    with pytest.raises(TypeError, match="cross_entropy: input must be floating-point logits, got int64"):
        F.cross_entropy(ints, pn.tensor([0]))
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        pn.tensor([1, 2], requires_grad=True)


def test_float64_input_to_float32_layer(backend):
    with pytest.raises(TypeError, match="dtype float32, got float64"):
        pn.nn.Linear(3, 2)(pn.zeros(1, 3, dtype="float64"))


def test_tensors_of_two_backends_name_both(backend):
    a = pn.tensor([1.0, 2.0])
    with pn.use_backend(_other(backend)):
        b = pn.tensor([1.0, 2.0])
    for op in (lambda: a + b, lambda: b * a, lambda: pn.matmul(a, b), lambda: pn.concat([a, b])):
        with pytest.raises(BackendError) as e:
            op()
        msg = str(e.value)
        assert backend.name in msg and _other(backend) in msg and ".to(" in msg


def test_layer_fed_a_tensor_of_another_backend(backend):
    fc = pn.nn.Linear(2, 1)
    with pn.use_backend(_other(backend)):
        x = pn.tensor([[1.0, 2.0]])
    with pytest.raises(BackendError) as e:
        fc(x)
    msg = str(e.value)
    assert "Linear(in_features=2" in msg and backend.name in msg and _other(backend) in msg


def test_raw_array_of_another_backend_is_refused(backend):
    torch = pytest.importorskip("torch")
    t = pn.tensor(np.zeros(2))  # host NumPy data is always accepted (copied to the backend)
    assert t.backend is backend
    if backend.name == "torch":
        return
    with pytest.raises(BackendError, match=r"another backend \(torch\).*pn.to_numpy"):
        pn.tensor(torch.zeros(2))


def _net():
    return pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Tanh(), pn.nn.Linear(4, 2))


def _snapshot(net):
    return {k: pn.to_numpy(v).copy() for k, v in net.state_dict().items()}


@pytest.mark.parametrize("breakage,pattern", [
    ("missing", r"missing key '2\.bias'"),
    ("unexpected", r"unexpected key '3\.weight'"),
    ("shape", r"'0\.weight': shape \(3, 3\) in the state_dict, \(4, 3\) in the model"),
    ("dtype", r"'2\.weight': dtype int64 in the state_dict, float32 in the model"),
])
def test_bad_state_dict_is_refused_and_model_unchanged(backend, breakage, pattern):
    net = _net()
    before = _snapshot(net)
    pn.manual_seed(99)
    good = {k: v * 0.0 + 1.0 for k, v in _net().state_dict().items()}  # all ones: would be visible
    sd = dict(good)
    if breakage == "missing":
        del sd["2.bias"]
    elif breakage == "unexpected":
        sd["3.weight"] = pn.zeros(2, 2)
    elif breakage == "shape":
        sd["0.weight"] = pn.zeros(3, 3)
    else:
        sd["2.weight"] = pn.tensor(np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(pn.nn.StateDictError, match=pattern) as e:
        net.load_state_dict(sd)
    assert "unchanged" in str(e.value)
    after = _snapshot(net)
    assert list(after) == list(before)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)
    net.load_state_dict(good)  # the good dict loads and does change the model
    assert all((v == 1).all() for v in _snapshot(net).values())


def test_non_strict_load_reports_keys(backend):
    net = _net()
    sd = net.state_dict()
    del sd["0.bias"]
    sd["extra"] = pn.zeros(1)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra"]


def test_loss_shape_and_range_errors(backend):
    x = pn.zeros(3, 4)
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 4\) and target shape \(3,\) differ"):
        F.mse_loss(x, pn.zeros(3))
    with pytest.raises(IndexError, match=r"target class index out of range \[0, 4\)"):
        # raised at once on the host, at the next sync (.item()) on an accelerator (checks.py)
        F.cross_entropy(x, pn.tensor([0, 4, 1])).item()
    with pytest.raises(ValueError, match=r"class-index target of shape \(3,\), got \(2,\)"):
        F.cross_entropy(x, pn.tensor([0, 1]))
    with pytest.raises(ValueError, match="reduction must be"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, pn.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        F.multi_margin_loss(x, pn.tensor([0, 1, 2]), p=3)
    with pytest.raises(ValueError, match="approximate must be"):
        pn.gelu(x, approximate="erf")


def test_assigning_non_parameter_to_parameter_slot(backend):
    fc = pn.nn.Linear(2, 1)
    with pytest.raises(TypeError, match="cannot assign Tensor to parameter 'weight'"):
        fc.weight = pn.zeros(1, 2)


def test_load_state_dict_copies_the_source(backend):
    # a model that shared memory with the loaded arrays would change when the caller (or
    # another library's optimizer) updates those arrays in place
    net = pn.nn.Linear(3, 2)
    src = {"weight": np.ones((2, 3), dtype=np.float32), "bias": np.zeros(2, dtype=np.float32)}
    net.load_state_dict(src)
    src["weight"] += 5.0
    np.testing.assert_array_equal(pn.to_numpy(net.weight), np.ones((2, 3)))


@pytest.mark.filterwarnings("ignore:invalid value")
def test_all_targets_ignored_gives_nan_like_pytorch(backend):
    x = pn.zeros(2, 3, requires_grad=True)
    t = pn.tensor([-100, -100])
    for loss in (F.cross_entropy(x, t), F.nll_loss(pn.log_softmax(x), t)):
        assert np.isnan(loss.item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
