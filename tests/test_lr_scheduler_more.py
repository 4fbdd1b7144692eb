"""LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts,
CyclicLR, SequentialLR, ChainedScheduler: torch.optim.lr_scheduler's exact sequences.

Fixture: tests/fixtures/trainapi_reference.npz from tests/reference/gen_trainapi_reference.py.
Schedulers compute on Python floats only, so one backend suffices.
"""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
from portanet.optim import lr_scheduler

FIX = np.load(pathlib.Path(__file__).parent / "fixtures" / "trainapi_reference.npz", allow_pickle=False)
CASES = sorted({k.split("/")[1] for k in FIX.files if k.startswith("sched/")})
STEPS = 30

LAMBDAS = {   # the generator's table
    "pow": lambda e: 0.9 ** e,
    "warm": lambda e: min(1.0, (e + 1) / 5.0),
    "m95": lambda e: 0.95 if e % 2 else 1.01,
}


def build(opt, spec):
    name, kwargs = spec[0], dict(spec[1])
    if "lr_lambda" in kwargs:
        f = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [LAMBDAS[x] for x in f] if isinstance(f, list) else LAMBDAS[f]
    cls = getattr(lr_scheduler, name)
    if name == "SequentialLR":
        return cls(opt, [build(opt, s) for s in spec[2]], **kwargs)
    if name == "ChainedScheduler":
        return cls([build(opt, s) for s in spec[2]])
    return cls(opt, **kwargs)


def make(case):
    pre = f"sched/{case}/"
    w = [pn.zeros(2, requires_grad=True), pn.zeros(3, requires_grad=True)]
    groups = [{"params": [w[0]], "lr": 0.1}, {"params": [w[1]], "lr": 0.03}]
    opt = pn.optim.SGD(groups, momentum=0.9) if str(FIX[pre + "opt"]) == "SGD" else pn.optim.Adam(groups)
    return opt, build(opt, json.loads(str(FIX[pre + "spec"])))


def epochs(case):
    if not case.startswith("warm_restarts_frac"):
        return None
    return [round(0.37 * (k + 1), 10) for k in range(STEPS)]


def advance(case, sched, k):
    e = epochs(case)
    sched.step() if e is None else sched.step(e[k])


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


@pytest.mark.parametrize("case", CASES)
def test_lr_sequence_equals_torch(case):
    opt, sched = make(case)
    lrs, moms = [list(sched.get_last_lr())], [momenta(opt)]
    for k in range(STEPS):
        opt.step()
        advance(case, sched, k)
        lrs.append(list(sched.get_last_lr()))
        moms.append(momenta(opt))
    np.testing.assert_allclose(np.array(lrs), FIX[f"sched/{case}/lrs"], rtol=1e-13, atol=0)
    np.testing.assert_allclose(np.array(moms), FIX[f"sched/{case}/mom"], rtol=1e-13, atol=0)


@pytest.mark.parametrize("case", CASES)
def test_state_dict_resumes_and_checkpoints(case, tmp_path):
    opt, sched = make(case)
    for k in range(9):
        advance(case, sched, k)
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    pn.save_checkpoint(tmp_path / "c.safetensors", rng=False, scheduler=sched)   # storable: no functions
    rest = []
    for k in range(9, 20):
        advance(case, sched, k)
        rest.append(sched.get_last_lr())
    opt2, sched2 = make(case)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(pn.load_checkpoint(tmp_path / "c.safetensors")["scheduler"])
    for k in range(9, 20):
        advance(case, sched2, k)
        assert sched2.get_last_lr() == pytest.approx(rest[k - 9], rel=1e-14)
    assert sched.state_dict().keys() == saved_sched.keys()


def test_lambda_state_holds_no_functions_but_callable_objects_state():
    class Warm:
        def __init__(self):
            self.n = 3

        def __call__(self, e):
            return min(1.0, (e + 1) / self.n)

    opt = pn.optim.SGD([pn.zeros(1, requires_grad=True)], lr=1.0)
    obj = Warm()
    sched = lr_scheduler.LambdaLR(opt, obj)
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 3}]
    sd["lr_lambdas"] = [{"n": 6}]
    sched.load_state_dict(sd)
    assert sched.lr_lambdas == [obj] and obj.n == 6
    sched2 = lr_scheduler.LambdaLR(opt, lambda e: 1.0)
    assert sched2.state_dict()["lr_lambdas"] == [None]


def test_errors_name_the_scheduler_and_argument():
    opt = pn.optim.SGD([pn.zeros(1, requires_grad=True)], lr=1.0)
    other = pn.optim.SGD([pn.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="LambdaLR: Expected 1 lr_lambdas, but got 2"):
        lr_scheduler.LambdaLR(opt, [LAMBDAS["pow"]] * 2)
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda should be a function, but got float"):
        lr_scheduler.MultiplicativeLR(opt, 0.9)
    with pytest.raises(ValueError, match=r"ConstantLR: Constant multiplicative factor expected to be "
                                         r"between 0 and 1 \(factor=1.5\)"):
        lr_scheduler.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="PolynomialLR: total_iters must be a positive integer"):
        lr_scheduler.PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    s = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        s.step(-1)
    with pytest.raises(ValueError, match="CyclicLR: mode is invalid and scale_fn is None"):
        lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="sawtooth")
    with pytest.raises(ValueError, match="CyclicLR: optimizer must support momentum or beta1"):
        lr_scheduler.CyclicLR(pn.optim.Adagrad([pn.zeros(1, requires_grad=True)]), 0.1, 1.0)
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        lr_scheduler.CyclicLR(opt, 0.1, [1.0, 2.0])
    a = lr_scheduler.ExponentialLR(opt, 0.9)
    with pytest.raises(ValueError, match="SequentialLR: Sequential Schedulers expects number of "
                                         "schedulers provided to be one more than the number of "
                                         "milestone points, but got number of schedulers 1 and the "
                                         "number of milestones to be equal to 1"):
        lr_scheduler.SequentialLR(opt, [a], milestones=[3])
    with pytest.raises(ValueError, match="SequentialLR expects all schedulers to belong to the same optimizer"):
        lr_scheduler.SequentialLR(opt, [a, lr_scheduler.ExponentialLR(other, 0.9)], milestones=[3])
    with pytest.raises(ValueError, match="ChainedScheduler does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([a, lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="ChainedScheduler expects at least one scheduler"):
        lr_scheduler.ChainedScheduler([])
    with pytest.raises(ValueError, match="SequentialLR.load_state_dict: expected a state with one "
                                         "'_schedulers' entry per scheduler"):
        lr_scheduler.SequentialLR(opt, [a, lr_scheduler.StepLR(opt, 2)], [2]).load_state_dict({})
