"""pytest plugin (entry point ``pytest11``): backend fixtures for any project's tests.

Installing portanet registers this plugin with pytest, so a user's own test suite gets
the same backend parametrization portanet's suite uses.

Fixtures:
    backend: each selected backend in turn, made current for the test, with
        ``pn.manual_seed(0)`` applied; the test id names the backend (``test_x[torch]``).
    xp: that backend's Array API namespace (``numpy``, ``array_api_compat.torch``, ...).

Option:
    ``--portanet-backends=numpy,cupy`` chooses the backends (default: every backend
    available on the machine: numpy, array_api_strict, torch and jax when installed,
    cupy when a CUDA GPU answers).  Naming one that is not available is a usage error,
    so a GPU CI job that asks for cupy fails loudly instead of silently testing less.
    ``--portanet-heavy`` runs ``heavy`` tests on every backend (see below).

Markers (declared here once):
    ``@pytest.mark.skip_backends("array_api_strict", reason=...)``: skip on these.
    ``@pytest.mark.xfail_backends("torch", reason=..., strict=True)``: expect failure.
    Unknown backend names in a marker are a usage error (a typo would skip nothing).
    ``@pytest.mark.heavy(reason=...)``: a long test (many shapes, long training runs).  It
    is skipped on backends whose library compiles every new operation on first use
    (JAX: XLA compiles each op and shape, 50-100 ms each on a 2-core CPU, so a heavy test
    takes minutes there), unless ``--portanet-heavy`` is given.

Example:
    import portanet as pn
    import os

import pytest

    def test_double(backend):
        x = pn.tensor([1.0, 2.0])
        pn.testing.assert_close(x * 2, [2.0, 4.0])

    @pytest.mark.skip_backends("array_api_strict", reason="needs in-place writes")
    def test_inplace(xp):
        a = xp.zeros(3)
        a[0] = 1.0
"""
from __future__ import annotations

import os

import pytest

_PARAM = "_portanet_backend_name"
_SELECTED = pytest.StashKey[list]()
_MARKERS = ("skip_backends", "xfail_backends")
_HEAVY = "heavy"


def pytest_addoption(parser):
    group = parser.getgroup("portanet")
    group.addoption("--portanet-backends", action="store", default=None,
                    help="comma-separated portanet backends to test, each optionally with a "
                         "device: numpy,cupy,torch:cuda,array_api_strict:device1 "
                         "(default: every available one; PORTANET_DEVICE gives the device of "
                         "the backend PORTANET_BACKEND names)")
    group.addoption("--portanet-heavy", action="store_true", default=False,
                    help="run tests marked heavy also on backends that compile every new "
                         "operation (jax), where they are skipped by default")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "skip_backends(*names, reason=None): skip this test on the named portanet backends")
    config.addinivalue_line(
        "markers", "xfail_backends(*names, reason=None, strict=True): expect this test to fail "
                   "on the named portanet backends")
    config.addinivalue_line(
        "markers", "heavy(reason=None): a long test, skipped on backends that compile every new "
                   "operation on first use (jax) unless --portanet-heavy is given")


def pytest_sessionstart(session):
    # Check an explicit --portanet-backends early, so a bad name is a clean usage error;
    # without the option nothing is imported until a test asks for a backend.
    if session.config.getoption("--portanet-backends"):
        _selected(session.config)


def pytest_terminal_summary(terminalreporter, config):
    if _SELECTED in config.stash:
        terminalreporter.write_line(f"portanet backends: {', '.join(config.stash[_SELECTED])}")


def _split(spec: str) -> tuple[str, str | None]:
    """``"torch:cuda"`` -> ``("torch", "cuda")``; ``"numpy"`` -> ``("numpy", None)``."""
    name, _, device = spec.partition(":")
    return name, (device or None)


def _default_device(name: str) -> str | None:
    """PORTANET_DEVICE applies to the backend PORTANET_BACKEND names (the process default)."""
    if os.environ.get("PORTANET_DEVICE") and os.environ.get("PORTANET_BACKEND", "numpy") == name:
        return os.environ["PORTANET_DEVICE"]
    return None


def _selected(config) -> list[str]:
    """The backends to run, as ``name`` or ``name:device`` specs: the option's list
    (checked, each device opened once) or every available backend."""
    if _SELECTED in config.stash:
        return config.stash[_SELECTED]
    from portanet.backend import KNOWN_BACKENDS, available_backends
    avail = available_backends()
    opt = config.getoption("--portanet-backends")
    if not opt:
        specs = list(avail)
    else:
        specs = [n.strip().lower().replace("-", "_") for n in opt.split(",") if n.strip()]
    specs = [s if ":" in s or not _default_device(s) else f"{s}:{_default_device(s)}" for s in specs]
    names = [_split(s)[0] for s in specs]
    unknown = [n for n in names if n not in KNOWN_BACKENDS]
    if unknown:
        raise pytest.UsageError(f"--portanet-backends: unknown backend {', '.join(unknown)}; "
                                f"known: {', '.join(KNOWN_BACKENDS)}")
    missing = [n for n in names if n not in avail]
    if missing:
        raise pytest.UsageError(f"--portanet-backends: not available here: {', '.join(missing)} "
                                f"(available: {', '.join(avail)})")
    for spec in specs:
        name, device = _split(spec)
        if device is not None:
            import portanet as pn
            try:
                with pn.use_backend(name, device):
                    pass
            except Exception as e:  # an unknown device: a usage error, not 1000 test errors
                raise pytest.UsageError(f"--portanet-backends: {spec}: {e}") from e
    config.stash[_SELECTED] = specs
    return specs


def pytest_generate_tests(metafunc):
    # Only tests whose closure reaches *our* backend fixture: a project that defines its
    # own ``backend`` fixture (not depending on this one) is left alone.
    if _PARAM in metafunc.fixturenames:
        names = _selected(metafunc.config)
        metafunc.parametrize(_PARAM, names, ids=names, scope="function")


def pytest_collection_modifyitems(config, items):
    """Turn ``skip_backends``/``xfail_backends`` into skip/xfail marks per backend item."""
    for item in items:
        for mark_name in _MARKERS:
            for mark in item.iter_markers(mark_name):
                # imported only here: projects that never use the markers don't pay for it
                from portanet.backend import KNOWN_BACKENDS
                bad = [n for n in mark.args if n not in KNOWN_BACKENDS]
                if bad or not mark.args:
                    raise pytest.UsageError(
                        f"{item.nodeid}: @pytest.mark.{mark_name}({', '.join(map(repr, mark.args))}): "
                        f"{'unknown backend ' + ', '.join(map(repr, bad)) if bad else 'no backend named'}; "
                        f"known: {', '.join(KNOWN_BACKENDS)}")
        callspec = getattr(item, "callspec", None)
        spec = callspec.params.get(_PARAM) if callspec is not None else None
        if spec is None:
            continue
        name = _split(spec)[0]
        for mark in item.iter_markers("skip_backends"):
            if name in mark.args:
                item.add_marker(pytest.mark.skip(reason=mark.kwargs.get("reason") or f"skipped on {name}"))
        for mark in item.iter_markers("xfail_backends"):
            if name in mark.args:
                item.add_marker(pytest.mark.xfail(reason=mark.kwargs.get("reason") or f"expected to fail on {name}",
                                                  strict=mark.kwargs.get("strict", True)))
        heavy = item.get_closest_marker(_HEAVY)
        if heavy is not None and not config.getoption("--portanet-heavy") and _compiles_ops(name):
            why = heavy.kwargs.get("reason") or "a long test"
            item.add_marker(pytest.mark.skip(
                reason=f"heavy on {name} ({why}): its library compiles every new operation "
                       "on first use; run with --portanet-heavy"))


def _compiles_ops(name: str) -> bool:
    from portanet.backend import resolve_backend
    return resolve_backend(name).adapter.compiles_ops


@pytest.fixture
def backend(_portanet_backend_name):
    """The current backend for this test (a :class:`portanet.Backend`), seeded with 0."""
    import portanet as pn
    with pn.use_backend(*_split(_portanet_backend_name)) as bk:
        state = pn.random.get_rng_state()
        pn.manual_seed(0)
        try:
            yield bk
        finally:
            pn.random.set_rng_state(state)


@pytest.fixture
def xp(backend):
    """The Array API namespace of the current test's backend."""
    return backend.xp
