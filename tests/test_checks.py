"""portanet.checks: value checks immediate where reads are free, deferred on an accelerator.

array_api_strict's ``device1`` stands in for a GPU (reads are not free there); NumPy,
torch CPU and array_api_strict's CPU device check at once.  ``pn.checks.deferred()``
makes any backend behave as an accelerator, so the deferred path is tested everywhere.
"""
from __future__ import annotations

import numpy as np
import pytest

import portanet as pn

F = pn.nn.functional
CE_MSG = r"cross_entropy: target class index out of range \[0, 3\) \(ignore_index=-100\)"


def test_reads_are_free_per_backend():
    assert pn.set_backend("numpy").reads_are_free
    assert pn.set_backend("array_api_strict").reads_are_free
    assert not pn.set_backend("array_api_strict", "device1").reads_are_free
    if "torch" in pn.available_backends():
        assert pn.set_backend("torch", "cpu").reads_are_free
    pn.set_backend("numpy")


def test_immediate_where_reads_are_free(backend):
    x = pn.zeros(2, 3)
    if not backend.reads_are_free:
        pytest.skip("deferred here: test_deferred_until_the_next_sync covers it")
    with pytest.raises(IndexError, match=CE_MSG):
        F.cross_entropy(x, pn.tensor([0, 3]))
    assert pn.checks.pending() == 0


@pytest.mark.parametrize("sync", ["item", "float", "bool", "tolist", "numpy", "to_numpy", "flush"])
def test_deferred_until_the_next_sync(backend, sync):
    x = pn.zeros(2, 3)
    with pn.checks.deferred():
        loss = F.cross_entropy(x, pn.tensor([0, 3]))     # no read, no error yet
    assert pn.checks.pending() == 1
    read = {"item": loss.item, "float": lambda: float(loss), "bool": lambda: bool(loss > 0),
            "tolist": loss.tolist, "numpy": loss.numpy, "to_numpy": lambda: pn.to_numpy(loss),
            "flush": pn.checks.flush}[sync]
    with pytest.raises(IndexError, match=CE_MSG):
        read()
    assert pn.checks.pending() == 0
    loss.item()                                          # raised once, then gone


def test_device1_defers_by_itself():
    with pn.use_backend("array_api_strict", "device1"):
        loss = F.nll_loss(pn.zeros(2, 3), pn.tensor([0, -1]))
        assert pn.checks.pending() == 1
        with pytest.raises(IndexError, match=r"nll_loss: target class index out of range \[0, 3\)"):
            loss.item()


def test_repeated_checks_fold_into_one(backend):
    x = pn.zeros(2, 3)
    with pn.checks.deferred():
        for y in ([0, 1], [0, 3], [2, 1], [1, 1]):          # the same check at every step: one
            F.cross_entropy(x, pn.tensor(y))
        assert pn.checks.pending() == 1
        F.nll_loss(x, pn.tensor([0, 1]))                  # another message: another check
        assert pn.checks.pending() == 2
    with pytest.raises(IndexError, match=CE_MSG):
        pn.checks.flush()


def test_the_message_gets_the_first_failures_value(backend, xp):
    with pn.checks.deferred():
        for v in (1, 7, 9, 2):
            a = xp.asarray(v, device=backend.device)
            pn.checks.check(backend, a < 5, IndexError, "index {} is too big", detail=a)
    with pytest.raises(IndexError, match="^index 7 is too big$"):
        pn.checks.flush()
    with pytest.raises(IndexError, match="^index 8 is too big$"):   # immediate: the same text
        with pn.checks.strict():
            a = xp.asarray(8, device=backend.device)
            pn.checks.check(backend, a < 5, IndexError, "index {} is too big", detail=a)


def test_an_embedding_gather_that_fails_first_gives_the_clear_error():
    """array_api_strict bounds-checks its own gather: the deferred check's message wins."""
    with pn.use_backend("array_api_strict", "device1"):
        with pytest.raises(IndexError, match=r"Embedding\(5, 2\): index 7 is out of range for 5 "
                                             r"embeddings \(valid 0..4\); input shape \(2,\)"):
            pn.nn.Embedding(5, 2)(pn.tensor([1, 7]))


def test_strict_mode_is_immediate_on_an_accelerator():
    with pn.use_backend("array_api_strict", "device1"):
        with pn.checks.strict():
            with pytest.raises(IndexError, match=CE_MSG):
                F.cross_entropy(pn.zeros(2, 3), pn.tensor([3, 0]))
        assert pn.checks.pending() == 0


def test_environment_modes(backend, monkeypatch):
    monkeypatch.setenv("PORTANET_CHECKS", "off")
    F.cross_entropy(pn.zeros(2, 3), pn.tensor([0, 5])).item()   # value checks skipped
    assert pn.checks.pending() == 0
    monkeypatch.setenv("PORTANET_CHECKS", "strict")
    with pn.checks.deferred():   # an explicit block wins over the environment
        F.cross_entropy(pn.zeros(2, 3), pn.tensor([0, 5]))
    assert pn.checks.pending() == 1
    with pytest.raises(IndexError, match=r"out of range \[0, 3\)"):
        pn.checks.flush()
    with pytest.raises(IndexError, match=r"out of range \[0, 3\)"):
        F.cross_entropy(pn.zeros(2, 3), pn.tensor([0, 5]))      # strict: at once everywhere
    monkeypatch.setenv("PORTANET_CHECKS", "later")
    with pytest.raises(ValueError, match=r"PORTANET_CHECKS must be one of default, strict, off, "
                                         r"got 'later'"):
        F.cross_entropy(pn.zeros(2, 3), pn.tensor([0, 1]))


@pytest.mark.parametrize("what, bad", [("input", (1.5, 1.0)), ("target", (0.5, -0.1)),
                                       ("input", (float("nan"), 1.0))])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning", "ignore:divide by zero:RuntimeWarning")
def test_bce_range_as_pytorch(backend, what, bad):
    """PyTorch: 'all elements of input/target should be between 0 and 1' (NaN fails too)."""
    p, t = bad if what == "input" else (bad[0], bad[1])
    inp, tgt = pn.tensor([p, 0.5]), pn.tensor([t, 1.0])
    msg = f"binary_cross_entropy: all elements of {what} should be between 0 and 1"
    with pytest.raises(RuntimeError, match=msg):
        F.binary_cross_entropy(inp, tgt).item()
    with pn.checks.deferred():
        loss = F.binary_cross_entropy(inp, tgt)
    with pytest.raises(RuntimeError, match=msg):
        loss.item()
    F.binary_cross_entropy(pn.tensor([0.0, 1.0]), pn.tensor([1.0, 0.0])).item()  # the bounds are fine


def test_fit_raises_a_deferred_check_by_the_epoch_end():
    with pn.use_backend("array_api_strict", "device1"):
        x = np.zeros((8, 2), np.float32)
        y = np.array([0, 1, 0, 1, 0, 5, 0, 1])                 # one bad class among 8 rows
        model = pn.nn.Linear(2, 2)
        opt = pn.optim.SGD(model.parameters(), lr=0.1)
        with pytest.raises(IndexError, match=r"cross_entropy: target class index out of range \[0, 2\)"):
            pn.train.fit(model, F.cross_entropy, opt, (x, y), 1, batch_size=4, progress=False)
        assert pn.checks.pending() == 0
