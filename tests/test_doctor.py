"""``python -m portanet doctor``: the report, the exit status, the mismatch path."""
import importlib.metadata
import io
import re
import resource
import subprocess
import sys

import portanet as pn
from portanet import doctor


def _run(*args):
    """The finished process and the CPU seconds it used: "answered in seconds" is a claim
    about the work done, which CPU time measures whatever else the machine is running
    (wall time here doubled under a load of 5)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "portanet", *args], capture_output=True,
                          text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def test_doctor_lists_backends_and_trains_alike():
    proc, seconds = _run("doctor")
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    # a library that compiles every new operation on first use (JAX: XLA, 50-100 ms per op
    # on a 2-core machine) pays that in its own training check, which the bound leaves out
    compiling = [n for n in pn.available_backends()
                 if pn.backend.resolve_backend(n).adapter.compiles_ops]
    compile_s = sum(float(ms) / 1000 for n in compiling
                    for ms in re.findall(rf"^  {n} .*\((\d+) ms\)$", out, re.M))
    assert seconds - compile_s < 10
    assert f"portanet {pn.__version__}" in out
    assert re.search(rf"^  numpy +{re.escape(importlib.metadata.version('numpy'))} +device cpu$", out, re.M)
    for name in pn.backend.KNOWN_BACKENDS:
        assert re.search(rf"^  {name} ", out, re.M), name      # every known backend is listed
    for name in pn.available_backends():
        if name != "numpy":
            assert re.search(rf"^  {name} +OK +max \|loss diff\| \d\.\d\de[-+]\d\d", out, re.M), out
    for name in set(pn.backend.KNOWN_BACKENDS) - set(pn.available_backends()):
        assert re.search(rf"^  {name} .* unavailable: backend '{name}'", out, re.M), out
    assert re.search(r"^  numpy +reference +loss \d\.\d{6} -> \d\.\d{6}", out, re.M)
    assert "all backends agree" in out


def test_doctor_options():
    proc, _ = _run("doctor", "--backends", "numpy,array_api_strict", "--steps", "3", "--dtype", "float64")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 steps of SGD, float64" in proc.stdout
    assert "torch" not in proc.stdout
    assert re.search(r"^  array_api_strict +OK +max \|loss diff\| 0\.00e\+00", proc.stdout, re.M)


def test_usage_and_unknown_command():
    proc, _ = _run("--help")
    assert proc.returncode == 0 and "doctor" in proc.stdout
    proc, _ = _run("frobnicate")
    assert proc.returncode == 2
    assert "unknown command 'frobnicate'" in proc.stderr
    proc, _ = _run()
    assert proc.returncode == 2 and "usage: python -m portanet COMMAND" in proc.stdout


def test_console_script_entry_point_is_main():
    from portanet.__main__ import main
    assert main(["--help"]) == 0


def _perturbed(amount):
    def build():
        model, opt, step = doctor._build_mlp()
        if pn.get_backend().name != "array_api_strict":
            return model, opt, step

        def bad_step():
            loss = step()
            return loss * (1 + amount)
        return model, opt, bad_step
    return build


def test_mismatch_prints_and_exits_nonzero():
    out = io.StringIO()
    status = doctor.run_doctor(["numpy", "array_api_strict"], steps=4, out=out, build=_perturbed(1e-2))
    text = out.getvalue()
    assert status == 1
    assert re.search(r"^  array_api_strict +MISMATCH +max \|loss diff\| \d\.\d\de-02; backend "
                     r"'array_api_strict' diverges from 'numpy' at step 1 in output", text, re.M), text
    assert "1 backend(s) MISMATCH" in text


def test_error_on_a_backend_is_a_mismatch():
    def build():
        model, opt, step = doctor._build_mlp()
        if pn.get_backend().name == "array_api_strict":
            def step():
                raise RuntimeError("kernel exploded")
        return model, opt, step
    out = io.StringIO()
    assert doctor.run_doctor(["numpy", "array_api_strict"], steps=2, out=out, build=build) == 1
    assert "MISMATCH   raised RuntimeError: kernel exploded" in out.getvalue()


def test_describe_backends_reports_why_unusable():
    rows = {r[0]: r for r in doctor.describe_backends(["numpy", "cupy"])}
    assert rows["numpy"][3] is True
    if "cupy" not in pn.available_backends():
        assert rows["cupy"][3] is False
        assert rows["cupy"][2].startswith("unavailable: backend 'cupy'")
