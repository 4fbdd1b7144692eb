"""The pytest plugin as a user sees it: a user's own test file run through pytester."""
import re

import numpy as np
import pytest

import portanet as pn

pytest_plugins = ["pytester"]

USER_TESTS = """
import pytest
import portanet as pn

def test_double(backend):
    x = pn.tensor([1.0, 2.0])
    assert x.backend is backend
    pn.testing.assert_close(x * 2, [2.0, 4.0])

def test_namespace(xp, backend):
    assert xp is backend.xp
    assert xp.asarray([1.0, 2.0]).shape == (2,)

def test_seeded(backend):
    a = pn.to_numpy(pn.rand(3))
    pn.manual_seed(0)
    assert (pn.to_numpy(pn.rand(3)) == a).all()

@pytest.mark.skip_backends("array_api_strict", reason="no strict today")
def test_skipped_on_strict(backend):
    assert backend.name != "array_api_strict"

@pytest.mark.xfail_backends("numpy", reason="known numpy bug")
def test_fails_on_numpy(backend):
    assert backend.name != "numpy"

def test_plain():
    assert True
"""


def _outcomes(result):
    """``{test id: "PASSED" | "SKIPPED" | "XFAIL" | ...}`` from a ``-v`` run's output."""
    found = (re.match(r"\S+::(\S+) ([A-Z]+)\b.*\[\s*\d+%\]$", ln) for ln in result.outlines)
    return {m[1]: m[2] for m in found if m}


def test_user_file_runs_once_per_backend(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", "-v",
                                "--portanet-backends=numpy,array_api_strict")
    out = _outcomes(result)
    assert out == {
        "test_double[numpy]": "PASSED", "test_double[array_api_strict]": "PASSED",
        "test_namespace[numpy]": "PASSED", "test_namespace[array_api_strict]": "PASSED",
        "test_seeded[numpy]": "PASSED", "test_seeded[array_api_strict]": "PASSED",
        "test_skipped_on_strict[numpy]": "PASSED", "test_skipped_on_strict[array_api_strict]": "SKIPPED",
        "test_fails_on_numpy[numpy]": "XFAIL", "test_fails_on_numpy[array_api_strict]": "PASSED",
        "test_plain": "PASSED"}
    result.assert_outcomes(passed=9, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["portanet backends: numpy, array_api_strict", "*no strict today*"])


def test_default_is_every_available_backend(pytester):
    pytester.makepyfile(test_user="def test_one(backend):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    ids = [ln.split("::")[-1] for ln in result.outlines if "::" in ln]
    assert ids == [f"test_one[{n}]" for n in pn.available_backends()]


def test_xfail_is_strict(pytester):
    pytester.makepyfile(test_user="""
import pytest
@pytest.mark.xfail_backends("numpy")
def test_passes_anyway(backend):
    pass
""")
    result = pytester.runpytest("-p", "no:cacheprovider", "--portanet-backends=numpy")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*"])


def test_unavailable_backend_is_a_usage_error(pytester):
    pytester.makepyfile(test_user="def test_one(backend):\n    pass\n")
    unavailable = [n for n in pn.backend.KNOWN_BACKENDS if n not in pn.available_backends()]
    if not unavailable:
        pytest.skip("every backend is available here")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--portanet-backends=numpy,{unavailable[0]}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--portanet-backends: not available here: {unavailable[0]}*"])


def test_unknown_backend_names_are_usage_errors(pytester):
    pytester.makepyfile(test_user="def test_one(backend):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--portanet-backends=numpy,jaxx")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown backend jaxx*known: numpy, cupy, torch, array_api_strict, jax*"])


def test_marker_with_misspelt_backend_is_a_usage_error(pytester):
    pytester.makepyfile(test_user="""
import pytest
@pytest.mark.skip_backends("nmupy")
def test_one(backend):
    pass
""")
    result = pytester.runpytest("-p", "no:cacheprovider", "--portanet-backends=numpy")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_one*@pytest.mark.skip_backends('nmupy'): unknown backend 'nmupy'*"])


def test_markers_are_declared(pytester):
    pytester.makepyfile(test_user="def test_one():\n    pass\n")
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.skip_backends*", "@pytest.mark.xfail_backends*"])
    strict = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    strict.assert_outcomes(passed=1)


def test_own_backend_fixture_is_not_parametrized(pytester):
    # a project with its own `backend` fixture keeps it, unparametrized
    pytester.makepyfile(test_user="""
import pytest
@pytest.fixture
def backend():
    return "mine"
def test_one(backend):
    assert backend == "mine"
""")
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_one PASSED*"])


def test_fixture_restores_backend_and_stream(backend):
    # inside: the fixture's backend is current and seeded with 0
    assert pn.get_backend() is backend
    assert pn.random.get_rng_state() == {"seed": 0, "offset": 0}


# ----------------------------------------------------------------- assert_close
def test_assert_close_passes_on_equal(backend):
    x = pn.tensor([1.0, 2.0])
    pn.testing.assert_close(x + 1e-7, [1.0, 2.0])
    pn.testing.assert_close(x, pn.tensor([1.0, 2.0]))


def test_assert_close_checks_values_shape_dtype(backend):
    x = pn.tensor([1.0, 2.0])
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        pn.testing.assert_close(x, [1.0, 2.1])
    with pytest.raises(AssertionError, match=r"shape mismatch: \(2,\) vs \(1, 2\)"):
        pn.testing.assert_close(x, [[1.0, 2.0]])
    with pytest.raises(AssertionError, match="dtype mismatch: float32 vs float64"):
        pn.testing.assert_close(x, pn.tensor([1.0, 2.0], dtype="float64"))
    pn.testing.assert_close(x, pn.tensor([1.0, 2.0], dtype="float64"), check_dtype=False)


def test_assert_close_checks_backend():
    with pn.use_backend("numpy"):
        a = pn.tensor([1.0])
    with pn.use_backend("array_api_strict"):
        b = pn.tensor([1.0])
    with pytest.raises(AssertionError, match=r"backend mismatch: Backend\('numpy'\) vs Backend\('array_api_strict'\)"):
        pn.testing.assert_close(a, b)
    pn.testing.assert_close(a, b, check_backend=False)


def test_assert_close_tolerance_follows_dtype():
    x64 = pn.tensor([1.0], dtype="float64")
    with pytest.raises(AssertionError):
        pn.testing.assert_close(x64, np.array([1.0 + 1e-7]))   # float64: tight
    pn.testing.assert_close(pn.tensor([1.0]), np.array([1.0 + 1e-7]))  # float32: 1e-5 rel


DEVICE_TESTS = """
import portanet as pn

def test_device(backend):
    x = pn.ones(2)
    assert x.backend is backend
    if backend.name == "array_api_strict":
        assert "device1" in str(backend.device) and "device1" in str(x.array.device)

@pytest.mark.skip_backends("array_api_strict")
def test_marks_match_the_name_part(backend):
    assert backend.name == "numpy"
"""


def test_a_backend_may_name_its_device(pytester):
    pytester.makepyfile(test_user="import pytest\n" + DEVICE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v",
                                "--portanet-backends=numpy,array_api_strict:device1")
    out = _outcomes(result)
    assert out["test_device[array_api_strict:device1]"] == "PASSED"
    assert out["test_marks_match_the_name_part[array_api_strict:device1]"] == "SKIPPED"
    result.assert_outcomes(passed=3, skipped=1)


def test_portanet_device_gives_the_default_backend_its_device(pytester, monkeypatch):
    monkeypatch.setenv("PORTANET_BACKEND", "array_api_strict")
    monkeypatch.setenv("PORTANET_DEVICE", "device1")
    pytester.makepyfile(test_user="import pytest\n" + DEVICE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--portanet-backends=array_api_strict")
    assert _outcomes(result)["test_device[array_api_strict:device1]"] == "PASSED"


def test_an_unknown_device_is_a_usage_error(pytester):
    pytester.makepyfile(test_user="import pytest\n" + DEVICE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--portanet-backends=array_api_strict:device9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--portanet-backends: array_api_strict:device9:*"])


def test_heavy_tests_are_skipped_where_every_op_compiles(pytester):
    if "jax" not in pn.available_backends():
        pytest.skip("needs jax, the backend that compiles every new operation")
    pytester.makepyfile(test_user="""
import pytest

@pytest.mark.heavy(reason="a long table")
def test_long(backend):
    pass

def test_short(backend):
    pass
""")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", "-v", "--portanet-backends=numpy,jax")
    assert _outcomes(result) == {"test_long[numpy]": "PASSED", "test_long[jax]": "SKIPPED",
                                 "test_short[numpy]": "PASSED", "test_short[jax]": "PASSED"}
    result.stdout.fnmatch_lines(["*heavy on jax (a long table): its library compiles every new "
                                 "operation on first use; run with --portanet-heavy*"])
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "--portanet-backends=numpy,jax",
                                "--portanet-heavy")
    assert set(_outcomes(result).values()) == {"PASSED"} and len(_outcomes(result)) == 4
