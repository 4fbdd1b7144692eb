"""Optimizer machinery: state_dict resume and refusal, parameter groups, hyperparameter
errors, zero_grad, closures, and gradient clipping (checked against NumPy by hand)."""
import math

import numpy as np
import pytest

import portanet as pn

ALL = [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
       ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
       ("Adadelta", dict(weight_decay=0.1)),
       ("RMSprop", dict(momentum=0.5, centered=True)),
       ("Adam", dict(lr=0.05, amsgrad=True)),
       ("AdamW", dict(lr=0.05)),
       ("Adamax", dict()),
       ("NAdam", dict(weight_decay=0.1)),
       ("RAdam", dict(lr=0.05))]


def _problem():
    """Two parameters with a non-quadratic loss, gradients from portanet's autograd."""
    w = pn.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], dtype="float64", requires_grad=True)
    b = pn.tensor([0.1, -0.2], dtype="float64", requires_grad=True)
    return [w, b]


def _loss(params):
    w, b = params
    return (pn.tanh(w * 3.0) + w * w).sum() + (b * b * w.sum()).sum()


def _steps(opt, params, n):
    for _ in range(n):
        opt.zero_grad()
        _loss(params).backward()
        opt.step()


@pytest.mark.parametrize("name,kwargs", ALL, ids=[a for a, _ in ALL])
def test_state_dict_round_trip_mid_run(backend, name, kwargs):
    cls = getattr(pn.optim, name)
    params = _problem()
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.02}], **kwargs)
    _steps(opt, params, 7)
    saved = opt.state_dict()
    saved_params = [pn.to_numpy(p).copy() for p in params]
    _steps(opt, params, 8)  # updates in place; the saved state must not follow
    uninterrupted = [pn.to_numpy(p) for p in params]

    resumed = [pn.tensor(v, dtype="float64", requires_grad=True) for v in saved_params]
    opt2 = cls([{"params": [resumed[0]]}, {"params": [resumed[1]], "lr": 0.5}], **kwargs)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.02  # hyperparameters come back too
    _steps(opt2, resumed, 8)
    for a, b in zip(resumed, uninterrupted):
        np.testing.assert_array_equal(pn.to_numpy(a), b)


def test_state_dict_crosses_backends():
    # a state saved on NumPy, as host arrays, resumes on every other backend
    with pn.use_backend("numpy"):
        params = _problem()
        opt = pn.optim.Adam(params, lr=0.05)
        _steps(opt, params, 5)
        sd = opt.state_dict()
        host = {"state": {k: {n: (pn.to_numpy(v) if hasattr(v, "shape") else v) for n, v in st.items()}
                          for k, st in sd["state"].items()},
                "param_groups": sd["param_groups"]}
        start = [pn.to_numpy(p).copy() for p in params]
        _steps(opt, params, 5)
        expected = [pn.to_numpy(p) for p in params]
    for name in pn.available_backends():
        with pn.use_backend(name):
            # copies: on NumPy pn.tensor shares the array, which the steps update in place
            ps = [pn.tensor(v.copy(), dtype="float64", requires_grad=True) for v in start]
            opt = pn.optim.Adam(ps, lr=0.05)
            opt.load_state_dict(host)
            assert isinstance(opt.state[ps[0]]["step"], float)
            _steps(opt, ps, 5)
            for a, b in zip(ps, expected):
                np.testing.assert_allclose(pn.to_numpy(a), b, rtol=1e-12)


def _snapshot(opt):
    return ([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
            {id(p): {k: (pn.to_numpy(v).copy() if hasattr(v, "shape") else v) for k, v in st.items()}
             for p, st in opt.state.items()})


@pytest.mark.parametrize("mutate,match", [
    (lambda sd: sd["state"][0].update(exp_avg=pn.zeros(4, 4, dtype="float64")),
     r"state 'exp_avg' of parameter 0 has shape \(4, 4\), the parameter has shape \(2, 3\)"),
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "2 parameter groups in the state, 1"),
    (lambda sd: sd["param_groups"][0]["params"].append(2), "holds 3 parameters in the state, 2"),
    (lambda sd: sd["state"].update({5: {}}), "state for parameter 5, but the optimizer has 2"),
    (lambda sd: sd["state"][1].update(momentum_buffer=pn.zeros(2)), r"holds \['exp_avg'.*keeps"),
    (lambda sd: sd["state"][1].pop("exp_avg_sq"), r"keeps \['exp_avg', 'exp_avg_sq', 'step'\]"),
    (lambda sd: sd["param_groups"][0].update(lr=-1.0), "Invalid learning rate: lr=-1.0"),
])
def test_load_state_dict_refuses_other_parameters(backend, mutate, match):
    params = _problem()
    opt = pn.optim.Adam(params, lr=0.05)
    _steps(opt, params, 2)
    sd = opt.state_dict()
    mutate(sd)
    before = _snapshot(opt)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    after = _snapshot(opt)
    assert before[0] == after[0]
    for pid, st in before[1].items():
        for k, v in st.items():
            np.testing.assert_array_equal(after[1][pid][k], v)


def test_state_of_another_model_is_refused():
    small = [pn.zeros(3, 2, requires_grad=True)]
    big = [pn.zeros(4, 2, requires_grad=True)]
    opt_small, opt_big = pn.optim.SGD(small, lr=0.1, momentum=0.9), pn.optim.SGD(big, lr=0.1, momentum=0.9)
    small[0].grad = pn.ones(3, 2)
    opt_small.step()
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(3, 2\).*\(4, 2\)"):
        opt_big.load_state_dict(opt_small.state_dict())
    assert opt_big.state == {}


BAD = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: lr=-0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: momentum=-0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value: weight_decay=-0.0001"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, nesterov=True, momentum=0.9, dampening=0.1), "dampening=0.1"),
    ("Adam", dict(betas=(1.0, 0.999)), r"Invalid beta parameter at index 0: betas\[0\]=1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), r"Invalid beta parameter at index 1: betas\[1\]=-0.1"),
    ("AdamW", dict(eps=-1e-8), "Invalid epsilon value: eps=-1e-08"),
    ("Adam", dict(lr=float("nan")), "Invalid learning rate: lr=nan"),
    ("Adamax", dict(betas=(0.9, 1.5)), r"betas\[1\]=1.5"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value: momentum_decay=-1.0"),
    ("RAdam", dict(weight_decay=-0.1), "weight_decay=-0.1"),
    ("Adagrad", dict(lr_decay=-0.1), "Invalid lr_decay value: lr_decay=-0.1"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value=-1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: rho=1.5"),
    ("RMSprop", dict(alpha=-0.9), "Invalid alpha value: alpha=-0.9"),
    ("RMSprop", dict(momentum=-0.9), "Invalid momentum value: momentum=-0.9"),
]


@pytest.mark.parametrize("name,kwargs,match", BAD, ids=[f"{n}-{m[:20]}" for n, _, m in BAD])
def test_bad_hyperparameters_name_the_argument(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(pn.optim, name)([pn.zeros(2, requires_grad=True)], **kwargs)


def test_param_groups_and_add_param_group(backend):
    a, b, c = (pn.tensor([1.0, 2.0], requires_grad=True) for _ in range(3))
    opt = pn.optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.5  # defaults fill what the group leaves out
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="Invalid learning rate: lr=-1"):
        opt.add_param_group({"params": [c], "lr": -1})
    assert len(opt.param_groups) == 2
    for p in (a, b):
        p.grad = pn.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(pn.to_numpy(a), [0.9, 1.9], rtol=1e-6)
    np.testing.assert_allclose(pn.to_numpy(b), [0.99, 1.99], rtol=1e-6)
    assert "Parameter Group 1" in repr(opt) and "lr: 0.01" in repr(opt)


def test_parameter_errors():
    w = pn.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        pn.optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got Tensor"):
        pn.optim.Adam(w)
    with pytest.raises(TypeError, match="can only optimize Tensors, got list"):
        pn.optim.Adam([[1.0, 2.0]])
    with pytest.raises(ValueError, match="non-leaf"):
        pn.optim.Adam([w * 2])
    with pytest.raises(ValueError, match="contains a parameter twice"):
        pn.optim.Adam([w, w])


def test_zero_grad_and_closure(backend):
    w = pn.tensor([3.0], requires_grad=True)
    opt = pn.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with pn.no_grad():  # the closure records its graph all the same
        loss = opt.step(closure)
    assert loss.item() == 9.0 and pn.to_numpy(w).tolist() == [1.5]
    opt.zero_grad(set_to_none=False)
    assert pn.to_numpy(w.grad).tolist() == [0.0]
    opt.zero_grad()
    assert w.grad is None
    fresh = pn.optim.Adam([w])
    fresh.step()  # nothing has a gradient: nothing moves, no state
    assert pn.to_numpy(w).tolist() == [1.5] and fresh.state == {}


def test_rules_never_modify_the_gradient(backend):
    for name, kwargs in ALL:
        w = pn.tensor([1.0, -2.0], requires_grad=True)
        opt = getattr(pn.optim, name)([w], **kwargs)
        for _ in range(2):
            w.grad = pn.tensor([0.5, -0.25])
            opt.step()
            assert pn.to_numpy(w.grad).tolist() == [0.5, -0.25], name


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
def test_clip_grad_norm(backend, norm_type):
    rng = np.random.default_rng(1)
    gs = [rng.normal(size=(3, 4)), rng.normal(size=(5,)), rng.normal(size=())]
    params = [pn.zeros(*g.shape, dtype="float64", requires_grad=True) for g in gs]
    for p, g in zip(params, gs):
        p.grad = pn.tensor(g.copy(), dtype="float64")  # clipping works in place
    params.append(pn.zeros(2, requires_grad=True))  # no gradient: skipped
    flat = np.concatenate([g.ravel() for g in gs])
    expected = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    total = pn.nn.utils.clip_grad_norm_(params, max_norm=0.5, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), expected, rtol=1e-12)
    coef = 0.5 / (expected + 1e-6)
    for p, g in zip(params, gs):
        np.testing.assert_allclose(pn.to_numpy(p.grad), g * coef, rtol=1e-12)
    # under the limit: unchanged
    before = pn.to_numpy(params[0].grad).copy()
    pn.nn.utils.clip_grad_norm_(params, max_norm=1e6, norm_type=norm_type)
    np.testing.assert_array_equal(pn.to_numpy(params[0].grad), before)


def test_clip_grad_nonfinite_and_value(backend):
    w = pn.zeros(3, requires_grad=True)
    w.grad = pn.tensor([1.0, float("inf"), -2.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is non-finite"):
        pn.nn.utils.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)
    assert pn.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    w.grad = pn.tensor([0.2, -3.0, 7.0])
    pn.nn.utils.clip_grad_value_([w], clip_value=1.0)
    assert pn.to_numpy(w.grad).tolist() == pytest.approx([0.2, -1.0, 1.0])
    assert pn.to_numpy(w.grad).dtype == np.float32
    with pytest.raises(ValueError, match="clip_value must be positive, got clip_value=-1"):
        pn.nn.utils.clip_grad_value_([w], clip_value=-1)
