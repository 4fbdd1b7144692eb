"""Learning-rate schedulers: the exact lr sequences of torch.optim.lr_scheduler.

Fixture: tests/fixtures/optim_reference.npz from tests/reference/gen_optim_reference.py.
"""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
from portanet.optim import lr_scheduler

FIX = np.load(pathlib.Path(__file__).parent / "fixtures" / "optim_reference.npz", allow_pickle=False)
CASES = sorted({k.split("/")[1] for k in FIX.files if k.startswith("sched/")})


def make(case):
    pre = f"sched/{case}/"
    w = [pn.zeros(2, requires_grad=True), pn.zeros(3, requires_grad=True)]
    lrs0 = [float(v) for v in FIX[pre + "lrs0"]]
    groups = [{"params": [w[0]], "lr": lrs0[0]}, {"params": [w[1]], "lr": lrs0[1]}]
    opt = pn.optim.SGD(groups, momentum=0.9) if str(FIX[pre + "opt"]) == "SGD" else pn.optim.Adam(groups)
    sched = getattr(lr_scheduler, str(FIX[pre + "name"]))(opt, **json.loads(str(FIX[pre + "kwargs"])))
    return opt, sched


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def advance(case, opt, sched, k):
    if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
        sched.step(float(FIX[f"sched/{case}/metrics"][k]))
    else:
        sched.step()


@pytest.mark.parametrize("case", CASES)
def test_lr_sequence_equals_torch_exactly(case):
    opt, sched = make(case)
    lrs, moms = [list(sched.get_last_lr())], [momenta(opt)]
    for k in range(len(FIX[f"sched/{case}/lrs"]) - 1):
        opt.step()
        advance(case, opt, sched, k)
        lrs.append(list(sched.get_last_lr()))
        moms.append(momenta(opt))
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    # exact: the same float operations in the same order as PyTorch
    assert np.array_equal(np.array(lrs), FIX[f"sched/{case}/lrs"])
    assert np.array_equal(np.array(moms), FIX[f"sched/{case}/mom"])


@pytest.mark.parametrize("case", CASES)
def test_state_dict_resumes_the_schedule(case):
    opt, sched = make(case)
    for k in range(9):
        advance(case, opt, sched, k)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    rest = []
    for k in range(9, 20):
        advance(case, opt, sched, k)
        rest.append(sched.get_last_lr())
    opt2, sched2 = make(case)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    for k in range(9, 20):
        advance(case, opt2, sched2, k)
        assert sched2.get_last_lr() == rest[k - 9]
        assert [g["lr"] for g in opt2.param_groups] == rest[k - 9]


def test_scheduler_drives_the_optimizer_lr():
    # the optimizer reads lr from its group at each step, so the schedule takes effect
    w = pn.tensor([1.0], dtype="float64", requires_grad=True)
    opt = pn.optim.SGD([w], lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        w.grad = pn.tensor([1.0], dtype="float64")
        opt.step()
        sched.step()
    assert pn.to_numpy(w).tolist() == [1.0 - 1.0 - 0.5 - 0.25]


def test_scheduler_errors():
    w = pn.zeros(2, requires_grad=True)
    opt = pn.optim.SGD([w], lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="start_factor=0"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode 'median' is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="median")
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[0.1, 0.2], total_steps=5)
    with pytest.raises(ValueError, match="must support momentum"):
        lr_scheduler.OneCycleLR(pn.optim.Adagrad([w]), max_lr=0.1, total_steps=5)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(pn.optim.SGD([pn.zeros(1, requires_grad=True)]), gamma=0.9,
                                   last_epoch=3)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()
