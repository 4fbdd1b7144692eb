"""The source material's worked examples, as exact tests on every backend."""
import math

import portanet as pn


def test_add_mul_circuit(backend):
    # f(x, y, z) = (x + y) z at (-2, 5, -4): df/dx = df/dy = z = -4, df/dz = x + y = 3
    x, y, z = (pn.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron(backend):
    # f(w, x) = sigmoid(w0 x0 + w1 x1 + w2) with w = (2, -3, -3), x = (-1, -2)
    w = pn.tensor([2.0, -3.0, -3.0], dtype="float64", requires_grad=True)
    x = pn.tensor([-1.0, -2.0], dtype="float64", requires_grad=True)
    f = pn.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    assert abs(f.item() - 0.7310585786) < 1e-9
    dx = pn.to_numpy(x.grad)
    dw = pn.to_numpy(w.grad)
    assert [round(v, 3) for v in dx] == [0.393, -0.590]
    assert [round(v, 3) for v in dw] == [-0.197, -0.393, 0.197]


def test_alice_forward_and_gradient(backend):
    # 2-2-1 sigmoid net, all weights 1 and biases 0; Alice = (-2, -1), female -> 1; MSE loss
    net = pn.nn.Sequential(pn.nn.Linear(2, 2), pn.nn.Sigmoid(), pn.nn.Linear(2, 1), pn.nn.Sigmoid())
    for p in net.parameters():
        pn.nn.init.ones_(p) if p.ndim == 2 else pn.nn.init.zeros_(p)
    x = pn.tensor([[-2.0, -1.0]])
    out = net(x)
    assert round(out.item(), 3) == 0.524
    loss = pn.nn.functional.mse_loss(out, pn.tensor([[1.0]]))
    loss.backward()
    # dL/dw1: w1 is the weight from weight-input to hidden neuron h1 (PyTorch layout [0][0, 0])
    dw1 = float(pn.to_numpy(net[0].weight.grad)[0, 0])
    # the source quotes 0.0214 from rounded intermediates; the exact value is 0.021469
    assert abs(dw1 - 0.0214) < 1e-4
    # independent hand computation of the same chain rule
    h = 1 / (1 + math.exp(3))
    o = 1 / (1 + math.exp(-2 * h))
    expected = -2 * (1 - o) * o * (1 - o) * 1 * h * (1 - h) * -2
    assert abs(dw1 - expected) < 1e-6
