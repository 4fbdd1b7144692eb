"""array_api_strict's simulated devices stand in for a CPU/GPU mix-up on a CPU machine:
combining tensors from two devices (or two libraries) raises an error naming both."""
import numpy as np
import pytest

import portanet as pn

pytest.importorskip("array_api_strict")


def _on(device, data, **kw):
    with pn.use_backend("array_api_strict", device=device):
        return pn.tensor(data, **kw)


def test_tensors_live_on_their_device():
    a = _on("device1", [1.0, 2.0])
    assert str(a.backend.device) == "array_api_strict.Device('device1')"
    assert str((a * 2).backend.device) == "array_api_strict.Device('device1')"
    assert str(pn.tensor([1.0]).backend.device) != str(a.backend.device)   # the default device differs


@pytest.mark.parametrize("op", [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: pn.matmul(a, b.reshape(2, 1)),
    lambda a, b: pn.concat([a, b]),
    lambda a, b: pn.where(a > 0, a, b),
], ids=["add", "mul", "matmul", "concat", "where"])
def test_mixing_two_devices_names_both(op):
    a = _on("device1", [[1.0, 2.0]])
    b = _on("device2", [[3.0, 4.0]])
    with pytest.raises(pn.BackendError) as info:
        op(a, b)
    msg = str(info.value)
    assert "cannot combine a tensor on" in msg
    assert "Device('device1')" in msg and "Device('device2')" in msg
    assert ".to(backend)" in msg     # and says how to fix it


def test_layer_on_one_device_input_on_another():
    with pn.use_backend("array_api_strict", device="device1"):
        layer = pn.nn.Linear(2, 3)
    x = _on("device2", [[1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=2.*input is on .*device2.*parameters are on .*device1"):
        layer(x)


def test_loss_with_target_on_another_device():
    logits = _on("device1", [[1.0, 2.0, 0.5]], requires_grad=True)
    target = _on("device2", [1])
    with pytest.raises(pn.BackendError, match=r"device1.*device2"):
        pn.nn.functional.cross_entropy(logits, target)


def test_mixing_libraries_names_both():
    a = _on("device1", [1.0])
    with pn.use_backend("numpy"):
        b = pn.tensor([1.0])
    with pytest.raises(pn.BackendError, match=r"Device\('device1'\).*Backend\('numpy'\)"):
        a + b


def test_moving_to_the_other_device_fixes_it():
    a = _on("device1", [1.0, 2.0], requires_grad=True)
    b = _on("device2", [3.0, 4.0])
    b1 = b.to(a.backend)
    assert str(b1.backend.device) == "array_api_strict.Device('device1')"
    y = (a * b1).sum()
    y.backward()
    np.testing.assert_array_equal(pn.to_numpy(a.grad), [3.0, 4.0])
    assert str(a.grad.backend.device) == "array_api_strict.Device('device1')"


def test_whole_model_on_a_device_trains_and_checkpoints(tmp_path):
    with pn.use_backend("array_api_strict", device="device1"):
        pn.manual_seed(0)
        model = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.ReLU(), pn.nn.Linear(4, 2))
        opt = pn.optim.SGD(model.parameters(), lr=0.1)
        x, y = pn.randn(5, 3), pn.randint(0, 2, (5,))
        loss = pn.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        assert {str(p.backend.device) for p in model.parameters()} == {"array_api_strict.Device('device1')"}
        pn.save(model.state_dict(), tmp_path / "m.safetensors")
        out1 = pn.to_numpy(model(x))
    with pn.use_backend("array_api_strict", device="device2"):
        model2 = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.ReLU(), pn.nn.Linear(4, 2))
        model2.load_state_dict(pn.load(tmp_path / "m.safetensors"))
        x2 = pn.tensor(pn.to_numpy(x))
        np.testing.assert_array_equal(pn.to_numpy(model2(x2)), out1)
        assert {str(p.backend.device) for p in model2.parameters()} == {"array_api_strict.Device('device2')"}
