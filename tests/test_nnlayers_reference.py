"""The nnlayers breadth (more activations, losses, distances, layers) against PyTorch:
float64 values and gradients from ``tests/reference/gen_nnlayers_reference.py``, stored
in ``tests/fixtures/nnlayers_reference.npz``, on every backend."""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "nnlayers_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]
CASES = sorted(REF)
# PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (relative
# 3e-8 off); portanet uses the float64 1/6
RTOL = {"hardsigmoid": 1e-7, "Hardsigmoid": 1e-7}


def close(actual, expected, what, rtol=1e-10, atol=1e-12):
    a = pn.to_numpy(actual)
    assert a.shape == np.shape(expected), f"{what}: shape {a.shape} != {np.shape(expected)}"
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, err_msg=what)


def _tensor(a, grad=False):
    a = np.asarray(a)
    dt = "float64" if a.dtype.kind == "f" else "int64"
    return pn.tensor(a, dtype=dt, requires_grad=grad)


def run_case(c):
    """The case's output, its inputs and its module (None for a function)."""
    kwargs = json.loads(str(c["kwargs"]))
    grad_idx = json.loads(str(c["grad"]))
    args = [_tensor(c[f"arg{i}"], i in grad_idx) for i in range(int(c["nargs"]))]
    tkw = {k[4:]: _tensor(v, f"tgrad/{k[4:]}" in c) for k, v in c.items() if k.startswith("tkw/")}
    name = str(c["name"])
    call = [args[0].log_softmax(-1)] + args[1:] if bool(c["pre"]) else args
    mod = None
    if str(c["kind"]) == "F":
        out = getattr(F, name)(*call, **kwargs, **tkw)
    else:
        mod = getattr(pn.nn, name)(**kwargs, **tkw).eval()
        params = {k[6:]: _tensor(v) for k, v in c.items() if k.startswith("param/")}
        if params:
            mod.double()
            mod.load_state_dict({**mod.state_dict(), **params})
        out = mod(*call)
    return out, args, mod, tkw


@pytest.mark.parametrize("cid", CASES)
def test_against_pytorch(backend, cid):
    c = REF[cid]
    out, args, mod, tkw = run_case(c)
    assert out.dtype == backend.xp.float64
    close(out, c["out"], f"{cid} forward")
    if "r" in c:
        (out * _tensor(c["r"])).sum().backward()
    else:
        out.backward()
    rtol = RTOL.get(str(c["name"]), 1e-10)
    for i in json.loads(str(c["grad"])):
        close(args[i].grad, c[f"g{i}"], f"{cid} gradient of input {i}", rtol=rtol)
    for k in (k[6:] for k in c if k.startswith("tgrad/")):
        close(tkw[k].grad, c[f"tgrad/{k}"], f"{cid} gradient of {k}", rtol=rtol)
    for k in (k[6:] for k in c if k.startswith("param/")):
        close(dict(mod.named_parameters())[k].grad, c[f"pgrad/{k}"], f"{cid} gradient of {k}")


def test_fixture_covers_every_new_name():
    names = {str(c["name"]) for c in REF.values()}
    for mod in (pn.nn.activation_extra.__all__ + pn.nn.loss_extra.__all__
                + pn.nn.normalization_extra.__all__ + pn.nn.layers_extra.__all__):
        assert mod in names, mod
    for fn in (pn.ops.activations_extra.__all__ + pn.ops.distance.__all__
               + pn.ops.losses_extra.__all__ + pn.ops.layers_extra.__all__
               + pn.ops.norm_extra.__all__ + pn.ops.ctc.__all__):
        # the in-place forms are the out-of-place ones through copy_ (test_nnlayers_checks.py)
        if fn not in ("legacy_reduction", "vector_norm_along") and not fn.endswith("_"):
            assert fn in names, fn
