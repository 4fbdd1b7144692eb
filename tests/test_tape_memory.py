"""The tape keeps only what backward needs: an activation that no op saved is freed as
soon as the program drops it, before backward; saved arrays go once backward used them.

No ``gc.collect()`` here: "freed" means freed by reference counting, at once, not left
to the cycle collector."""
import weakref

import numpy as np
import pytest

import portanet as pn


def _ref(array):
    try:
        return weakref.ref(array)
    except TypeError:  # pragma: no cover - an array type without weak references
        pytest.skip(f"{type(array).__name__} arrays take no weak references")


def test_unsaved_activation_is_freed_before_backward(backend):
    x = pn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    h = x + 1.0             # Add saves nothing for backward
    y = pn.relu(h)          # ReLU saves its output, not its input
    loss = (y * 2.0).sum()
    gone = _ref(h.array)
    del h
    assert gone() is None, "the graph kept an activation that backward does not need"
    loss.backward()
    np.testing.assert_allclose(pn.to_numpy(x.grad), np.full((2, 3), 2.0))


def test_saved_array_lives_until_its_node_ran(backend):
    x = pn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = pn.relu(x * 3.0)
    saved = _ref(y.array)   # ReLU's output: saved by ReLU for its backward
    loss = y.sum()
    del y
    assert saved() is not None
    loss.backward()
    assert saved() is None
    np.testing.assert_allclose(pn.to_numpy(x.grad), [3.0, 0.0, 3.0])


def test_in_place_change_of_a_dropped_intermediate_is_still_caught(backend):
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()       # Mul saves y
    y._set_inplace(y.array * 3.0, "a test write")
    with pytest.raises(RuntimeError, match=r"saved for backward by Mul \(input 0, shape \(2,\)\) "
                                           r"was modified in place by a test write"):
        z.backward()


def test_float32_training_step_stays_float32(backend):
    # no hidden float64 promotion anywhere in a CNN step with Adam (fast paths included)
    pn.manual_seed(0)
    model = pn.nn.Sequential(pn.nn.Conv2d(1, 4, 3, padding=1), pn.nn.ReLU(), pn.nn.MaxPool2d(2),
                             pn.nn.Conv2d(4, 4, 3, padding=1), pn.nn.AvgPool2d(2), pn.nn.Flatten(),
                             pn.nn.Linear(16, 3))
    opt = pn.optim.Adam(model.parameters(), lr=0.01)
    x = pn.tensor(np.linspace(-1, 1, 2 * 64, dtype=np.float32).reshape(2, 1, 8, 8))
    for _ in range(2):
        opt.zero_grad()
        out = model(x)
        assert pn.to_numpy(out).dtype == np.float32
        loss = pn.nn.functional.cross_entropy(out, pn.tensor([0, 2]))
        assert pn.to_numpy(loss).dtype == np.float32
        loss.backward()
        opt.step()
    for p in model.parameters():
        assert pn.to_numpy(p).dtype == pn.to_numpy(p.grad).dtype == np.float32
        for v in opt.state[p].values():
            assert isinstance(v, float) or pn.to_numpy(v).dtype == np.float32
