"""Every optimizer, step for step, against torch.optim's trajectories (float64, 1e-9 relative).

Fixture: tests/fixtures/optim_reference.npz from tests/reference/gen_optim_reference.py.
"""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn

FIX = np.load(pathlib.Path(__file__).parent / "fixtures" / "optim_reference.npz", allow_pickle=False)
CASES = sorted({k.split("/")[1] for k in FIX.files if k.startswith("opt/")})
STEPS = int(FIX["steps"])


def grad_of(p, s, t):
    return s * (p - t) + 0.5 * np.cos(3.0 * p)


def _kw(key):
    return {k: tuple(v) if k == "betas" else v for k, v in json.loads(str(FIX[key])).items()}


def run_case(case, on_step=None):
    """Replay the case's run in portanet; yields the optimizer and the host trajectories."""
    pre = f"opt/{case}/"
    params = [pn.tensor(FIX[pre + f"p0/{i}"], dtype="float64", requires_grad=True) for i in range(2)]
    cls = getattr(pn.optim, str(FIX[pre + "name"]))
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], **_kw(pre + "group1")}],
              **_kw(pre + "kwargs"))
    traj = [[], []]
    for k in range(STEPS):
        if on_step is not None:
            opt, params = on_step(k, opt, params)
        if k == 12:
            opt.param_groups[0]["lr"] *= 0.5
        for i, p in enumerate(params):
            skip = i == 1 and k % 7 == 3
            p.grad = None if skip else pn.tensor(
                grad_of(pn.to_numpy(p), FIX[pre + f"s/{i}"], FIX[pre + f"t/{i}"]), dtype="float64")
        opt.step()
        for i, p in enumerate(params):
            traj[i].append(np.array(pn.to_numpy(p)))  # a copy: updates are in place
    return opt, params, [np.stack(t) for t in traj]


@pytest.mark.parametrize("case", CASES)
def test_trajectory_matches_torch(backend, case):
    opt, params, traj = run_case(case)
    pre = f"opt/{case}/"
    for i in range(2):
        np.testing.assert_allclose(traj[i], FIX[pre + f"traj/{i}"], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{case}: parameter {i}")
        assert pn.to_numpy(params[i]).dtype == np.float64
    # the final state: torch's names, and the same values
    keys = json.loads(str(FIX[pre + "state_keys"]))
    for i, p in enumerate(params):
        assert sorted(opt.state[p]) == keys[i]
        for k in keys[i]:
            np.testing.assert_allclose(np.asarray(pn.to_numpy(opt.state[p][k]), dtype=np.float64),
                                       FIX[pre + f"state/{i}/{k}"], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{case}: state {k!r} of parameter {i}")


@pytest.mark.parametrize("case", ["sgd_nesterov", "adam_amsgrad_wd", "rmsprop_momentum_centered",
                                  "nadam_all", "adamax_all", "adadelta_all"])
def test_read_only_arrays_take_the_functional_path(case):
    # A read-only NumPy parameter cannot be updated in place: the rule must return a new
    # array and give the same trajectory.
    def freeze(k, opt, params):
        for p in params:
            p.array.flags.writeable = False
        for st in opt.state.values():
            for v in st.values():
                if hasattr(v, "flags"):
                    v.flags.writeable = False
        return opt, params

    with pn.use_backend("numpy"):
        _, params, traj = run_case(case, on_step=freeze)
    for i in range(2):
        np.testing.assert_allclose(traj[i], FIX[f"opt/{case}/traj/{i}"], rtol=1e-9, atol=1e-12)


@pytest.mark.skip_backends("jax", reason="JAX arrays are immutable: every update is a new array "
                          "(the functional path, tested by the reference runs on jax)")
def test_in_place_update_keeps_the_arrays(backend):
    # Writeable arrays are updated in place: the parameter and its state keep their identity.
    w = pn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = pn.optim.Adam([w], lr=0.1, amsgrad=True)
    w.grad = pn.tensor([0.5, 0.5, -1.0])
    opt.step()
    before = (w.array, *[v for v in opt.state[w].values() if hasattr(v, "shape")])
    w.grad = pn.tensor([0.1, -0.2, 0.3])
    opt.step()
    after = (w.array, *[v for v in opt.state[w].values() if hasattr(v, "shape")])
    assert all(a is b for a, b in zip(before, after))
    assert pn.to_numpy(w).dtype == np.float32  # no silent promotion
