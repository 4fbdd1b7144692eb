"""The fused optimizer updates (portanet.kernels.numba_optim) equal the generic rules.

Every optimizer and option runs the same steps twice, from the same start, with its
fast path and under ``fast.disabled()`` (the generic Array API rule, the reference);
parameters and every state entry must agree to rounding.  On backends without the fast
path both runs are generic.  Also: the fused path really runs where it should, declines
what it cannot update in place, keeps ``state_dict`` interchangeable with the generic
path, and portanet works without numba.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import portanet as pn
from portanet.backend import fast

ROOT = pathlib.Path(__file__).resolve().parent.parent
try:  # once numba is loaded the kernels take arrays of every size, small test ones too
    import numba  # noqa: F401
    HAVE_NUMBA = os.environ.get("PORTANET_NUMBA", "1") != "0"
except ImportError:  # not installed, or blocked (ci/test.sh's second run)
    HAVE_NUMBA = False

CASES = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)), ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adamax", dict()), ("Adamax", dict(weight_decay=0.1, maximize=True)),
    ("NAdam", dict()), ("NAdam", dict(weight_decay=0.1)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)), ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()), ("Adagrad", dict(lr_decay=0.1, weight_decay=0.1,
                                         initial_accumulator_value=0.5, maximize=True)),
    ("Adadelta", dict()), ("Adadelta", dict(weight_decay=0.1, maximize=True, rho=0.8)),
    ("RMSprop", dict()), ("RMSprop", dict(centered=True)), ("RMSprop", dict(momentum=0.5)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in CASES]
RULE = {"SGD": "sgd", "Adam": "adam", "AdamW": "adam", "Adamax": "adamax", "NAdam": "nadam",
        "RAdam": "radam", "Adagrad": "adagrad", "Adadelta": "adadelta", "RMSprop": "rmsprop"}
STEPS = 10  # RAdam switches from plain momentum to the rectified step at step 6


def _run(name, kwargs, dtype, steps=STEPS):
    """Steps on two parameter groups (shapes (3, 5) and (4,), and a 0-d one)."""
    rng = np.random.default_rng(3)
    ps = [pn.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
          for s in [(3, 5), (4,), ()]]
    opt = getattr(pn.optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.003}], **kwargs)
    for _ in range(steps):
        for p in ps:
            p.grad = pn.tensor(rng.standard_normal(p.shape), dtype=dtype)
        opt.step()
    return ps, opt


def _state(opt, ps):
    return [{k: (pn.to_numpy(v) if hasattr(v, "shape") else v) for k, v in opt.state[p].items()}
            for p in ps]


@pytest.fixture
def spy(monkeypatch):
    """Counts, per fast-path name, the calls that returned True (handled the update)."""
    counts = {}
    with pn.use_backend("numpy"):  # makes sure NumPy's fast paths are registered
        pass
    for table in fast._REGISTRY.values():   # every backend made so far (the test's too)
        for name, fn in list(table.items()):
            def wrapped(*a, _fn=fn, _name=name):
                out = _fn(*a)
                if out:
                    counts[_name] = counts.get(_name, 0) + 1
                return out
            monkeypatch.setitem(table, name, wrapped)
    return counts


def _compare(spy, name, kwargs, dtype, backend_name):
    """Run fused and generic from the same start; check they agree and which path ran."""
    ps, opt = _run(name, kwargs, dtype)
    fused_calls = spy.get(f"optim.{RULE[name]}", 0)
    with fast.disabled():
        ref_ps, ref_opt = _run(name, kwargs, dtype)
    rtol, atol = (1e-5, 1e-7) if dtype == "float32" else (1e-13, 1e-15)
    for p, q in zip(ps, ref_ps):
        assert pn.to_numpy(p).dtype == np.dtype(dtype)
        np.testing.assert_allclose(pn.to_numpy(p), pn.to_numpy(q), rtol=rtol, atol=atol)
    for st, ref in zip(_state(opt, ps), _state(ref_opt, ref_ps)):
        assert sorted(st) == sorted(ref)
        for k in ref:
            if isinstance(ref[k], float):
                assert st[k] == ref[k] and isinstance(st[k], float), k
            else:
                assert st[k].dtype == ref[k].dtype, k
                np.testing.assert_allclose(st[k], ref[k], rtol=rtol, atol=atol, err_msg=k)
    # SGD has a NumPy path too (kernels/numpy_optim.py), used without numba; torch takes
    # PyTorch's fused CPU kernels for SGD, Adam/AdamW and Adagrad (kernels/torch_optim.py)
    expect_fused = ((backend_name == "numpy" and (HAVE_NUMBA or name == "SGD"))
                    or (backend_name == "torch" and RULE[name] in ("sgd", "adam", "adagrad")))
    assert fused_calls == (3 * STEPS if expect_fused else 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_fused_update_equals_generic(spy, name, kwargs, dtype):
    # every option of every rule, on NumPy (the backend these paths belong to)
    with pn.use_backend("numpy"):
        _compare(spy, name, kwargs, dtype, "numpy")


@pytest.mark.parametrize("name", sorted(RULE))
def test_each_backend_takes_its_own_path(backend, spy, name):
    # one case per optimizer on every backend: the same results with and without the fast
    # paths, and a fused update only where the backend has one
    kwargs = next(kw for n, kw in reversed(CASES) if n == name)  # the richest case
    _compare(spy, name, kwargs, "float64", backend.name)


@pytest.mark.skipif(not HAVE_NUMBA, reason="the fused rules need numba")
def test_fused_path_declines_what_it_cannot_update_in_place():
    from portanet.kernels import numba_optim as K
    group = dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 maximize=False)
    p = np.ones((4, 3), np.float32)
    fresh = lambda: {"step": 0.0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}  # noqa: E731
    g = np.full((4, 3), 0.5, np.float32)
    cases = {"float64 gradient": (p, g.astype(np.float64)),
             "transposed parameter": (np.ones((3, 4), np.float32).T, g),
             "read-only parameter": (np.broadcast_to(np.float32(1), (4, 3)), g),
             "integer parameter": (np.ones((4, 3), np.int32), g),
             "shape mismatch": (p, g[:2])}
    for why, (pp, gg) in cases.items():
        st = fresh()
        assert not K.adam(pp, gg, st, group), why
        assert st["step"] == 0.0 and not st["exp_avg"].any(), why  # untouched
    st = fresh()
    st["exp_avg"] = np.zeros((3, 4), np.float32).T  # a non-contiguous state array
    assert not K.adam(p, g, st, group)
    st = fresh()
    assert K.adam(p, g, st, group) and st["step"] == 1.0


def test_non_contiguous_parameter_takes_the_generic_path(spy):
    with pn.use_backend("numpy"):
        w = pn.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), requires_grad=True)
        w.array = w.array.T  # a transposed view: no flat loop over it in place
        opt = pn.optim.Adam([w], lr=0.1)
        w.grad = pn.tensor(np.ones((4, 3), np.float32))
        opt.step()
    assert spy.get("optim.adam", 0) == 0
    assert np.all(pn.to_numpy(w) < np.arange(12.0).reshape(3, 4).T)


@pytest.mark.parametrize("name,kwargs", [CASES[3], CASES[5], CASES[14], CASES[25]],
                         ids=[IDS[3], IDS[5], IDS[14], IDS[25]])
def test_state_dict_moves_between_fused_and_generic(backend, name, kwargs):
    # half the run on one path, the rest on the other (both ways round): the states are
    # interchangeable, so the runs stay together
    ps, opt = _run(name, kwargs, "float64", steps=4)
    with fast.disabled():
        ps2, opt2 = _run(name, kwargs, "float64", steps=4)
    fused_state, generic_state = opt.state_dict(), opt2.state_dict()
    opt.load_state_dict(generic_state)
    opt2.load_state_dict(fused_state)
    rng = np.random.default_rng(9)
    for k in range(4):
        grads = [rng.standard_normal(p.shape) for p in ps]
        for p, q, g in zip(ps, ps2, grads):
            p.grad, q.grad = pn.tensor(g, dtype="float64"), pn.tensor(g, dtype="float64")
        opt.step()
        with fast.disabled():
            opt2.step()
    for p, q in zip(ps, ps2):
        np.testing.assert_allclose(pn.to_numpy(p), pn.to_numpy(q), rtol=1e-13, atol=1e-15)


_NO_NUMBA = r"""
import sys, json
sys.modules["numba"] = None          # numba is not installed, as far as imports can tell
import numpy as np
import portanet as pn
from portanet.backend import fast
assert fast.lookup(np, "optim.adam") is None and fast.lookup(np, "max_pool2d") is None
pn.manual_seed(0)
model = pn.nn.Sequential(pn.nn.Conv2d(1, 2, 3, padding=1), pn.nn.ReLU(), pn.nn.MaxPool2d(2),
                         pn.nn.Flatten(), pn.nn.Linear(8, 3))
opt = pn.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
x = pn.tensor(np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 1, 4, 4))
for _ in range(3):
    opt.zero_grad()
    pn.nn.functional.cross_entropy(model(x), pn.tensor([0, 2])).backward()
    opt.step()
assert "numba" not in sys.modules or sys.modules["numba"] is None
print(json.dumps([pn.to_numpy(p).tolist() for p in model.parameters()]))
"""


def test_portanet_runs_without_numba():
    res = subprocess.run([sys.executable, "-c", _NO_NUMBA], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert res.returncode == 0, res.stderr
    without = [np.array(a) for a in json.loads(res.stdout.splitlines()[-1])]
    with pn.use_backend("numpy"):
        pn.manual_seed(0)
        model = pn.nn.Sequential(pn.nn.Conv2d(1, 2, 3, padding=1), pn.nn.ReLU(),
                                 pn.nn.MaxPool2d(2), pn.nn.Flatten(), pn.nn.Linear(8, 3))
        opt = pn.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
        x = pn.tensor(np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 1, 4, 4))
        for _ in range(3):
            opt.zero_grad()
            pn.nn.functional.cross_entropy(model(x), pn.tensor([0, 2])).backward()
            opt.step()
    for a, p in zip(without, model.parameters()):
        np.testing.assert_allclose(pn.to_numpy(p), a, rtol=1e-5, atol=1e-6)


_LAZY = r"""
import sys
import numpy as np
import portanet as pn
w = pn.tensor(np.zeros(1000, np.float32), requires_grad=True)
opt = pn.optim.Adam([w])
w.grad = pn.tensor(np.ones(1000, np.float32))
opt.step()
print("numba" in sys.modules)
big = pn.tensor(np.zeros(pn.backend.fast.NUMBA_MIN_SIZE, np.float32), requires_grad=True)
opt.add_param_group({"params": [big]})
big.grad = pn.tensor(np.ones(pn.backend.fast.NUMBA_MIN_SIZE, np.float32))
opt.step()
print("numba" in sys.modules, "portanet.kernels.numba_optim" in sys.modules)
"""


@pytest.mark.skipif(not HAVE_NUMBA, reason="the fused rules need numba")
def test_numba_is_imported_only_for_a_large_array():
    res = subprocess.run([sys.executable, "-c", _LAZY], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "True", "True"]


def test_a_kernel_module_that_fails_to_import_declines():
    stand_in = fast.lazy_kernel("portanet.kernels.no_such_module", "adam")
    big = np.zeros(fast.NUMBA_MIN_SIZE)
    assert stand_in(big, big, {}, {}) is None  # falsy: the generic rule runs
