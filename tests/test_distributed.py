"""Data parallelism over MPI: the scripts in tests/mpi/ run under ``mpiexec -n 2`` as child
processes, once per backend (numpy and torch; PORTANET_BACKEND selects it in the child).

Marked ``mpi`` (select with ``-m mpi``, leave out with ``-m "not mpi"``); skipped with
the reason when mpi4py or mpiexec is missing (CI installs both: the ``mpi`` extra).
What each script checks is in its docstring; this file checks exit codes, output,
timing and the results written to disk.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import time

import numpy as np
import pytest

import portanet as pn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "mpi")
BACKENDS = [b for b in ("numpy", "torch") if b in pn.available_backends()]


def _mpiexec() -> str | None:
    """The mpiexec of this Python's environment (the mpich wheel puts it beside the
    interpreter's scripts, also where that folder is not on PATH), else PATH's."""
    for scheme in (None, f"{os.name}_user"):
        try:
            folder = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        exe = os.path.join(folder, "mpiexec")
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which("mpiexec")


def _have_mpi() -> str | None:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install 'portanet[mpi]')"
    if _mpiexec() is None:
        return "mpiexec was not found (pip install mpich)"
    return None


pytestmark = [pytest.mark.mpi, pytest.mark.skipif(_have_mpi() is not None, reason=str(_have_mpi()))]


def run(script: str, *args: str, n: int | None = 2, backend: str = "numpy", timeout: float = 120):
    """Run tests/mpi/<script> under ``mpiexec -n n`` (``n=None``: a plain process)."""
    cmd = [sys.executable, os.path.join(SCRIPTS, script), *args]
    if n is not None:
        cmd = [_mpiexec(), "-n", str(n)] + cmd
    env = {**os.environ, "PYTHONPATH": ROOT, "PORTANET_BACKEND": backend,
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("PORTANET_DEVICE", None)
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - start


def _ok(proc) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.parametrize("name", BACKENDS)
def test_two_ranks_on_half_batches_equal_one_rank_on_the_full_batch(name):
    """DDP (overlap on/off, 1 and 4 buckets) with SGD and Adam, no_sync, DistributedOptimizer,
    local SGD k=1, broadcasts and collectives, model mismatch, unused parameters, dropout."""
    out = _ok(run("check_ddp.py", backend=name)[0])
    assert out.strip().endswith("ALL OK"), out
    assert out.count("\nok ") + out.startswith("ok ") == 10, out


@pytest.mark.parametrize("name", BACKENDS)
def test_fit_under_mpi_equals_one_process_and_resumes_with_another_rank_count(name, tmp_path):
    dirs = {k: tmp_path / k for k in ("two", "one", "two_to_one", "one_to_two", "bad")}
    for d in dirs.values():
        d.mkdir()
    _ok(run("check_fit.py", "train", str(dirs["two"]), backend=name)[0])
    _ok(run("check_fit.py", "train", str(dirs["one"]), n=None, backend=name)[0])
    _ok(run("check_fit.py", "resume", str(dirs["two_to_one"]), str(dirs["two"] / "ep1.safetensors"),
            n=None, backend=name)[0])
    _ok(run("check_fit.py", "resume", str(dirs["one_to_two"]), str(dirs["one"] / "ep1.safetensors"),
            backend=name)[0])
    ref = np.load(dirs["two"] / "result.npz")
    for run_name in ("one", "two_to_one", "one_to_two"):
        other = np.load(dirs[run_name] / "result.npz")
        assert set(other.files) == set(ref.files)
        for k in ref.files:
            np.testing.assert_allclose(other[k], ref[k], rtol=1e-10, atol=1e-12, err_msg=f"{run_name} {k}")
    out = _ok(run("check_fit.py", "mismatch", str(dirs["bad"]), str(dirs["two"] / "ep1.safetensors"), "8",
                  n=None, backend=name)[0])
    assert ("refused: DataLoader.load_state_dict: the data would be divided differently: the state was "
            "saved by 2 rank(s) x batch 8 (global batch 16, epoch of 64 samples), this run has 1 rank(s) "
            "x batch 8 (global batch 8, epoch of 64 samples)") in out, out


@pytest.mark.parametrize("name", BACKENDS)
def test_a_nan_loss_on_one_rank_stops_every_rank_at_the_same_epoch(name, tmp_path):
    """TerminateOnNaN under MPI: decided at the epoch end on the reduced loss (never at
    rank 0's own progress-bar reads), so no rank is left waiting in a collective; rank 1
    names its own bad step, rank 0 the step its weights turned NaN (the gradient average)."""
    proc, seconds = run("check_fit.py", "nan", str(tmp_path), backend=name, timeout=90)
    out = _ok(proc)
    assert "stopped: [(2, 3, [1]), (2, 2, [1])]" in out, out


def test_a_rank_that_raises_makes_the_job_exit_within_seconds():
    proc, seconds = run("check_failure.py", "raise", timeout=60)
    assert proc.returncode != 0 and seconds < 30, (proc.returncode, seconds)
    assert "rank 1 of 2: uncaught ValueError: rank 1 failed on purpose; aborting every rank" in proc.stderr
    assert "the failure went unnoticed" not in proc.stdout


def test_a_rank_that_exits_is_caught_by_the_collective_timeout():
    proc, seconds = run("check_failure.py", "exit", timeout=60)
    assert proc.returncode != 0 and seconds < 30, (proc.returncode, seconds)
    assert ("rank 0 of 2: DistributedDataParallel: the gradient allreduce of bucket 0 did not complete "
            "within 3 s") in proc.stderr, proc.stderr
