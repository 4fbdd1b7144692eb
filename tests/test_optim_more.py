"""Rprop, ASGD and LBFGS step for step against torch.optim (float64, 1e-9 relative), plus
the Optimizer API details scripts rely on.

Fixture: tests/fixtures/trainapi_reference.npz from tests/reference/gen_trainapi_reference.py
(the layout and gradient of gen_optim_reference.py; LBFGS through a closure).
"""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn

FIX = np.load(pathlib.Path(__file__).parent / "fixtures" / "trainapi_reference.npz", allow_pickle=False)
OPT = sorted({k.split("/")[1] for k in FIX.files if k.startswith("opt/")})
RULES = [c for c in OPT if str(FIX[f"opt/{c}/name"]) != "LBFGS"]
LBFGS = [c for c in OPT if str(FIX[f"opt/{c}/name"]) == "LBFGS"]
STEPS = int(FIX["steps"])


def _kw(key):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(str(FIX[key])).items()}


HEAVY = pytest.mark.heavy(reason="25 steps of new shapes: XLA compiles each on jax; "
                                  "test_first_steps_on_every_backend covers jax")


@HEAVY
@pytest.mark.parametrize("case", RULES)
def test_rule_trajectory_matches_torch(backend, case):
    run_rule(case, STEPS)


def run_rule(case, steps):
    pre = f"opt/{case}/"
    params = [pn.tensor(FIX[pre + f"p0/{i}"], dtype="float64", requires_grad=True) for i in range(2)]
    cls = getattr(pn.optim, str(FIX[pre + "name"]))
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], **_kw(pre + "group1")}],
              **_kw(pre + "kwargs"))
    for k in range(steps):
        if k == 12:
            opt.param_groups[0]["lr"] *= 0.5
        for i, p in enumerate(params):
            x = pn.to_numpy(p)
            g = FIX[pre + f"s/{i}"] * (x - FIX[pre + f"t/{i}"]) + 0.5 * np.cos(3.0 * x)
            p.grad = None if (i == 1 and k % 7 == 3) else pn.tensor(g, dtype="float64")
        opt.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(pn.to_numpy(p), FIX[pre + f"traj/{i}"][k], rtol=1e-9,
                                       atol=1e-12, err_msg=f"{case}: parameter {i}, step {k}")
    if steps < STEPS:
        return
    keys = json.loads(str(FIX[pre + "state_keys"]))
    for i, p in enumerate(params):
        assert sorted(opt.state[p]) == keys[i]
        for key in keys[i]:
            np.testing.assert_allclose(pn.to_numpy(pn.tensor(opt.state[p][key], dtype="float64"))
                                       if isinstance(opt.state[p][key], float)
                                       else pn.to_numpy(opt.state[p][key]),
                                       FIX[pre + f"state/{i}/{key}"], rtol=1e-9, atol=1e-12)
    # the state round-trips through state_dict (and a checkpoint's structure)
    opt2 = cls([{"params": [params[0]]}, {"params": [params[1]], **_kw(pre + "group1")}],
               **_kw(pre + "kwargs"))
    opt2.load_state_dict(opt.state_dict())
    assert sorted(opt2.state[params[0]]) == keys[0]


def _lbfgs_loss(params, s, t):
    total = 0.0
    for p, si, ti in zip(params, s, t):
        total = total + (0.5 * si * (p - ti) ** 2 + pn.sin(3.0 * p) / 6.0).sum()
    return total


@HEAVY
@pytest.mark.parametrize("case", LBFGS)
def test_lbfgs_matches_torch(backend, case):
    run_lbfgs(case, len(FIX[f"opt/{case}/loss"]))


def test_first_steps_on_every_backend(backend):
    run_rule("rprop_maximize", 2)
    run_rule("asgd_averaging", 2)
    run_lbfgs("lbfgs_wolfe", 1)
    run_rule("adafactor_all", 2)


def run_lbfgs(case, steps):
    pre = f"opt/{case}/"
    params = [pn.tensor(FIX[pre + f"p0/{i}"], dtype="float64", requires_grad=True) for i in range(2)]
    s = [pn.tensor(FIX[pre + f"s/{i}"], dtype="float64") for i in range(2)]
    t = [pn.tensor(FIX[pre + f"t/{i}"], dtype="float64") for i in range(2)]
    opt = pn.optim.LBFGS(params, **_kw(pre + "kwargs"))

    def closure():
        opt.zero_grad()
        loss = _lbfgs_loss(params, s, t)
        loss.backward()
        return loss

    for k in range(steps):
        loss = opt.step(closure)
        assert float(loss) == pytest.approx(float(FIX[pre + "loss"][k]), rel=1e-9)
        for i, p in enumerate(params):
            np.testing.assert_allclose(pn.to_numpy(p), FIX[pre + f"traj/{i}"][k], rtol=1e-9,
                                       atol=1e-12, err_msg=f"{case}: parameter {i}, step {k}")
    if steps < len(FIX[pre + "loss"]):
        return
    assert opt.state[params[0]]["func_evals"] == int(FIX[pre + "func_evals"])
    sd = opt.state_dict()
    opt2 = pn.optim.LBFGS(params, **_kw(pre + "kwargs"))
    opt2.load_state_dict(sd)
    assert opt2.state[params[0]]["n_iter"] == opt.state[params[0]]["n_iter"]


def test_optimizer_errors():
    w = pn.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"Rprop: Invalid eta values: 1.5, 2.0"):
        pn.optim.Rprop([w], etas=(1.5, 2.0))
    with pytest.raises(NotImplementedError, match="Rprop: foreach=True is not supported"):
        pn.optim.Rprop([w], foreach=True)
    with pytest.raises(ValueError, match="Rprop: Invalid learning rate"):
        pn.optim.Rprop([w], lr=-1.0)
    with pytest.raises(TypeError, match="ASGD: t0 must be a real number"):
        pn.optim.ASGD([w], t0="soon")
    with pytest.raises(ValueError, match="Adafactor: beta2_decay should be <= 0 but is: 0.5"):
        pn.optim.Adafactor([w], beta2_decay=0.5)
    with pytest.raises(ValueError, match="Adafactor: Clipping threshold d should be >= 1 but is: 0.5"):
        pn.optim.Adafactor([w], d=0.5)
    with pytest.raises(ValueError, match=r"Adafactor: eps must be a pair \(eps1 or None, eps2\), got 0.001"):
        pn.optim.Adafactor([w], eps=1e-3)
    with pytest.raises(ValueError, match="LBFGS: only 'strong_wolfe' is supported as line_search_fn"):
        pn.optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        pn.optim.LBFGS([{"params": [w]}, {"params": [pn.zeros(1, requires_grad=True)]}])
    with pytest.raises(TypeError, match="LBFGS.step\\(\\) missing 1 required positional argument"):
        pn.optim.LBFGS([w]).step()


def test_zero_grad_keeps_tensor_and_step_hooks_exist():
    w = pn.ones(2, requires_grad=True)
    opt = pn.optim.SGD([w], lr=0.1)
    (w * 2.0).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and pn.to_numpy(w.grad).tolist() == [0.0, 0.0]
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    opt.step()
    h1.remove()
    opt.step()
    h2.remove()
    opt.step()
    assert seen == ["pre", "post", "post"]
    opt.add_param_group({"params": [pn.zeros(1, requires_grad=True)], "lr": 0.5})
    assert [grp["lr"] for grp in opt.param_groups] == [0.1, 0.5]
