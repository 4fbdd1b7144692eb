"""Convolution/pooling/normalization primitives: float64 gradcheck on tiny shapes, shapes and
errors of the layers (each error names the layer and the shapes)."""
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.testing import gradcheck


def t64(a, grad=True):
    return pn.tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=grad)


def distinct(*shape, seed=0):
    """Values 0.1 apart in random order: max pooling has no ties within eps."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0


rng = np.random.default_rng(7)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=(1, 0)),
                                dict(groups=2, padding="same")])
def test_gradcheck_conv2d(backend, kw):
    g = kw.get("groups", 1)
    x, w, b = t64(rng.uniform(-1, 1, (2, 2, 4, 4))), t64(rng.uniform(-1, 1, (2, 2 // g, 2, 2))), \
        t64(rng.uniform(-1, 1, 2))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


def test_gradcheck_conv1d_and_transpose(backend):
    x, w = t64(rng.uniform(-1, 1, (1, 2, 5))), t64(rng.uniform(-1, 1, (2, 2, 3)))
    assert gradcheck(lambda x, w: F.conv1d(x, w, stride=2, padding=1), [x, w])
    x, w, b = t64(rng.uniform(-1, 1, (1, 2, 3, 2))), t64(rng.uniform(-1, 1, (2, 1, 2, 3))), \
        t64(rng.uniform(-1, 1, 2))
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                         output_padding=1, groups=2), [x, w, b])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2)])
def test_gradcheck_max_pool(backend, kw):
    x = t64(distinct(1, 2, 4, 4))
    assert gradcheck(lambda x: F.max_pool2d(x, **kw), [x])


def test_max_pool_gradient_goes_to_first_maximum(backend):
    x = pn.tensor([[[[1.0, 1.0], [0.0, 1.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert pn.to_numpy(x.grad).tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)])
def test_gradcheck_avg_pool(backend, kw):
    x = t64(rng.uniform(-1, 1, (1, 2, 4, 5)))
    assert gradcheck(lambda x: F.avg_pool2d(x, **kw), [x])
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [x])


def test_gradcheck_normalization(backend):
    x = t64(rng.uniform(-1, 1, (3, 2, 2)))
    w, b = t64(rng.uniform(0.5, 1.5, 2)), t64(rng.uniform(-1, 1, 2))
    rm, rv = t64(rng.uniform(-1, 1, 2), False), t64(rng.uniform(0.5, 2, 2), False)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])
    lw, lb = t64(rng.uniform(0.5, 1.5, (2, 2))), t64(rng.uniform(-1, 1, (2, 2)))
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 2), w, b), [x, lw, lb])
    x4 = t64(rng.uniform(-1, 1, (2, 4, 1, 2)))
    gw, gb = t64(rng.uniform(0.5, 1.5, 4)), t64(rng.uniform(-1, 1, 4))
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x4, gw, gb])


def test_gradcheck_embedding_and_dropout(backend):
    w = t64(rng.uniform(-1, 1, (5, 2)))
    idx = pn.tensor([[0, 3, 3], [4, 0, 1]])
    assert gradcheck(lambda w: F.embedding(idx, w), [w])  # padding_idx: see the torch fixture
    x = t64(rng.uniform(-1, 1, (3, 4)))
    pn.manual_seed(3)
    state = pn.random.get_rng_state()

    def drop(x):  # the same mask at every evaluation
        pn.random.set_rng_state(state)
        return F.dropout(x, 0.4)
    assert gradcheck(drop, [x])


def test_conv_module_shapes_and_repr(backend):
    m = pn.nn.Conv2d(4, 6, (3, 2), stride=2, padding="valid", groups=2, bias=False)
    assert m.weight.shape == (6, 2, 3, 2) and m.bias is None
    assert m(pn.zeros(2, 4, 9, 8)).shape == (2, 6, 4, 4)
    assert "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding='valid', groups=2, bias=False)" \
        == repr(m)
    assert pn.nn.Conv2d(1, 3, 5, padding="same", dilation=2)(pn.zeros(1, 1, 7, 6)).shape == (1, 3, 7, 6)
    t = pn.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert t.weight.shape == (4, 3, 3, 3)
    assert t(pn.zeros(1, 4, 5, 5)).shape == (1, 6, 10, 10)


def _raises(exc, fn, *fragments):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"


def test_conv_errors_name_layer_and_shapes(backend):
    conv = pn.nn.Conv2d(3, 8, 5)
    _raises(ValueError, lambda: conv(pn.zeros(3, 8, 8)), "Conv2d(3, 8, kernel_size=(5, 5)",
            "4-D input", "(3, 8, 8)", "batch axis")
    _raises(ValueError, lambda: conv(pn.zeros(2, 1, 8, 8)), "Conv2d(3, 8", "3 channels",
            "(2, 1, 8, 8)", "(8, 3, 5, 5)")
    _raises(ValueError, lambda: conv(pn.zeros(2, 3, 4, 9)), "Conv2d(3, 8", "kernel size (5, 5)",
            "larger than the padded input", "(2, 3, 4, 9)")
    _raises(ValueError, lambda: pn.nn.Conv1d(2, 2, 4)(pn.zeros(1, 2, 3)), "Conv1d(2, 2",
            "kernel size (4,)", "(1, 2, 3)")
    _raises(ValueError, lambda: pn.nn.Conv2d(2, 2, 3, stride=2, padding="same"), "padding='same'")
    _raises(ValueError, lambda: pn.nn.Conv2d(3, 4, 3, groups=2), "divisible by groups")
    _raises(TypeError, lambda: conv(pn.zeros(1, 3, 8, 8, dtype="float64")), "Conv2d(3, 8", "float32")
    _raises(ValueError, lambda: pn.nn.ConvTranspose2d(2, 2, 3)(pn.zeros(1, 3, 4, 4)),
            "ConvTranspose2d(2, 2", "2 channels", "(1, 3, 4, 4)")


def test_pool_and_norm_errors_name_layer_and_shapes(backend):
    _raises(ValueError, lambda: pn.nn.MaxPool2d(2)(pn.zeros(4, 4)), "MaxPool2d(kernel_size=2",
            "4-D input", "(4, 4)")
    _raises(ValueError, lambda: pn.nn.MaxPool2d(5)(pn.zeros(1, 1, 4, 6)), "MaxPool2d(", "larger",
            "(1, 1, 4, 6)")
    _raises(ValueError, lambda: pn.nn.AvgPool2d(2, padding=2)(pn.zeros(1, 1, 4, 4)), "AvgPool2d(",
            "at most half of kernel size")
    _raises(ValueError, lambda: pn.nn.BatchNorm2d(4)(pn.zeros(2, 3, 2, 2)), "BatchNorm2d(4",
            "4 channels", "(2, 3, 2, 2)")
    _raises(ValueError, lambda: pn.nn.BatchNorm2d(3)(pn.zeros(2, 3)), "BatchNorm2d(3", "4-D", "(2, 3)")
    _raises(ValueError, lambda: pn.nn.BatchNorm1d(3)(pn.zeros(1, 3)), "more than 1 value per channel")
    _raises(ValueError, lambda: pn.nn.LayerNorm(5)(pn.zeros(2, 4)), "LayerNorm((5,)", "(2, 4)")
    _raises(ValueError, lambda: pn.nn.GroupNorm(2, 4)(pn.zeros(2, 3, 5)), "GroupNorm(2, 4", "(2, 3, 5)")
