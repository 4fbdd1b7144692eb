"""Lazy modules (``LazyLinear``, ``LazyConv1d/2d``, ``LazyConvTranspose2d``,
``LazyBatchNorm1d/2d``) against PyTorch on copied weights (float64 values from
``tests/reference/gen_lazy_reference.py``), and PyTorch's lazy-module behaviour."""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
from portanet.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

_DATA = np.load(pathlib.Path(__file__).parent / "fixtures" / "lazy_reference.npz", allow_pickle=False)
REF: dict = {}
for _k in _DATA.files:
    _cid, _rest = _k.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_k]


def _state(c, which):
    return {k: c[f"{which}/{k}"] for k in json.loads(str(c["state1_keys"]))}


def _make(c):
    return getattr(pn.nn, str(c["cls"]))(**json.loads(str(c["kwargs"])), dtype="float64")


def _close(actual, expected, what):
    a = pn.to_numpy(actual)
    assert a.shape == expected.shape, f"{what}: shape {a.shape} != {expected.shape}"
    np.testing.assert_allclose(a, expected, rtol=1e-10, atol=1e-12, err_msg=what)


def _second_call(m, c):
    x2 = pn.tensor(c["x2"], requires_grad=True)
    y2 = m(x2)
    _close(y2, c["y2"], "y2")
    (y2 * pn.tensor(c["r"])).sum().backward()
    _close(x2.grad, c["gx"], "input gradient")
    for k, p in m.named_parameters():
        _close(p.grad, c[f"grad/{k}"], f"gradient of {k}")
    for k, v in m.state_dict().items():
        _close(v, c[f"state2/{k}"], f"state {k} after the second call")


@pytest.mark.parametrize("cid", sorted(REF))
def test_dry_run_then_torch_weights(backend, cid):
    """The first call infers the shapes; PyTorch's weights copied in; then the same numbers."""
    c = REF[cid]
    m = _make(c)
    assert type(m).__name__ == str(c["cls"]) and m.has_uninitialized_params()
    y1 = m(pn.tensor(c["x1"]))
    assert type(m).__name__ == str(c["became"])         # e.g. LazyLinear -> Linear
    assert y1.shape == c["y1"].shape
    for k, v in m.state_dict().items():
        assert v.shape == c[f"state1/{k}"].shape, k
    if str(c["cls"]).startswith("LazyBatchNorm"):       # deterministic init: same as PyTorch
        _close(y1, c["y1"], "y1")
        for k, v in m.state_dict().items():
            _close(v, c[f"state1/{k}"], f"state {k} after the first call")
    m.load_state_dict(_state(c, "state1"))
    _second_call(m, c)


@pytest.mark.parametrize("cid", sorted(REF))
def test_load_state_dict_before_first_call(backend, cid):
    """PyTorch's lazy load: the placeholders take the loaded shapes; the class changes at
    the first call."""
    c = REF[cid]
    m = _make(c)
    m.load_state_dict(_state(c, "state1"))
    assert type(m).__name__ == str(c["cls"]) and not m.has_uninitialized_params()
    _second_call(m, c)
    assert type(m).__name__ == str(c["became"])


def test_optimizer_built_before_the_first_call(backend):
    """The parameters keep their identity, so the optimizer steps the real ones."""
    m = pn.nn.LazyLinear(2)
    params = list(m.parameters())
    opt = pn.optim.SGD(m.parameters(), lr=0.5)
    x = pn.ones(3, 4)
    m(x)
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert type(params[0]) is pn.nn.Parameter and params[0].shape == (2, 4)
    w0 = pn.to_numpy(m.weight).copy()
    opt.zero_grad()
    m(x).sum().backward()
    opt.step()
    np.testing.assert_allclose(pn.to_numpy(m.weight), w0 - 0.5 * 3.0, rtol=1e-6)


def test_placeholders_before_the_first_call(backend):
    m = pn.nn.Sequential(pn.nn.LazyLinear(5), pn.nn.ReLU(), pn.nn.LazyBatchNorm1d())
    assert repr(m[0]) == "LazyLinear(in_features=0, out_features=5, bias=True)"
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean",
                        "2.running_var", "2.num_batches_tracked"]
    assert isinstance(sd["0.weight"], UninitializedParameter) and repr(sd["0.weight"]) == "<UninitializedParameter>"
    assert isinstance(sd["2.running_mean"], UninitializedBuffer) and is_lazy(sd["2.running_var"])
    assert not is_lazy(sd["2.num_batches_tracked"])
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        m[0].weight.shape
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter.*call `forward`"):
        m[0].weight + 1
    with pytest.raises(RuntimeError, match="Can't access the shape"):   # an initializer needs it
        pn.nn.init.normal_(m[0].weight)
    assert m(pn.randn(8, 3)).shape == (8, 5)
    assert [type(x).__name__ for x in m] == ["Linear", "ReLU", "BatchNorm1d"]
    assert m[2].num_features == 5 and m[0].in_features == 3


def test_save_before_the_first_call_is_refused(tmp_path):
    with pytest.raises(ValueError, match="pn.save: 'weight' is an uninitialized parameter of a lazy module"):
        pn.save(pn.nn.LazyLinear(3).state_dict(), tmp_path / "m.safetensors")


def test_uninitialized_into_initialized_is_refused():
    full = pn.nn.Linear(4, 3)
    before = pn.to_numpy(full.weight).copy()
    with pytest.raises(pn.nn.StateDictError, match="'weight': the state_dict holds an uninitialized parameter"):
        full.load_state_dict(pn.nn.LazyLinear(3).state_dict())
    np.testing.assert_array_equal(pn.to_numpy(full.weight), before)
    lazy = pn.nn.LazyLinear(3)                        # both uninitialized: nothing to load
    lazy.load_state_dict(pn.nn.LazyLinear(3).state_dict())
    assert lazy.has_uninitialized_params()


def test_dtype_and_backend_set_before_the_first_call(backend):
    m = pn.nn.LazyConv2d(2, 3).double()
    m(pn.zeros(1, 3, 5, 5, dtype="float64"))
    assert pn.backend.dtype_name(m.weight.dtype) == "float64"
    assert m.weight.backend is backend
    m = pn.nn.LazyLinear(2)
    with pn.use_backend("numpy"):
        m.to("numpy")
        m(pn.zeros(1, 3))
    assert m.weight.backend.name == "numpy"


def test_lazy_errors():
    with pytest.raises(ValueError, match=r"in_channels must be divisible by groups: LazyConv2d got an input "
                                         r"with 3 channels \(shape \(1, 3, 5, 5\)\), groups=2"):
        pn.nn.LazyConv2d(4, 3, groups=2)(pn.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"LazyConv2d expected a 4-D \(batched\) input, got a 3-D input "
                                         r"of shape \(3, 5, 5\) \(add a batch axis"):
        pn.nn.LazyConv2d(4, 3)(pn.zeros(3, 5, 5))
    with pytest.raises(ValueError, match=r"LazyBatchNorm2d expected a 4-D input, got a 2-D input"):
        pn.nn.LazyBatchNorm2d()(pn.zeros(3, 5))
    with pytest.raises(TypeError, match="LazyLinear expected a pn.Tensor input, got list"):
        pn.nn.LazyLinear(2)([1.0, 2.0])
    m = pn.nn.LazyLinear(3)
    m.load_state_dict(pn.nn.Linear(4, 3).state_dict())
    with pytest.raises(ValueError, match=r"LazyLinear: the input's last dimension is 5, the loaded weight "
                                         r"of shape \(3, 4\) expects 4"):
        m(pn.zeros(2, 5))
    c = pn.nn.LazyConv1d(2, 3)
    c.load_state_dict(pn.nn.Conv1d(4, 2, 3).state_dict())
    with pytest.raises(ValueError, match=r"LazyConv1d: the input has 3 channels .* expects 4"):
        c(pn.zeros(1, 3, 9))
    # a failed first call leaves the module lazy: it can still be called correctly
    m = pn.nn.LazyConv2d(4, 3)
    with pytest.raises(ValueError):
        m(pn.zeros(3, 5, 5))
    assert type(m).__name__ == "LazyConv2d" and m(pn.zeros(1, 3, 5, 5)).shape == (1, 4, 3, 3)
