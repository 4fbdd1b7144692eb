"""Fused nodes (portanet/ops/fused.py) give the same bits as the ops they replace."""
import numpy as np
import pytest

import portanet as pn
from portanet import ops
from portanet.ops.fused import MSELoss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_mse_node_equals_the_composition(backend, shape, reduction, dtype):
    rng = np.random.default_rng(4)
    av, bv = rng.standard_normal(shape), rng.standard_normal(shape)
    weights = pn.tensor(rng.standard_normal(shape), dtype=dtype)

    def run(fused):
        a = pn.tensor(av, dtype=dtype, requires_grad=True)
        b = pn.tensor(bv, dtype=dtype, requires_grad=True)
        if fused:
            out = MSELoss.apply(a, b, reduction=reduction)
        else:
            sq = ops.square(a - b)
            out = {"mean": ops.mean, "sum": ops.sum, "none": lambda t: t}[reduction](sq)
        (out * weights if reduction == "none" else out).sum().backward()
        return [pn.to_numpy(t) for t in (out, a.grad, b.grad)]

    for got, want in zip(run(True), run(False)):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_mse_loss_uses_one_node_and_checks_reduction():
    x = pn.tensor([1.0, 2.0], requires_grad=True)
    loss = pn.nn.functional.mse_loss(x, pn.tensor([0.0, 0.0]))
    assert loss.grad_fn.name() == "MSELossBackward"
    with pytest.raises(ValueError, match="mse_loss: reduction must be one of 'none', 'mean', "
                                         "'sum', got 'avg'"):
        pn.nn.functional.mse_loss(x, pn.tensor([0.0, 0.0]), reduction="avg")
