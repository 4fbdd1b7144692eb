"""The CPU-side parts of ci/gpu_check.sh / ci/gpu_check.py: without a GPU they say so and
exit 0, and the training steps they time and probe build and run (on NumPy and PyTorch
CPU), so the one lent GPU run is not spent on a broken script."""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "ci" / "gpu_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU machine: the script would run for real")
def test_the_shell_script_says_no_gpu_and_exits_cleanly(tmp_path):
    r = subprocess.run(["bash", str(ROOT / "ci" / "gpu_check.sh"), str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "no GPU" in r.stdout
    assert not (tmp_path / "out").exists()   # nothing half-written


def test_the_python_driver_says_no_gpu_for_every_part():
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed: the driver may find a GPU")
    for part in ("syncs", "bench"):
        r = subprocess.run([sys.executable, str(ROOT / "ci" / "gpu_check.py"), part], capture_output=True,
                           text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert r.returncode == 0 and "no GPU" in r.stdout, r.stderr


@pytest.mark.parametrize("kind, opt, sched", [("mlp", "Adam", None), ("cnn-bn-dropout", "Adam", None),
                                              ("lstm", "Adam", None), ("mlp", "SGD", "OneCycleLR")])
def test_every_model_kind_trains_on_the_cpu(kind, opt, sched):
    g = _load()
    step, sync = g.make_step("portanet/numpy", kind, opt, sched)
    first = float(step().item())
    for _ in range(4):
        last = float(step().item())
    sync()
    assert 0.5 < first < 5 and last < first   # a cross-entropy over 10 classes that learns


def test_every_case_name_resolves():
    """The optimizer and scheduler tables name real portanet classes with valid arguments."""
    import portanet as pn
    g = _load()
    params = [pn.nn.Parameter(pn.zeros(3))]
    for name in g.OPTIMIZERS:
        g._optimizer(pn.optim, name, params)
    for sched, kwargs in g.SCHEDULERS.items():   # as syncs() runs them: over SGD
        getattr(pn.optim.lr_scheduler, sched)(g._optimizer(pn.optim, "SGD", params), **kwargs)
