"""pn.testing.count_host_syncs: what it counts, where it says the read was, and fit's budget."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import portanet as pn

F = pn.nn.functional
HERE = "tests/test_host_syncs.py"


def test_every_kind_of_read_is_counted_once_with_its_line(host_syncs, backend):
    t, three = pn.tensor([1.5, 2.5]), pn.tensor(3)
    s = pn.sum(t)
    with host_syncs() as syncs:
        float(s)
        bool(s > 0)
        int(three)
        s.item()
        t.tolist()
        t.numpy()
        pn.to_numpy(t)
    assert syncs.count == 7, syncs.summary()
    assert all(HERE in site for site in syncs.sites), syncs.sites
    assert [site.split(" at ")[0] for site in syncs.sites] == ["item"] * 4 + ["to_numpy"] * 3


def test_library_level_reads_are_counted(host_syncs, xp, backend):
    a = xp.asarray([1.0, -2.0], device=backend.device)
    if backend.name == "cupy":
        # cupy.ndarray's methods cannot be wrapped: a read outside portanet is refused
        # (cupyx.allow_synchronize), not counted; a failing budget still names it
        import cupyx
        with pytest.raises(cupyx.DeviceSynchronized), host_syncs():
            bool(xp.any(a < 0))
        return
    with host_syncs() as syncs:
        bool(xp.any(a < 0))
        float(xp.sum(a))
    assert syncs.count == 2, syncs.summary()
    assert syncs.sites[0].startswith("bool at " + HERE), syncs.sites


def test_a_failing_budget_names_the_line_in_portanet(host_syncs, backend):
    x, y = pn.zeros(2, 3), pn.tensor([0, 1])
    with host_syncs(defer_checks=False) as syncs:     # checks immediate: the read is counted
        with pn.checks.strict():
            F.cross_entropy(x, y)
    with pytest.raises(AssertionError, match=r"a loss: at most 0 host syncs allowed, counted 1 host "
                                             r"sync: 1x bool at portanet/ops/losses.py:\d+ _check_range"):
        syncs.assert_at_most(0, "a loss")
    syncs.assert_at_most(1)
    assert repr(syncs).startswith("HostSyncs(1 host sync: ")


def test_python_numbers_uploaded_by_the_compat_wrapper_are_counted(host_syncs, xp, backend):
    """torch's compat ``maximum(a, 0)`` makes a device tensor of 0 at every call (a
    synchronous copy on CUDA); ops pass a cached 0-d array instead (ops/util.const)."""
    if backend.name != "torch":
        pytest.skip("array_api_strict takes Python numbers as they are")
    a = pn.randn(3).array
    with host_syncs() as syncs:
        xp.maximum(a, 0)
    assert syncs.count == 1 and syncs.sites[0].startswith("host-to-device asarray at " + HERE)
    with host_syncs() as syncs:
        pn.relu(pn.randn(3))
    assert syncs.count == 0, syncs.summary()


def test_nested_counts_and_the_classes_are_restored(host_syncs, backend):
    import array_api_strict
    before = dict(vars(array_api_strict._array_object.Array))
    torch = sys.modules.get("torch")
    tb = dict(vars(torch.Tensor)) if torch else None
    t = pn.sum(pn.ones(2))
    with host_syncs() as outer:
        t.item()
        with host_syncs() as inner:
            t.item()
        t.item()
    assert (outer.count, inner.count) == (3, 1)
    assert dict(vars(array_api_strict._array_object.Array)) == before
    if torch:
        assert dict(vars(torch.Tensor)) == tb
    with host_syncs() as after:
        pass
    t.item()
    assert after.count == 0


def test_numpy_is_not_countable():
    assert not pn.testing.countable(pn.set_backend("numpy"))
    assert pn.testing.countable(pn.set_backend("array_api_strict", "device1"))
    pn.set_backend("numpy")


def _fit_syncs_per_step(log_every, steps_per_epoch=7, epochs=2, progress=False):
    """Counts of reads between consecutive steps of fit (index = step just finished)."""
    rng = np.random.default_rng(0)
    n = 4 * steps_per_epoch
    x, y = rng.standard_normal((n, 3)).astype(np.float32), rng.integers(0, 2, n)
    loader = pn.data.DataLoader(pn.data.TensorDataset(pn.tensor(x), pn.tensor(y)), batch_size=4)
    model = pn.nn.Linear(3, 2)
    opt = pn.optim.Adam(model.parameters(), lr=0.01)
    marks = []

    class Mark(pn.train.Callback):  # the loader's upload of each batch is not a read: not counted
        def on_batch_end(self, trainer, batch, logs):
            marks.append((trainer.epoch + 1, batch + 1, len(counter.reads)))

        def on_epoch_end(self, trainer, epoch, logs):
            marks.append((epoch, "end", len(counter.reads)))

    with pn.testing.count_host_syncs() as counter:
        h = pn.train.fit(model, F.cross_entropy, opt, loader, epochs, callbacks=[Mark()],
                         progress=progress, log_every=log_every)
    assert all(math.isfinite(v) for v in h["loss"])
    return marks


@pytest.mark.parametrize("log_every", [1, 3, 50])
def test_fit_reads_only_when_it_reports_and_at_epoch_ends(backend, log_every):
    if not pn.testing.countable(backend):
        pytest.skip(f"host syncs cannot be counted on {backend.name}")
    marks = _fit_syncs_per_step(log_every)
    prev = 0
    for i, (epoch, step, count) in enumerate(marks):
        # the read of a report happens after on_batch_end of its step: seen at the next mark
        before = marks[i - 1][1] if i else None
        reported = isinstance(before, int) and before % log_every == 0
        # a report or an epoch end: the sums in one transfer + the deferred checks in one
        allowed = 2 * reported + 2 * (step == "end")
        if allowed:
            assert count - prev <= allowed, (marks, i)
        else:
            assert count == prev, f"a read inside step {step} of epoch {epoch}: {marks}"
        prev = count
    assert marks[-1][2] > 0   # the epoch ends did read


def test_log_every_is_checked():
    with pytest.raises(ValueError, match=r"Trainer: log_every must be a positive integer, got 0"):
        pn.train.Trainer(pn.nn.Linear(1, 1), F.mse_loss, None, [], log_every=0)
