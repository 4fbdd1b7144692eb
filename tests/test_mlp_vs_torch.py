"""An MLP trained side by side with PyTorch (live, when torch is installed): forward,
parameter gradients and SGD updates agree in float64 on every backend."""
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

torch = pytest.importorskip("torch")


def _pair(rng):
    tnet = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16),
                               torch.nn.Tanh(), torch.nn.Linear(16, 5)).double()
    with torch.no_grad():
        for p in tnet.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.4, 0.4, tuple(p.shape))))
    net = pn.nn.Sequential(pn.nn.Linear(20, 32), pn.nn.ReLU(), pn.nn.Linear(32, 16), pn.nn.Tanh(),
                           pn.nn.Linear(16, 5)).double()
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    return tnet, net


@pytest.mark.heavy(reason="training runs against PyTorch; layers and optimizers against "
                          "PyTorch on jax: test_nn_reference.py, test_optim_reference.py")
@pytest.mark.parametrize("loss_kw", [{}, {"label_smoothing": 0.1, "ignore_index": 2}])
def test_sgd_steps_match_pytorch(backend, loss_kw):
    rng = np.random.default_rng(7)
    tnet, net = _pair(rng)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    opt = pn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        x, y = rng.standard_normal((16, 20)), rng.integers(0, 5, 16)
        topt.zero_grad()
        tloss = torch.nn.functional.cross_entropy(tnet(torch.from_numpy(x)), torch.from_numpy(y), **loss_kw)
        tloss.backward()
        opt.zero_grad()
        loss = F.cross_entropy(net(pn.tensor(x, dtype="float64")), pn.tensor(y), **loss_kw)
        loss.backward()
        assert abs(loss.item() - tloss.item()) <= 1e-12 * abs(tloss.item())
        tparams = dict(tnet.named_parameters())
        for k, p in net.named_parameters():
            ref = tparams[k].grad.numpy()
            rel = np.abs(pn.to_numpy(p.grad) - ref).max() / np.abs(ref).max()
            assert rel < 1e-9, f"step {step} {k}: gradient relative error {rel:.1e}"
        topt.step()
        opt.step()
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(pn.to_numpy(net.state_dict()[k]), v.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.heavy(reason="a training run against PyTorch")
def test_float32_mlp_close_to_pytorch(backend):
    rng = np.random.default_rng(8)
    tnet, _ = _pair(rng)
    tnet = tnet.float()
    net = pn.nn.Sequential(pn.nn.Linear(20, 32), pn.nn.ReLU(), pn.nn.Linear(32, 16), pn.nn.Tanh(),
                           pn.nn.Linear(16, 5))
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    x, y = rng.standard_normal((16, 20)).astype(np.float32), rng.integers(0, 5, 16)
    tloss = torch.nn.functional.cross_entropy(tnet(torch.from_numpy(x)), torch.from_numpy(y))
    tloss.backward()
    loss = F.cross_entropy(net(pn.tensor(x)), pn.tensor(y))
    loss.backward()
    assert loss.dtype == backend.xp.float32
    assert abs(loss.item() - tloss.item()) < 1e-5
    tparams = dict(tnet.named_parameters())
    for k, p in net.named_parameters():
        assert p.grad.dtype == backend.xp.float32
        np.testing.assert_allclose(pn.to_numpy(p.grad), tparams[k].grad.numpy(), rtol=1e-4, atol=1e-6)
