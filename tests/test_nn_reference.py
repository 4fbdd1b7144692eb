"""Activations, layers and losses against PyTorch (float64 values from
``tests/reference/gen_nn_reference.py``, stored in ``tests/fixtures/nn_reference.npz``)."""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "nn_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]
CASES = sorted(c for c in REF if c != "mlp")

# PyTorch names that portanet spells differently
_RENAME = {"logsigmoid": "log_sigmoid"}


def close(actual, expected, what, rtol=1e-10, atol=1e-12):
    a = pn.to_numpy(actual)
    assert a.shape == np.shape(expected), f"{what}: shape {a.shape} != {np.shape(expected)}"
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, err_msg=what)


def _tensor(a, grad=False):
    a = np.asarray(a)
    dt = "float64" if a.dtype.kind == "f" else "int64"
    return pn.tensor(a, dtype=dt, requires_grad=grad)


def test_fixture_covers_every_function_and_module():
    names = {str(c["name"]) for c in REF.values() if "name" in c}
    for fn in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus",
               "softmax", "log_softmax", "logsigmoid", "linear", "mse_loss", "l1_loss", "huber_loss",
               "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
               "cross_entropy", "nll_loss", "multi_margin_loss", "kl_div"):
        assert fn in names, fn
    for mod in pn.nn.activation.__all__ + pn.nn.loss_modules.__all__ + ["Linear", "Flatten", "Identity"]:
        assert mod in names, mod


@pytest.mark.parametrize("cid", CASES)
def test_against_pytorch(backend, cid):
    c = REF[cid]
    kwargs = json.loads(str(c["kwargs"]))
    grad_idx = json.loads(str(c["grad"]))
    args = [_tensor(c[f"arg{i}"], i in grad_idx) for i in range(len(grad_idx) + 3) if f"arg{i}" in c]
    tkw = {k[4:]: _tensor(v) for k, v in c.items() if k.startswith("tkw/")}
    name = str(c["name"])
    params = {k[6:]: v for k, v in c.items() if k.startswith("param/")}
    if str(c["kind"]) == "F":
        fn = getattr(F, _RENAME.get(name, name))
        out = fn(*args, **kwargs, **tkw)
    else:
        mod = getattr(pn.nn, name)(**kwargs, **tkw)
        if params:
            mod.double()
            mod.load_state_dict({k: _tensor(v) for k, v in params.items()})
        out = mod(*args)
    assert out.dtype == backend.xp.float64
    close(out, c["out"], f"{cid} forward")
    if "r" in c:
        (out * _tensor(c["r"])).sum().backward()
    else:
        out.backward()
    for i in grad_idx:
        close(args[i].grad, c[f"g{i}"], f"{cid} gradient of input {i}")
    for k in params:
        close(dict(mod.named_parameters())[k].grad, c[f"pgrad/{k}"], f"{cid} gradient of {k}")


def test_mlp_gradients_equal_pytorch(backend):
    """Issue 2's bar: an MLP with cross-entropy on copied float64 weights, 1e-9 relative."""
    c = REF["mlp"]
    net = pn.nn.Sequential(pn.nn.Linear(20, 32, dtype="float64"), pn.nn.ReLU(),
                           pn.nn.Linear(32, 16, dtype="float64"), pn.nn.Tanh(),
                           pn.nn.Linear(16, 5, dtype="float64"))
    state = {k[6:]: v for k, v in c.items() if k.startswith("param/")}
    assert sorted(state) == sorted(net.state_dict())  # "0.weight", "0.bias", "2.weight", ...
    net.load_state_dict(state)
    loss = F.cross_entropy(net(_tensor(c["x"])), _tensor(c["y"]))
    close(loss, c["out"], "mlp loss", rtol=1e-12)
    loss.backward()
    for k, p in net.named_parameters():
        ref = c[f"pgrad/{k}"]
        g = pn.to_numpy(p.grad)
        rel = np.abs(g - ref).max() / np.abs(ref).max()
        assert rel < 1e-9, f"{k}: relative error {rel:.2e}"
