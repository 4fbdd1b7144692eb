"""``PORTANET_BACKEND=torch PORTANET_DEVICE=cpu``: the CUDA route, spelled out on the CPU.

Nothing may assume torch's default device: arrays are made on the named device, host
reads go through ``.cpu()``, checks and the sync counter treat CPU reads as free.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
import numpy as np, portanet as pn, torch
F = pn.nn.functional
bk = pn.get_backend()
assert (bk.name, str(bk.device), bk.reads_are_free) == ("torch", "cpu", True), bk
rng = np.random.default_rng(0)
x, y = rng.standard_normal((32, 4)).astype(np.float32), rng.integers(0, 3, 32)
model = pn.nn.Sequential(pn.nn.Linear(4, 8), pn.nn.ReLU(), pn.nn.Linear(8, 3))
assert all(p.array.device == torch.device("cpu") for p in model.parameters())
opt = pn.optim.Adam(model.parameters(), lr=0.01)
h = pn.train.fit(model, F.cross_entropy, opt, (x, y), 2, batch_size=8, progress=False, log_every=2)
assert h["loss"][1] < h["loss"][0], h["loss"]
with pn.testing.count_host_syncs() as syncs:
    loss = F.cross_entropy(model(pn.tensor(x)), pn.tensor(y)); loss.backward(); opt.step()
assert not syncs.reads, syncs.summary()
out = pn.to_numpy(model(pn.tensor(x)))
assert isinstance(out, np.ndarray) and out.shape == (32, 3)
try:
    F.cross_entropy(pn.zeros(2, 3), pn.tensor([0, 3]))
    raise SystemExit("no error")
except IndexError as e:
    assert "target class index out of range [0, 3)" in str(e)
print("ok")
"""


def test_torch_with_the_cpu_device_named():
    pytest.importorskip("torch")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PORTANET_")}
    env = {**clean, "PORTANET_BACKEND": "torch", "PORTANET_DEVICE": "cpu", "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
