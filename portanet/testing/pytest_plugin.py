"""pytest plugin (entry point ``pytest11``): backend fixtures for any project's tests.

Fixtures:
    backend: each available backend in turn, made current for the test.
    xp: that backend's Array API namespace.

Option:
    ``--portanet-backends=numpy,torch`` restricts the backends (default: all available).

Markers:
    ``@pytest.mark.skip_backends("array_api_strict", reason=...)`` and
    ``@pytest.mark.xfail_backends("torch", reason=...)``.

Example:
    def test_double(backend):
        x = pn.tensor([1.0, 2.0])
        pn.testing.assert_close(x * 2, [2.0, 4.0])
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("portanet")
    group.addoption("--portanet-backends", action="store", default=None,
                    help="comma-separated backends to test (default: every available one)")


def pytest_configure(config):
    config.addinivalue_line("markers", "skip_backends(*names, reason): skip on these backends")
    config.addinivalue_line("markers", "xfail_backends(*names, reason): expect failure on these backends")


def _selected(config) -> list[str]:
    from portanet.backend import available_backends
    avail = available_backends()
    opt = config.getoption("--portanet-backends")
    if not opt:
        return avail
    wanted = [n.strip() for n in opt.split(",") if n.strip()]
    missing = [n for n in wanted if n not in avail]
    if missing:
        raise pytest.UsageError(f"--portanet-backends: not available here: {', '.join(missing)} "
                                f"(available: {', '.join(avail)})")
    return wanted


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames or "xp" in metafunc.fixturenames:
        names = _selected(metafunc.config)
        metafunc.parametrize("_portanet_backend_name", names, ids=names, scope="function")


@pytest.fixture
def backend(request, _portanet_backend_name):
    """The current backend for this test (a :class:`portanet.Backend`)."""
    import portanet as pn
    name = _portanet_backend_name
    for mark in request.node.iter_markers("skip_backends"):
        if name in mark.args:
            pytest.skip(mark.kwargs.get("reason", f"skipped on {name}"))
    for mark in request.node.iter_markers("xfail_backends"):
        if name in mark.args:
            request.node.add_marker(pytest.mark.xfail(reason=mark.kwargs.get("reason", ""), strict=True))
    with pn.use_backend(name) as bk:
        pn.manual_seed(0)
        yield bk


@pytest.fixture
def xp(backend):
    """The Array API namespace of the current test's backend."""
    return backend.xp
