"""pn.set_printoptions on every backend: precision, threshold/edgeitems, linewidth,
sci_mode, profiles, and the errors for bad options."""
import pytest

import portanet as pn


@pytest.fixture(autouse=True)
def _restore():
    yield
    pn.set_printoptions(profile="default")


def test_options_shape_the_repr(backend):
    pn.set_printoptions(precision=2)
    assert repr(pn.tensor([1.23456, 2.0])).startswith("tensor([1.23, 2.  ]")
    pn.set_printoptions(threshold=5, edgeitems=1)
    assert repr(pn.arange(10)).startswith("tensor([0, ..., 9]")
    pn.set_printoptions(sci_mode=True)
    assert "1.50e+00" in repr(pn.tensor([1.5]))
    assert pn.get_printoptions() == {"precision": 2, "threshold": 5, "edgeitems": 1, "sci_mode": True}
    pn.set_printoptions(profile="full")
    assert "..." not in repr(pn.arange(2000))
    pn.set_printoptions(profile="default", sci_mode=False, linewidth=20)
    text = repr(pn.tensor([1e-5, 1.0, 2.0, 3.0, 4.0]))
    assert "e-" not in text and len(text.splitlines()) > 1
    pn.set_printoptions(profile="default")
    assert pn.get_printoptions() == {}


@pytest.mark.parametrize("kwargs,exc,msg", [
    ({"precision": -1}, ValueError, "set_printoptions: precision must be a non-negative integer, got -1"),
    ({"linewidth": 0}, ValueError, "set_printoptions: linewidth must be a positive integer, got 0"),
    ({"profile": "long"}, ValueError, "set_printoptions: profile must be one of 'default', 'short', 'full', got 'long'"),
    ({"sci_mode": 1}, TypeError, "set_printoptions: sci_mode must be True, False or None, got 1"),
    ({"threshold": 2.5}, TypeError, "set_printoptions: threshold must be a non-negative integer, got float 2.5"),
])
def test_errors(backend, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        pn.set_printoptions(**kwargs)
