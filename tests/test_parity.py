"""The parity harness: equal backends pass; a planted difference is found at the right
step and in the right quantity."""
import numpy as np
import pytest

import portanet as pn
from portanet.testing import BackendsDiverged, assert_backends_equivalent, compare_backends

# array_api_strict is a test dependency, so a two-backend comparison always exists here.
OTHER = "array_api_strict"
PAIR = ["numpy", OTHER]


def mlp_build(perturb=None, momentum=0.9):
    """A seeded 4-8-3 MLP with SGD; ``perturb(step, model, opt, phase)`` runs on OTHER only."""
    def build():
        model = pn.nn.Sequential(pn.nn.Linear(4, 8), pn.nn.Tanh(), pn.nn.Linear(8, 3))
        opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)
        x, y = pn.randn(16, 4), pn.randint(0, 3, (16,))
        hook = perturb if pn.get_backend().name == OTHER else None
        count = [0]

        def step():
            count[0] += 1
            opt.zero_grad()
            loss = pn.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            if hook:
                loss = hook(count[0], model, opt, "before_step", loss)
            opt.step()
            if hook:
                loss = hook(count[0], model, opt, "after_step", loss)
            return loss
        return model, opt, step
    return build


def _bump(t, amount, index=(0,)):
    """Add ``amount`` to one element of a Tensor's data on any backend."""
    a = pn.to_numpy(t).copy()
    a[index] += amount
    t.array = t._bk.asarray(a, t.dtype)


def test_equal_backends_pass_on_every_backend():
    report = assert_backends_equivalent(mlp_build(), steps=6)
    assert set(report.results) == set(pn.available_backends())
    assert report.ok and report.reference == "numpy"
    losses = report.results["numpy"].outputs
    assert len(losses) == 6 and losses[-1] < losses[0]
    for r in report.results.values():
        assert r.max_diff < 1e-5
        np.testing.assert_allclose(r.outputs, losses, rtol=1e-5)
    assert report.results[OTHER].max_diff == 0.0   # strict wraps NumPy: bitwise equal


def test_float64_run_is_tighter():
    report = assert_backends_equivalent(mlp_build(), steps=3, dtype="float64")
    assert report.dtype == "float64"
    for r in report.results.values():
        assert r.max_diff < 1e-12
    assert pn.get_backend().float_dtype == pn.get_backend().xp.float32  # restored


def test_perturbed_parameter_is_reported_at_its_step_and_name():
    def hook(k, model, opt, phase, loss):
        if k == 3 and phase == "after_step":
            _bump(model[2].weight, 1e-3, (1, 2))
        return loss
    with pytest.raises(BackendsDiverged) as info:
        assert_backends_equivalent(mlp_build(hook), steps=5, backends=PAIR)
    d = info.value.divergence
    assert (d.backend, d.reference, d.step, d.quantity) == (OTHER, "numpy", 3, "parameter '2.weight'")
    assert d.index == (1, 2)
    assert d.actual - d.expected == pytest.approx(1e-3, rel=1e-3)
    assert str(info.value).startswith(
        "backend 'array_api_strict' diverges from 'numpy' at step 3 in parameter '2.weight': "
        "1 of 24 float32 entries differ; worst at index (1, 2)")


def test_perturbed_gradient_is_reported_before_parameters():
    def hook(k, model, opt, phase, loss):
        if k == 2 and phase == "before_step":
            _bump(model[0].bias.grad, 1e-2, (5,))
        return loss
    report = compare_backends(mlp_build(hook), steps=4, backends=PAIR)
    d = report.results[OTHER].divergence
    assert not report.ok
    assert (d.step, d.quantity, d.index) == (2, "gradient of '0.bias'", (5,))
    # compare_backends stops a diverged backend at once: 2 of 4 steps ran
    assert len(report.results[OTHER].outputs) == 2


def test_output_and_optimizer_state_divergences():
    def out_hook(k, model, opt, phase, loss):
        return loss * 1.01 if (k == 4 and phase == "after_step") else loss
    d = compare_backends(mlp_build(out_hook), steps=5, backends=PAIR).results[OTHER].divergence
    assert (d.step, d.quantity) == (4, "output")

    def state_hook(k, model, opt, phase, loss):
        if k == 2 and phase == "after_step":
            buf = opt.state[model[2].bias]["momentum_buffer"]
            opt.state[model[2].bias]["momentum_buffer"] = buf * 1.5
        return loss
    d = compare_backends(mlp_build(state_hook), steps=3, backends=PAIR).results[OTHER].divergence
    assert (d.step, d.quantity) == (2, "optimizer state 'momentum_buffer' of '2.bias'")


def test_initial_state_difference_is_step_zero():
    def build():
        if pn.get_backend().name == OTHER:
            pn.manual_seed(1)   # a different initialization
        return mlp_build()()
    d = compare_backends(build, steps=2, backends=PAIR).results[OTHER].divergence
    assert (d.step, d.quantity) == (0, "parameter '0.weight'")
    assert "right after build() (step 0)" in str(d)


def test_silent_promotion_is_a_dtype_divergence():
    def hook(k, model, opt, phase, loss):
        return loss.astype("float64") if phase == "after_step" else loss
    d = compare_backends(mlp_build(hook), steps=2, backends=PAIR).results[OTHER].divergence
    assert (d.step, d.quantity) == (1, "output")
    assert d.detail == "dtype float64 here, float32 on the reference"


def test_tolerance_is_chosen_per_dtype():
    def hook(k, model, opt, phase, loss):
        return loss * (1 + 1e-7) if phase == "after_step" else loss
    # a 1e-7 relative difference is float32 rounding but a real difference in float64
    assert compare_backends(mlp_build(hook), steps=2, backends=PAIR).ok
    report = compare_backends(mlp_build(hook), steps=2, backends=PAIR, dtype="float64")
    assert report.results[OTHER].divergence.quantity == "output"
    assert "rtol=1e-09" in report.results[OTHER].divergence.detail
    relaxed = compare_backends(mlp_build(hook), steps=2, backends=PAIR, dtype="float64",
                               rtol={"float64": 1e-6})
    assert relaxed.ok


def test_buffers_are_compared():
    class Counter(pn.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = pn.nn.Linear(2, 1)
            self.register_buffer("seen", pn.zeros(1))

        def forward(self, x):
            self.seen = self.seen + (2.0 if pn.get_backend().name == OTHER else 1.0)
            return self.lin(x)

    def build():
        m = Counter()
        x = pn.randn(3, 2)
        return m, lambda: m(x).sum()
    d = compare_backends(build, steps=2, backends=PAIR).results[OTHER].divergence
    assert (d.step, d.quantity) == (1, "buffer 'seen'")


def test_error_on_a_backend_is_recorded_and_reraised():
    def build():
        model, opt, step = mlp_build()()
        if pn.get_backend().name == OTHER:
            def step():
                raise RuntimeError("boom")
        return model, opt, step
    report = compare_backends(build, steps=2, backends=PAIR)
    assert isinstance(report.results[OTHER].error, RuntimeError) and not report.ok
    with pytest.raises(RuntimeError, match="boom") as info:
        assert_backends_equivalent(build, steps=2, backends=PAIR)
    assert "(raised on backend 'array_api_strict' by compare_backends)" in info.value.__notes__


def test_build_forms_and_bad_build():
    def only_step():
        w = pn.randn(3)
        return lambda: (w * w).sum()
    assert assert_backends_equivalent(only_step, steps=2, backends=PAIR).ok
    with pytest.raises(TypeError, match=r"build\(\) must return step, \(model, step\) or "
                                        r"\(model, optimizer, step\)"):
        compare_backends(lambda: 3, steps=1, backends=PAIR)


def test_global_stream_is_restored():
    pn.manual_seed(123)
    pn.rand(5)
    before = pn.random.get_rng_state()
    compare_backends(mlp_build(), steps=1, backends=PAIR)
    assert pn.random.get_rng_state() == before


def test_str_of_report_names_each_backend():
    text = str(compare_backends(mlp_build(), steps=1, backends=PAIR))
    assert "numpy             reference" in text
    assert "array_api_strict  OK max |diff| 0.00e+00" in text
