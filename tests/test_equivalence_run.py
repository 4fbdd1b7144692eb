"""A whole seeded training run (dropout, batch norm, shuffled mini-batches, Adam) gives the
same numbers on numpy, array_api_strict and torch (and on each backend the plugin selects,
jax included, against numpy), and a checkpoint written on any of them loads on every other
with identical outputs."""
import numpy as np
import pytest

import portanet as pn

BACKENDS = [n for n in ("numpy", "array_api_strict", "torch") if n in pn.available_backends()]
needs_loader = pytest.mark.skipif(not hasattr(getattr(pn, "data", None), "DataLoader"),
                                  reason="pn.data.DataLoader is not written yet")

N, D, C, BATCH = 96, 6, 3, 16     # 6 shuffled mini-batches per epoch


def make_model():
    # bias=False before batch norm, as usual: that bias's true gradient is zero, and Adam
    # would blow its rounding noise (different per library) up to +-lr per step; the
    # harness reports exactly that ("parameter '0.bias'" at step 1) if the bias is kept.
    return pn.nn.Sequential(pn.nn.Linear(D, 32, bias=False), pn.nn.BatchNorm1d(32), pn.nn.ReLU(),
                            pn.nn.Dropout(0.25), pn.nn.Linear(32, C))


def build():
    """Seeded data, model and Adam on the current backend; one step = one mini-batch."""
    X = pn.randn(N, D)
    y = pn.randint(0, C, (N,))
    model = make_model()
    opt = pn.optim.Adam(model.parameters(), lr=1e-2)
    loader = pn.data.DataLoader(pn.data.TensorDataset(X, y), batch_size=BATCH, shuffle=True)

    def batches():
        while True:                    # epoch after epoch, reshuffled each time
            yield from loader

    stream = batches()

    def step():
        xb, yb = next(stream)
        model.train()
        opt.zero_grad()
        loss = pn.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


@needs_loader
def test_training_run_is_the_same_on_every_backend():
    assert len(BACKENDS) >= 2
    report = pn.testing.assert_backends_equivalent(build, steps=18, backends=BACKENDS)  # 3 epochs
    losses = report.results["numpy"].outputs
    assert len(losses) == 18
    assert np.mean(losses[-6:]) < np.mean(losses[:6])      # it learns
    for name in BACKENDS:
        np.testing.assert_allclose(report.results[name].outputs, losses, rtol=1e-5)
    if "array_api_strict" in BACKENDS:   # NumPy underneath: bitwise the same run
        assert report.results["array_api_strict"].max_diff == 0.0


@needs_loader
def test_training_run_on_this_backend_matches_numpy(backend):
    """The same run on each backend the plugin selects, jax included: BACKENDS above leaves
    jax out because every new op compiles there (seconds per run), so the jax CI job
    (ci/jax_tests.txt) runs it through this test instead."""
    report = pn.testing.assert_backends_equivalent(build, steps=18, backends=["numpy", backend.name])
    losses = report.results["numpy"].outputs
    assert len(losses) == 18 and np.mean(losses[-6:]) < np.mean(losses[:6])
    np.testing.assert_allclose(report.results[backend.name].outputs, losses, rtol=1e-5)


@needs_loader
def test_training_run_float64_is_tight():
    report = pn.testing.assert_backends_equivalent(build, steps=6, backends=BACKENDS, dtype="float64")
    for r in report.results.values():
        assert r.max_diff < 1e-12


def _trained_checkpoint(name, path):
    with pn.use_backend(name):
        pn.manual_seed(0)
        model, _, step = build()
        for _ in range(4):
            step()
        pn.save(model.state_dict(), path)
        return model.state_dict()


def _eval_outputs(name, path, x):
    with pn.use_backend(name):
        pn.manual_seed(123)     # a different initialization, overwritten by the load
        model = make_model()
        model.load_state_dict(pn.load(path))
        model.eval()
        with pn.no_grad():
            out = model(pn.tensor(x))
        assert out.backend.name == name
        return pn.to_numpy(out), {k: pn.to_numpy(v) for k, v in model.state_dict().items()}


@needs_loader
@pytest.mark.parametrize("writer", BACKENDS)
def test_checkpoint_crosses_backends(writer, tmp_path):
    path = tmp_path / f"{writer}.safetensors"
    saved = {k: pn.to_numpy(v) for k, v in _trained_checkpoint(writer, path).items()}
    assert saved["1.num_batches_tracked"] == 4 and saved["1.num_batches_tracked"].dtype == np.int64
    x = np.random.default_rng(0).standard_normal((10, D)).astype(np.float32)
    ref_out, _ = _eval_outputs(writer, path, x)
    for reader in BACKENDS:
        out, state = _eval_outputs(reader, path, x)
        assert state.keys() == saved.keys()
        for k in saved:                      # the state arrives bit for bit
            assert state[k].dtype == saved[k].dtype
            np.testing.assert_array_equal(state[k], saved[k])
        # same weights, same input: float32 outputs equal up to the libraries' rounding
        np.testing.assert_allclose(out, ref_out, rtol=1e-6, atol=1e-7)
        if {reader, writer} <= {"numpy", "array_api_strict"}:
            np.testing.assert_array_equal(out, ref_out)


@pytest.mark.parametrize("writer", BACKENDS)
def test_scalar_buffers_survive_a_checkpoint(writer, tmp_path):
    # regression: pn.save wrote 0-d arrays (num_batches_tracked) as shape (1,), so a
    # BatchNorm checkpoint could not be loaded back
    with pn.use_backend(writer):
        bn = pn.nn.BatchNorm1d(3)
        bn(pn.randn(4, 3))
        pn.save(bn.state_dict(), tmp_path / "bn.safetensors")
    loaded = pn.load(tmp_path / "bn.safetensors")
    assert loaded["num_batches_tracked"].shape == () and loaded["num_batches_tracked"] == 1
    for reader in BACKENDS:
        with pn.use_backend(reader):
            other = pn.nn.BatchNorm1d(3)
            other.load_state_dict(loaded)
            assert other.num_batches_tracked.shape == () and int(other.num_batches_tracked.item()) == 1
            np.testing.assert_array_equal(pn.to_numpy(other.running_mean), pn.to_numpy(bn.running_mean))
