"""``Module.to`` while an optimizer holds state: the state follows the parameters to the
new backend (and floating dtype) at the next step, and the run goes on exactly as if the
model had never moved; ``state_dict`` between the move and the step works too."""
import array_api_compat
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

BACKENDS = pn.available_backends()
OPTIMIZERS = [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)), ("Adagrad", dict(lr=0.1)),
              ("Adadelta", dict()), ("RMSprop", dict(momentum=0.5, centered=True)),
              ("Adam", dict(lr=0.05, amsgrad=True)), ("AdamW", dict(lr=0.05)), ("Adamax", dict()),
              ("NAdam", dict()), ("RAdam", dict(lr=0.05))]
X = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((8, 2)).astype(np.float32)


def _run(name, kwargs, first, second, n=3, dtype=None):
    """n steps on backend ``first``, then ``model.to(second)`` (and a dtype), n more."""
    with pn.use_backend(first):
        pn.manual_seed(0)
        model = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Tanh(), pn.nn.Linear(4, 2))
        opt = getattr(pn.optim, name)(model.parameters(), **kwargs)
    for i in range(2 * n):
        if i == n:
            model.to(second, dtype=dtype)
        bk = first if i < n else second
        dt = dtype if i >= n and dtype else "float32"
        x, y = pn.tensor(X, dtype=dt, backend=bk), pn.tensor(Y, dtype=dt, backend=bk)
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    return model, opt


def _weights(model):
    return [pn.to_numpy(p).astype(np.float64) for p in model.parameters()]


@pytest.mark.parametrize("target", BACKENDS)
def test_adam_state_follows_the_model_to_every_backend(backend, target):
    source = backend.name
    ref, _ = _run("Adam", dict(lr=0.05), source, source)
    moved, opt = _run("Adam", dict(lr=0.05), source, target)
    exact = {source, target} <= {"numpy", "array_api_strict"}
    for a, b in zip(_weights(moved), _weights(ref)):
        if exact:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for p in moved.parameters():                     # the state lives where its parameter lives
        for v in opt.state[p].values():
            if hasattr(v, "shape"):
                assert array_api_compat.array_namespace(v) is array_api_compat.array_namespace(p.array)


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_every_optimizer_follows_a_move_exactly(backend, name, kwargs):
    other = "array_api_strict" if backend.name == "numpy" else "numpy"
    ref, _ = _run(name, kwargs, backend.name, backend.name)
    moved, _ = _run(name, kwargs, backend.name, other)
    exact = {backend.name, other} <= {"numpy", "array_api_strict"}
    for a, b in zip(_weights(moved), _weights(ref)):
        np.testing.assert_allclose(a, b, rtol=0 if exact else 1e-5, atol=0 if exact else 1e-6)


def test_a_dtype_change_moves_the_state_to_the_new_dtype(backend):
    moved, opt = _run("Adam", dict(lr=0.05), backend.name, backend.name, dtype="float64")
    for p in moved.parameters():
        assert pn.backend.dtype_name(p.dtype) == "float64"
        assert all(pn.to_numpy(v).dtype == np.float64 for v in opt.state[p].values() if hasattr(v, "shape"))
        assert isinstance(opt.state[p]["step"], float)


@pytest.mark.parametrize("target", BACKENDS)
def test_state_dict_between_the_move_and_the_step(backend, target):
    model, opt = _run("SGD", dict(lr=0.1, momentum=0.9), backend.name, backend.name)
    before = {k: pn.to_numpy(v).copy() for k, v in opt.state_dict()["state"][0].items()}
    model.to(target)
    sd = opt.state_dict()                            # no step yet: the state is still elsewhere
    for k, v in sd["state"][0].items():
        assert v._bk.same_place(model[0].weight._bk)
        np.testing.assert_array_equal(pn.to_numpy(v), before[k])
    with pn.use_backend(target):                     # and loads into an optimizer built after a move
        pn.manual_seed(0)
        other = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Tanh(), pn.nn.Linear(4, 2))
        opt2 = pn.optim.SGD(other.parameters(), lr=0.1, momentum=0.9)
        opt2.load_state_dict(sd)
        assert all(opt2.state[p]["momentum_buffer"] is not None for p in other.parameters())
