"""``copy.deepcopy`` of tensors, state_dicts, modules and optimizer state, as PyTorch users
keep a best model: ``best = copy.deepcopy(model.state_dict())`` while training goes on."""
import copy

import numpy as np
import pytest

import portanet as pn


def _model():
    pn.manual_seed(0)
    return pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.BatchNorm1d(4), pn.nn.ReLU(),
                            pn.nn.Linear(4, 2))


def test_deepcopy_of_state_dict_keeps_values_while_training_goes_on(backend):
    model = _model()
    opt = pn.optim.SGD(model.parameters(), lr=0.5)
    x = pn.randn(5, 3)   # distinct rows: BatchNorm passes a gradient back
    best = copy.deepcopy(model.state_dict())
    kept = {k: pn.to_numpy(v).copy() for k, v in model.state_dict().items()}
    (model(x) ** 2).sum().backward()
    opt.step()
    assert not np.array_equal(pn.to_numpy(model[0].weight), kept["0.weight"])  # it trained
    for k, v in best.items():
        np.testing.assert_array_equal(pn.to_numpy(v), kept[k])
    model.load_state_dict(best)
    np.testing.assert_array_equal(pn.to_numpy(model[0].weight), kept["0.weight"])


def test_deepcopy_of_module_is_independent_and_keeps_types(backend):
    model = _model()
    model(pn.ones(5, 3)).sum().backward()
    twin = copy.deepcopy(model)
    assert isinstance(twin[0].weight, pn.nn.Parameter) and twin[0].weight.requires_grad
    np.testing.assert_array_equal(pn.to_numpy(twin[0].weight.grad), pn.to_numpy(model[0].weight.grad))
    with pn.no_grad():
        model[0].weight.add_(1.0)
    np.testing.assert_allclose(pn.to_numpy(twin[0].weight) + 1, pn.to_numpy(model[0].weight), rtol=1e-6)
    out = twin(pn.ones(2, 3))   # the copy runs and trains on its own
    out.sum().backward()
    assert twin[3].weight.grad is not None


def test_deepcopy_shares_a_tensor_once_and_copies_optimizer_state(backend):
    w = pn.nn.Parameter(pn.ones(2))
    pair = copy.deepcopy([w, w])
    assert pair[0] is pair[1] and pair[0] is not w
    opt = pn.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    state = copy.deepcopy(opt.state_dict())
    before = pn.to_numpy(state["state"][0]["exp_avg"]).copy()
    opt.step()
    np.testing.assert_array_equal(pn.to_numpy(state["state"][0]["exp_avg"]), before)


def test_deepcopy_of_a_non_leaf_is_refused_as_in_pytorch(backend):
    y = pn.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(y)
    np.testing.assert_array_equal(pn.to_numpy(copy.deepcopy(y.detach())), [2.0, 2.0])
