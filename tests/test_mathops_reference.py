"""The mathops surface (pointwise math, rounding, logic, reductions, cumulative ops) on
every backend against PyTorch: values, dtypes, shapes and gradients of ``sum(out * w)``.

Each case is the same expression text PyTorch ran (tests/reference/gen_mathops_reference.py
writes the fixture), evaluated here with ``T = portanet``: a script that only changes its
import gets PyTorch's answers.
"""
import json
import math
import pathlib

import numpy as np
import pytest

import portanet as pn

REF = json.loads((pathlib.Path(__file__).resolve().parent / "fixtures" / "mathops"
                  / "reference.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}
# over 10 s each on jax (2 busy cores): XLA compiles every op of erf's series, the doubling
# scans and the sorts afresh; they run on the other backends, on jax with --portanet-heavy
HEAVY_ON_JAX = {"erf", "erf_f32", "erfc", "erfinv", "erfinv_f32", "erfinv_edges", "cummax",
                "cummin_dim1", "mode_dim", "prod_dim", "quantile", "quantile_dim",
                "quantile_nearest"}


def _weights(n, dtype):
    return pn.tensor(1 + 0.5 * np.cos(np.arange(n, dtype=np.float64)), dtype=dtype)


def _tol(dtype):
    return dict(rtol=1e-9, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=1e-6)


def _compare(got, want):
    if "python" in want:
        assert type(got) is type(want["python"]) and got == want["python"], (got, want)
        return
    assert isinstance(got, pn.Tensor), type(got)
    assert got.dtype == want["dtype"], f"dtype {got.dtype}, PyTorch {want['dtype']}"
    assert list(got.shape) == want["shape"], f"shape {list(got.shape)}, PyTorch {want['shape']}"
    values = want["values"]
    if want["dtype"].startswith("float"):
        np.testing.assert_allclose(pn.to_numpy(got), np.asarray(values, dtype=float),
                                   **_tol(want["dtype"]), equal_nan=True)
    else:
        np.testing.assert_array_equal(pn.to_numpy(got), values)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.heavy(reason="slow to compile on jax"))
                                  if n in HEAVY_ON_JAX else n for n in CASES])
def test_as_pytorch(backend, name):
    case = CASES[name]
    inputs = [pn.tensor(v, dtype=dt, requires_grad=g) for v, dt, g in case["inputs"]]
    out = eval(case["expr"], {"T": pn, "math": math, **dict(zip("abc", inputs))})
    outs = list(out) if isinstance(out, tuple) else [out]
    assert len(outs) == len(case["outputs"])
    for got, want in zip(outs, case["outputs"]):
        _compare(got, want)
    diff = [o for o in outs if isinstance(o, pn.Tensor) and o.requires_grad]
    if "grads" not in case:
        assert not diff, "PyTorch's result does not require grad"
        return
    loss = None
    for o in diff:
        term = (o * _weights(o.numel(), o.dtype).reshape(o.shape)).sum()
        loss = term if loss is None else loss + term
    loss.backward()
    for x, want in zip(inputs, case["grads"]):
        if want is None:
            assert x.grad is None or not np.any(pn.to_numpy(x.grad)), "PyTorch gives no gradient"
            continue
        np.testing.assert_allclose(pn.to_numpy(x.grad), np.asarray(want, dtype=float),
                                   **_tol(x.dtype), equal_nan=True)
