"""The CuPy fused kernels (portanet.kernels.cupy_kernels) equal the generic code.

Runs where CuPy answers with a GPU (``ci/gpu_check.sh`` runs the suite there); skipped
elsewhere, and not counted as passing. Each case runs twice from the same start: with
the fast paths, and under ``fast.disabled()`` (the generic Array API code, the
reference); results must agree to rounding, and the fused path must really have run.
"""
import numpy as np
import pytest

import portanet as pn
from portanet.backend import fast

cupy = pytest.importorskip("cupy")
try:
    if cupy.cuda.runtime.getDeviceCount() < 1:
        pytest.skip("no CUDA GPU", allow_module_level=True)
except Exception as e:  # noqa: BLE001
    pytest.skip(f"CuPy without a GPU: {e}", allow_module_level=True)

OPT_CASES = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.8, 0.99), eps=1e-6)),
    ("AdamW", dict(lr=0.01)), ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
]
TOL = {"float32": dict(rtol=2e-6, atol=1e-7), "float64": dict(rtol=1e-13, atol=1e-15)}


def _spy(monkeypatch, bk):
    """Counts the calls of each CuPy fast path that handled its work."""
    table = fast._REGISTRY[id(bk.xp)]
    counts = {}
    for name, fn in list(table.items()):
        def wrapped(*a, _fn=fn, _name=name):
            out = _fn(*a)
            if out is not None and out is not False:
                counts[_name] = counts.get(_name, 0) + 1
            return out
        monkeypatch.setitem(table, name, wrapped)
    return counts


def _optimize(name, kwargs, dtype):
    rng = np.random.default_rng(3)
    ps = [pn.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in [(3, 5), (7,)]]
    opt = getattr(pn.optim, name)(ps, **kwargs)
    for _ in range(6):
        for p in ps:
            p.grad = pn.tensor(rng.standard_normal(p.shape), dtype=dtype)
        opt.step()
    return [pn.to_numpy(p) for p in ps] + [pn.to_numpy(v) for p in ps for v in opt.state[p].values()
                                            if hasattr(v, "shape")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", OPT_CASES)
def test_fused_optimizer_step_equals_the_generic_rule(monkeypatch, name, kwargs, dtype):
    with pn.use_backend("cupy") as bk:
        counts = _spy(monkeypatch, bk)
        fused = _optimize(name, kwargs, dtype)
        assert counts.get("optim.sgd" if name == "SGD" else "optim.adam", 0) == 12
        with fast.disabled():
            generic = _optimize(name, kwargs, dtype)
    for a, b in zip(fused, generic):
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_lstm_equals_the_generic_layer(monkeypatch, dtype):
    def run():
        pn.manual_seed(0)
        lstm = pn.nn.LSTM(5, 7, num_layers=2).to(dtype=dtype)
        x = pn.tensor(np.random.default_rng(1).standard_normal((6, 3, 5)), dtype=dtype,
                      requires_grad=True)
        out, (h, c) = lstm(x)
        (out.sum() + (h * h).sum() + c.sum()).backward()
        return [pn.to_numpy(t) for t in (out, h, c, x.grad)] + [pn.to_numpy(p.grad) for p in lstm.parameters()]
    with pn.use_backend("cupy") as bk:
        counts = _spy(monkeypatch, bk)
        fused = run()
        assert counts.get("lstm_cell_forward") == 12 and counts.get("lstm_cell_backward") == 12
        with fast.disabled():
            generic = run()
    for a, b in zip(fused, generic):
        np.testing.assert_allclose(a, b, **TOL[dtype])
