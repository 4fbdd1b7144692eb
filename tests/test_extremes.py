"""Saturating losses and activations (issue 10): at logits of +-1e4, probabilities of
exactly 0 and 1 and zero variance, values and gradients equal PyTorch's, finite where
PyTorch's are finite.  References: tests/reference/gen_extremes_reference.py."""
import json
import pathlib
import warnings

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

REF = np.load(pathlib.Path(__file__).parent / "fixtures" / "extremes_reference.npz",
              allow_pickle=False)
CASES = sorted({k.split("/")[0] for k in REF.files})
# float32: the last bits differ between formulas (e.g. log1p(exp(-|x|)) vs PyTorch's);
# absolute floor for values like 1e4 - 1e4 and gradients of order 1
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}
NAMES = {"logsigmoid": "log_sigmoid"}


def _fn(name):
    lib, fn = name.split(".")
    if lib == "F":
        return getattr(F, NAMES.get(fn, fn))
    return getattr(pn, fn)


def _run(cid):
    fn = str(REF[f"{cid}/fn"])
    kwargs = json.loads(str(REF[f"{cid}/kwargs"]))
    grad = json.loads(str(REF[f"{cid}/grad"]))
    n = sum(1 for k in REF.files if k.startswith(f"{cid}/arg"))
    args = [pn.tensor(REF[f"{cid}/arg{i}"], requires_grad=i in grad) for i in range(n)]
    tkw = {k.split("/")[-1]: pn.tensor(REF[k]) for k in REF.files if k.startswith(f"{cid}/tkw/")}
    if fn.startswith("T.") and "dim" in kwargs:
        kwargs["axis"] = kwargs.pop("dim")
    if fn == "F.group_norm":
        kwargs = {"num_groups": kwargs["num_groups"]}
    y = _fn(fn)(*args, **kwargs, **tkw)
    return args, grad, y


@pytest.mark.parametrize("cid", CASES)
def test_extreme_inputs_match_pytorch(backend, cid):
    dtype = cid.split("@")[1]
    args, grad, y = _run(cid)
    out = REF[f"{cid}/out"]
    assert y.shape == out.shape
    got = pn.to_numpy(y)
    assert np.all(np.isfinite(got) == np.isfinite(out)), (got, out)
    np.testing.assert_allclose(got, out, **TOL[dtype])
    loss = (y * pn.tensor(REF[f"{cid}/r"])).sum() if f"{cid}/r" in REF.files else y
    loss.backward()
    for i in grad:
        g, want = pn.to_numpy(args[i].grad), REF[f"{cid}/g{i}"]
        assert np.all(np.isfinite(g)), f"gradient {i} not finite: {g}"
        # float32: a gradient summed from terms of size 1/sqrt(eps) ~ 300 (zero-variance
        # normalization) keeps an absolute error relative to its largest entry
        tol = dict(TOL[dtype], atol=TOL[dtype]["atol"] * max(1.0, float(np.max(np.abs(want)))))
        np.testing.assert_allclose(g, want, **tol, err_msg=f"gradient of input {i}")


def test_one_sigmoid_saturated_bce_step_keeps_weights_finite(backend):
    """The issue's report: a sigmoid output of exactly 1.0 with the right label, and one
    SGD step turned every weight to NaN."""
    fc = pn.nn.Linear(1, 1)
    pn.nn.init.constant_(fc.weight, 30.0)
    pn.nn.init.zeros_(fc.bias)
    opt = pn.optim.SGD(fc.parameters(), lr=0.1)
    p = pn.sigmoid(fc(pn.tensor([[1.0]])))
    assert float(p.item()) == 1.0                     # saturated in float32
    F.binary_cross_entropy(p, pn.tensor([[1.0]])).backward()
    opt.step()
    assert np.all(np.isfinite(pn.to_numpy(fc.weight))) and np.all(np.isfinite(pn.to_numpy(fc.bias)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_var_of_one_element_is_nan_with_a_warning(backend, dtype):
    """PyTorch: var/std with correction=1 over one element -> nan and a UserWarning."""
    x = pn.tensor([3.0], dtype=dtype, requires_grad=True)
    for f in (pn.var, pn.std):
        with pytest.warns(UserWarning, match=r"degrees of freedom is <= 0"):
            v = f(x)
        assert v.shape == () and np.isnan(pn.to_numpy(v))
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # correction=0 is fine: no warning
        assert float(pn.var(x, correction=0).item()) == 0.0
