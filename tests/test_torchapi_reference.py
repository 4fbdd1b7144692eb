"""PyTorch's behaviour for issue 11 items 1, 3 and 6 on every backend, against values
PyTorch produced (tests/reference/gen_torchapi_reference.py writes the fixture):
type promotion of tensors and Python numbers, max/min/sort/topk values, indices and
gradients (to the index for max(dim); shared among ties for amax and max()), argmax/
argmin/argsort, linspace/logspace.
"""
import json
import operator
import pathlib

import numpy as np
import pytest

import portanet as pn

REF = json.loads((pathlib.Path(__file__).resolve().parent / "fixtures" / "torchapi"
                  / "reference.json").read_text())
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
       "**": operator.pow, "<": operator.lt, "==": operator.eq}


def _operand(spec):
    if isinstance(spec, list):
        _, dt, nd = spec
        base = pn.ones(*((2,) * nd), dtype=dt)
        return base if dt == "bool" else base + 1
    return spec


def test_type_promotion_table_as_pytorch(backend):
    bad, cases = [], REF["promotion"]
    if not hasattr(backend.xp, "float16"):   # float16 only where the backend has it
        cases = [c for c in cases if "float16" not in json.dumps(c)]
    for left, op, right, want in cases:
        got = OPS[op](_operand(left), _operand(right))
        if got.dtype != want:
            bad.append(f"{left} {op} {right}: {got.dtype}, PyTorch {want}")
    assert not bad, f"{len(bad)} of {len(cases)} cases differ:\n" + "\n".join(bad[:20])


def test_promotion_is_a_plain_bool_comparison():
    assert (pn.tensor([1.0]).dtype == pn.float32) is True
    assert (pn.tensor([1]).dtype == pn.float32) is False


def _x():
    return pn.tensor(REF["x"], dtype=pn.float64, requires_grad=True)


@pytest.mark.parametrize("name", ["max_dim1", "min_dim1", "max_dim0_keep", "sort_dim1",
                                  "sort_desc", "topk2", "topk2_smallest_dim0"])
def test_index_returning_ops_as_pytorch(backend, name):
    ref = REF["reductions"][name]
    fn = {"max_dim1": lambda t: pn.max(t, 1), "min_dim1": lambda t: t.min(1),
          "max_dim0_keep": lambda t: t.max(0, keepdim=True),
          "sort_dim1": lambda t: pn.sort(t, 1, stable=True),
          "sort_desc": lambda t: t.sort(dim=1, descending=True, stable=True),
          "topk2": lambda t: pn.topk(t, 2),
          "topk2_smallest_dim0": lambda t: t.topk(2, dim=0, largest=False)}[name]
    x = _x() if not name.startswith("topk") else pn.tensor(REF["y"], dtype=pn.float64,
                                                           requires_grad=True)
    out = fn(x)
    v, i = out                                  # tuple access
    assert out.values is v and out.indices is i  # attribute access
    np.testing.assert_array_equal(pn.to_numpy(v), ref["values"])
    np.testing.assert_array_equal(pn.to_numpy(i), ref["indices"])
    assert i.dtype == pn.int64 and not i.requires_grad
    w = pn.arange(1.0, v.numel() + 1, dtype=pn.float64).reshape(v.shape)
    (v * w).sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(x.grad), ref["grad"])


@pytest.mark.parametrize("name", ["amax1", "amin1", "max_all"])
def test_value_reductions_share_ties_as_pytorch(backend, name):
    ref = REF["reductions"][name]
    x = _x()
    v = {"amax1": lambda t: pn.amax(t, 1), "amin1": lambda t: t.amin(dim=1),
         "max_all": lambda t: pn.max(t)}[name](x)
    np.testing.assert_allclose(pn.to_numpy(v), ref["values"])
    w = pn.tensor([1.0, 2.0, 3.0], dtype=pn.float64)
    (v * (w if v.ndim else 1.0)).sum().backward()
    np.testing.assert_allclose(pn.to_numpy(x.grad), ref["grad"], rtol=1e-15)


def test_arg_functions_as_pytorch(backend):
    x, ref = _x(), REF["args"]
    assert pn.argmax(x).item() == ref["argmax"]
    assert x.argmax(1).tolist() == ref["argmax1"]
    assert pn.argmin(x, 0).tolist() == ref["argmin0"]
    assert list(pn.argmax(x, keepdim=True).shape) == ref["argmax_keep"]
    assert pn.argsort(x, 1, descending=True, stable=True).tolist() == ref["argsort_desc"]


def test_spaces_as_pytorch(backend):
    ref = REF["spaces"]
    got = pn.linspace(-3.14159, 3.14159, 11)
    assert got.dtype == pn.float32
    np.testing.assert_array_equal(pn.to_numpy(got), np.float32(ref["linspace"]))
    np.testing.assert_array_equal(pn.to_numpy(pn.linspace(0, 1, 7, dtype=pn.float64)), ref["linspace64"])
    np.testing.assert_allclose(pn.to_numpy(pn.logspace(-2, 1, 5)), ref["logspace"], rtol=1e-6)
