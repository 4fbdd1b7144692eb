"""The nnlayers breadth beyond PyTorch's numbers (those are in test_nnlayers_reference.py):
float64 gradchecks of the new primitives, float32 kept float32, argument errors and their
messages, modules' parameters/state_dict keys, containers, random layers (same numbers on
every backend for a seed, eval the identity)."""
import math

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

R = np.random.default_rng(7)


def _t(*shape, lo=-2.0, hi=2.0, dtype="float64", grad=True):
    return pn.tensor(R.uniform(lo, hi, size=shape), dtype=dtype, requires_grad=grad)


# the new primitives (Piecewise rules, the p-norm node) and the composed layers, away from kinks
GRADCHECKS = {
    "hardtanh": lambda x: F.hardtanh(x * 1.3, -1.5, 2.0),
    "hardsigmoid": lambda x: F.hardsigmoid(x * 2.0),
    "hardswish": lambda x: F.hardswish(x * 2.0),
    "hardshrink": lambda x: F.hardshrink(x, 0.3),
    "softshrink": lambda x: F.softshrink(x, 0.3),
    "threshold": lambda x: F.threshold(x, 0.2, -1.0),
    "celu_glu_mish": lambda x: F.celu(x, 0.7) + F.mish(x) + F.glu(pn.cat([x, x * 2], 1), 1)[:, :x.shape[1]],
    "pnorm": lambda x: sum(F.pairwise_distance(x, x * 0.5 + 0.3, p=p) for p in (1.0, 2.0, 3.0, math.inf)),
    "normalize_cos": lambda x: F.normalize(x, p=3.0) * F.cosine_similarity(x, x * x, dim=1)[:, None],
    "rms_lrn_inorm": lambda x: (F.rms_norm(x, (5,)) + F.local_response_norm(x[None], 3, 0.5)[0]
                                + F.instance_norm(x[None])[0]),
    "ctc": lambda x: F.ctc_loss(x.reshape(5, 1, 3).log_softmax(2), pn.tensor([[1, 1]]), [5], [2]),
    "losses": lambda x: (F.multilabel_margin_loss(x, pn.tensor([[1, 3, -1, 0, 0]] * 3))
                         + F.triplet_margin_loss(x, x * 0.5, x * x, swap=True)
                         + F.gaussian_nll_loss(x, x * 0.3, x * x + 0.5)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck_float64(backend, name):
    assert pn.testing.gradcheck(GRADCHECKS[name], [_t(3, 5)])


def test_embedding_bag_scatter_path_equals_matrix_path(backend, monkeypatch):
    import portanet.ops.layers_extra as L
    w = _t(6, 3)
    idx, offs = pn.tensor([0, 2, 5, 2, 1, 3]), pn.tensor([0, 2, 2])
    psw = _t(6)
    want = [pn.to_numpy(F.embedding_bag(idx, w, offs, mode=m)) for m in ("sum", "mean")]
    monkeypatch.setattr(L, "_ONE_HOT_MAX", 0)
    for m, ref in zip(("sum", "mean"), want):
        np.testing.assert_allclose(pn.to_numpy(F.embedding_bag(idx, w, offs, mode=m)), ref,
                                   rtol=1e-12, err_msg=m)
    assert pn.testing.gradcheck(lambda w, s: F.embedding_bag(idx, w, offs, mode="sum",
                                                             per_sample_weights=s), [w, psw])


def test_gradcheck_embedding_bag_and_bilinear(backend):
    w = _t(6, 3)
    psw = _t(5)
    idx, offs = pn.tensor([0, 2, 5, 2, 1]), pn.tensor([0, 2])
    assert pn.testing.gradcheck(lambda w, s: F.embedding_bag(idx, w, offs, mode="sum",
                                                             per_sample_weights=s), [w, psw])
    assert pn.testing.gradcheck(lambda w: F.embedding_bag(idx, w, offs, mode="max"), [w])
    assert pn.testing.gradcheck(F.bilinear, [_t(2, 3), _t(2, 4), _t(5, 3, 4), _t(5)])


FLOAT32 = {
    "hardtanh": F.hardtanh, "relu6": F.relu6, "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish, "hardshrink": F.hardshrink, "softshrink": F.softshrink,
    "threshold": lambda x: F.threshold(x, 0.1, 2.0), "selu": F.selu, "celu": F.celu,
    "glu": F.glu, "mish": F.mish, "softsign": F.softsign, "tanhshrink": F.tanhshrink,
    "softmin": lambda x: F.softmin(x, 1), "prelu": lambda x: F.prelu(x, pn.tensor([0.2])),
    "rrelu_train": lambda x: F.rrelu(x, training=True), "logsigmoid": F.logsigmoid,
    "cosine_similarity": lambda x: F.cosine_similarity(x, x + 1),
    "pairwise_distance": lambda x: F.pairwise_distance(x, x * 2, p=3),
    "normalize": F.normalize, "rms_norm": lambda x: F.rms_norm(x, (4,)),
    "instance_norm": lambda x: F.instance_norm(x[None]),
    "local_response_norm": lambda x: F.local_response_norm(x[None], 2),
    "margin_ranking": lambda x: F.margin_ranking_loss(x, x * 2, pn.ones(3, 4)),
    "poisson_full": lambda x: F.poisson_nll_loss(x, x * x, full=True),
    "gaussian_nll": lambda x: F.gaussian_nll_loss(x, x * 2, x * x, full=True),
    "cosine_embedding": lambda x: F.cosine_embedding_loss(x, x + 1, pn.ones(3)),
    "alpha_dropout": lambda x: F.alpha_dropout(x, 0.3, training=True),
    "embedding_bag_mean": lambda x: F.embedding_bag(pn.tensor([[0, 1], [2, 2]]), x),
    "bilinear": lambda x: F.bilinear(x, x, pn.ones(2, 4, 4)),
}


def test_float32_stays_float32(backend):
    x = pn.tensor(R.uniform(-2, 2, size=(3, 4)), dtype="float32")
    bad = [k for k, fn in FLOAT32.items() if fn(x).dtype != pn.float32]
    assert not bad, f"promoted float32 to another dtype: {bad}"


ERRORS = [
    (lambda: F.hardtanh(pn.ones(2), 2.0, 1.0), ValueError, "hardtanh: min_val cannot be greater than max_val"),
    (lambda: pn.nn.Hardtanh(1.0, 1.0), ValueError, "Hardtanh: max_val must be greater than min_val"),
    (lambda: F.celu(pn.ones(2), 0.0), ValueError, "celu: alpha must be non-zero"),
    (lambda: pn.nn.CELU(0), ValueError, "CELU: alpha must be non-zero"),
    (lambda: F.softshrink(pn.ones(2), -1.0), ValueError, r"softshrink: lambd must be in \[0, inf\), got -1.0"),
    (lambda: F.glu(pn.ones(2, 3)), ValueError, "glu: Halving dimension must be even, but dimension 1 is size 3"),
    (lambda: F.glu(pn.ones(2, 4), dim=2), IndexError, "glu: Dimension out of range"),
    (lambda: F.prelu(pn.ones(2, 4), pn.ones(3)), ValueError,
     "prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 "
     "and channel size = 4"),
    (lambda: F.rrelu(pn.ones(2), 0.5, 0.1), ValueError, "rrelu: lower bound should be less than or equal"),
    (lambda: F.relu6(pn.ones(2), inplace=1), TypeError, "relu6: inplace must be a bool, got int 1"),
    (lambda: pn.nn.PReLU(0), ValueError, "PReLU: num_parameters must be a positive integer, got 0"),
    (lambda: pn.nn.Threshold("a", 1.0), TypeError, "Threshold: threshold must be a real number"),
    (lambda: F.softmin(pn.ones(2, 3), 2), IndexError, "softmin: Dimension out of range"),
    (lambda: pn.nn.Softmax2d()(pn.ones(2, 3)), ValueError, "Softmax2d: expected a 3-D or 4-D input"),
    (lambda: F.cosine_similarity(pn.ones(2, 3), pn.ones(2, 4)), ValueError,
     r"cosine_similarity: the shapes of x1 \(2, 3\) and x2 \(2, 4\) do not broadcast"),
    (lambda: F.pairwise_distance(pn.ones(2), pn.ones(2), p="2"), TypeError, "pairwise_distance: p must be a real number"),
    (lambda: F.normalize(pn.ones(2), dim=1), IndexError, "normalize: Dimension out of range"),
    (lambda: F.margin_ranking_loss(pn.ones(3), pn.ones(2), pn.ones(3)), ValueError,
     r"margin_ranking_loss: all input tensors should have the same shape, got input1: \(3,\), input2: \(2,\)"),
    (lambda: F.soft_margin_loss(pn.ones(3), pn.ones(2)), ValueError, "soft_margin_loss: input shape"),
    (lambda: F.hinge_embedding_loss(pn.ones(3), pn.ones(3), reduction="avg"), ValueError,
     "hinge_embedding_loss: reduction must be one of 'none', 'mean', 'sum', got 'avg'"),
    (lambda: F.multilabel_margin_loss(pn.ones(2, 3), pn.ones(2, 3)), TypeError,
     "multilabel_margin_loss: target must be an integer tensor"),
    (lambda: F.multilabel_margin_loss(pn.ones(2, 3), pn.tensor([[0, 1]] * 2)), ValueError,
     r"multilabel_margin_loss: expected input \(C,\) or \(N, C\) and a target of the same shape"),
    (lambda: F.cosine_embedding_loss(pn.ones(2, 3), pn.ones(2, 3), pn.ones(3)), ValueError,
     r"cosine_embedding_loss: expected target of shape \(2,\)"),
    (lambda: F.triplet_margin_loss(pn.ones(2, 3), pn.ones(3), pn.ones(2, 3)), ValueError,
     "triplet_margin_loss: anchor, positive and negative must all be 1-D"),
    (lambda: F.triplet_margin_loss(pn.ones(3), pn.ones(3), pn.ones(3), margin=0), ValueError,
     r"triplet_margin_loss: margin must be in \(0, inf\)"),
    (lambda: F.triplet_margin_with_distance_loss(pn.ones(3), pn.ones(3), pn.ones(3), distance_function=3),
     TypeError, "triplet_margin_with_distance_loss: distance_function must be callable"),
    (lambda: F.gaussian_nll_loss(pn.ones(2, 3), pn.ones(2, 3), pn.ones(3, 2)), ValueError,
     "gaussian_nll_loss: var is of incorrect size"),
    (lambda: F.gaussian_nll_loss(pn.ones(2), pn.ones(2), -pn.ones(2)), ValueError,
     "gaussian_nll_loss: var has negative entry"),
    (lambda: F.bilinear(pn.ones(2, 3), pn.ones(2, 4), pn.ones(5, 4, 4)), ValueError,
     r"bilinear: input1 \(\*, 4\) and input2 \(\*, 4\) expected for weight \(5, 4, 4\), got \(2, 3\)"),
    (lambda: pn.nn.Bilinear(3, 0, 2), ValueError, "Bilinear: in2_features must be a positive integer, got 0"),
    (lambda: F.embedding_bag(pn.tensor([0, 1]), pn.ones(3, 2), pn.tensor([0]), mode="avg"), ValueError,
     "embedding_bag: mode must be one of 'sum', 'mean', 'max', got 'avg'"),
    (lambda: F.embedding_bag(pn.tensor([0, 1]), pn.ones(3, 2)), ValueError,
     "embedding_bag: offsets has to be a 1-D tensor when input is 1-D"),
    (lambda: F.embedding_bag(pn.tensor([[0, 1]]), pn.ones(3, 2), pn.tensor([0])), ValueError,
     "embedding_bag: if input is 2-D, then offsets has to be None"),
    (lambda: F.embedding_bag(pn.tensor([0, 1]), pn.ones(3, 2), pn.tensor([0]),
                             per_sample_weights=pn.ones(2)), NotImplementedError,
     "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum'"),
    (lambda: F.embedding_bag(pn.tensor([0, 1]), pn.ones(3, 2), pn.tensor([1])), ValueError,
     "embedding_bag: offsets\\[0\\] has to be 0"),
    (lambda: F.embedding_bag(pn.tensor([0, 3]), pn.ones(3, 2), pn.tensor([0])), IndexError,
     "embedding_bag: index 3 is out of range for 3 embeddings"),
    (lambda: pn.nn.EmbeddingBag(3, 2, scale_grad_by_freq=True), NotImplementedError,
     "EmbeddingBag: scale_grad_by_freq is not supported"),
    (lambda: pn.nn.Embedding(3, 2, sparse=True), NotImplementedError, "Embedding: sparse=True is not supported"),
    (lambda: F.embedding(pn.tensor([0]), pn.ones(3, 2), scale_grad_by_freq=True), NotImplementedError,
     "embedding: scale_grad_by_freq=True is not supported"),
    (lambda: F.embedding(pn.tensor([0]), pn.ones(3, 2), max_norm=-1.0), ValueError,
     r"embedding: max_norm must be in \[0, inf\), got -1.0"),
    (lambda: F.embedding_bag(pn.tensor([0]), pn.ones(3, 2), pn.tensor([0]), sparse=True),
     NotImplementedError, "embedding_bag: sparse=True is not supported"),
    (lambda: F.rms_norm(pn.ones(2, 3), (4,)), ValueError,
     r"rms_norm: normalized_shape \(4,\) does not match the trailing dimensions of input of shape \(2, 3\)"),
    (lambda: pn.nn.RMSNorm(0), ValueError, "RMSNorm: normalized_shape must hold positive sizes"),
    (lambda: F.instance_norm(pn.ones(2, 3)), ValueError, "instance_norm: expected input \\(N, C, \\*\\)"),
    (lambda: F.instance_norm(pn.ones(2, 3, 1)), ValueError, "instance_norm: expected more than 1 spatial element"),
    (lambda: pn.nn.InstanceNorm1d(4, affine=True)(pn.ones(2, 3, 5)), ValueError,
     r"InstanceNorm1d\(4.*\): expected input's size at dim=1 to match num_features \(4\), but got: 3"),
    (lambda: pn.nn.InstanceNorm2d(3)(pn.ones(3, 5)), ValueError, r"InstanceNorm2d\(3.*\): expected 3D or 4D input"),
    (lambda: F.local_response_norm(pn.ones(2, 3), 2), ValueError,
     "local_response_norm: Expected 3D or higher dimensionality input"),
    (lambda: pn.nn.LocalResponseNorm(0), ValueError, "LocalResponseNorm: size must be a positive integer"),
    (lambda: pn.nn.BatchNorm3d(3)(pn.ones(2, 3, 4)), ValueError, r"BatchNorm3d\(3.*\) expected a 5-D input"),
    (lambda: F.dropout1d(pn.ones(2, 3, 4, 5)), ValueError, "dropout1d: Expected 2D or 3D input"),
    (lambda: F.dropout3d(pn.ones(2, 3), 0.2), ValueError, "dropout3d: Expected 4D or 5D input"),
    (lambda: F.alpha_dropout(pn.ones(2), 1.5), ValueError, "alpha_dropout: dropout probability has to be between 0 and 1"),
    (lambda: F.ctc_loss(pn.zeros(4, 2, 3), pn.tensor([[1], [2]]), [4, 4], [1]), ValueError,
     r"ctc_loss: target_lengths must be a tuple of 2 ints or an integer tensor, got \[1\]"),
    (lambda: F.ctc_loss(pn.zeros(4, 2, 3), pn.tensor([[1], [2]]), [4, 4], [1, 1], blank=3), ValueError,
     r"ctc_loss: blank must be in label range \[0, 3\), got 3"),
    (lambda: F.ctc_loss(pn.zeros(4, 2, 3), pn.tensor([[1], [2]]), [5, 4], [1, 1]), ValueError,
     "ctc_loss: input_lengths must be at most the input's length 4"),
    (lambda: F.ctc_loss(pn.zeros(4, 2, 3), pn.tensor([1, 2, 1]), [4, 4], [1, 1]), ValueError,
     "ctc_loss: 1-D targets hold 3 labels but target_lengths sum to 2"),
    (lambda: F.ctc_loss(pn.zeros(4, 3), pn.tensor([1.0]), [4], [1]), TypeError,
     "ctc_loss: targets must be an integer pn.Tensor, got float32"),
    (lambda: pn.nn.ParameterList(3), TypeError, "ParameterList.extend should be called with an iterable"),
    (lambda: pn.nn.ParameterList([pn.ones(1)])[1], IndexError, "ParameterList index 1 is out of range"),
    (lambda: pn.nn.ParameterDict({1: pn.ones(1)}), TypeError, "ParameterDict keys must be strings, got int 1"),
    (lambda: pn.nn.ParameterDict([("a",)]), ValueError, "ParameterDict update sequence element #0"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_error_messages(i):
    fn, exc, msg = ERRORS[i]
    with pn.checks.strict(), pytest.raises(exc, match=msg):
        fn()


def test_prelu_module_parameter_and_state_dict(backend):
    m = pn.nn.PReLU(3, init=0.1)
    assert list(m.state_dict()) == ["weight"] and m.weight.shape == (3,)
    pn.testing.assert_close(m.weight.detach(), [0.1, 0.1, 0.1], check_dtype=False)
    m(pn.ones(2, 3, 4) * -1.0).sum().backward()
    pn.testing.assert_close(m.weight.grad, [-8.0, -8.0, -8.0], check_dtype=False)
    assert pn.prelu(pn.tensor([-2.0]), pn.tensor([0.5])).tolist() == [-1.0]


def test_inplace_changes_the_input_as_pytorch(backend):
    x = pn.tensor([-1.0, 7.0])
    y = F.relu6(x, inplace=True)
    assert y is x and x.tolist() == [0.0, 6.0]
    assert F.relu6(pn.tensor([7.0])).tolist() == [6.0]
    x = pn.tensor([-1.0, 0.5, 2.0])
    assert F.hardtanh_(x) is x and x.tolist() == [-1.0, 0.5, 1.0]
    for fn, ref in ((F.selu_, F.selu), (F.celu_, F.celu), (F.elu_, F.elu),
                    (F.leaky_relu_, F.leaky_relu), (F.relu_, F.relu), (F.rrelu_, F.rrelu),
                    (lambda t: F.threshold_(t, 0.0, 5.0), lambda t: F.threshold(t, 0.0, 5.0))):
        t = pn.tensor([-1.0, 2.0])
        want = ref(t).tolist()
        assert fn(t) is t and t.tolist() == want and want[0] != -1.0
    leaf = pn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        F.hardtanh(leaf, inplace=True)
    # on a graph tensor the history is rebased: d/dw of hardswish_(3w) = 3 hardswish'(3w)
    w = pn.tensor([0.5, -0.2], dtype="float64", requires_grad=True)
    h = w * 3.0
    m = pn.nn.Hardswish(inplace=True)
    assert m(h) is h
    h.sum().backward()
    pn.testing.assert_close(w.grad, [3 * (1.5 / 3 + 0.5), 3 * (-0.6 / 3 + 0.5)], check_dtype=False)


def test_parameter_containers(backend):
    pl = pn.nn.ParameterList([pn.zeros(2), pn.nn.Parameter(pn.ones(3))])
    pl.append(pn.ones(1))
    pl += [pn.zeros(4)]
    assert len(pl) == 4 and all(isinstance(p, pn.nn.Parameter) for p in pl)
    net = pn.nn.Module()
    net.pl = pl
    net.pd = pn.nn.ParameterDict({"b": pn.zeros(2), "a": pn.ones(1)})
    net.pd["c"] = pn.ones(2)
    assert list(net.state_dict()) == ["pl.0", "pl.1", "pl.2", "pl.3", "pd.b", "pd.a", "pd.c"]
    assert len(list(net.parameters())) == 7
    sd = {k: v * 0 + 5 for k, v in net.state_dict().items()}
    net.load_state_dict(sd)
    assert pl[1].tolist() == [5.0] * 3 and net.pd["a"].tolist() == [5.0]
    popped = net.pd.pop("b")
    assert popped.shape == (2,) and list(net.pd.keys()) == ["a", "c"] and "b" not in net.pd
    (pl[0].sum() + net.pd["c"].sum()).backward()
    assert pl[0].grad.tolist() == [1.0, 1.0]
    assert len(pl[1:3]) == 2


def test_bilinear_and_embedding_bag_init():
    pn.manual_seed(0)
    b = pn.nn.Bilinear(16, 3, 4)
    w, bias = pn.to_numpy(b.weight), pn.to_numpy(b.bias)
    assert w.shape == (4, 16, 3) and bias.shape == (4,)
    assert np.abs(w).max() <= 0.25 and np.abs(w).max() > 0.2   # U(-1/sqrt(16), 1/sqrt(16))
    assert list(pn.nn.Bilinear(2, 2, 2, bias=False).state_dict()) == ["weight"]
    e = pn.nn.EmbeddingBag(5, 3, padding_idx=1)
    assert pn.to_numpy(e.weight)[1].tolist() == [0.0, 0.0, 0.0]
    out = e(pn.tensor([1, 1, 2]), pn.tensor([0, 2]))   # the first bag holds only padding
    assert pn.to_numpy(out)[0].tolist() == [0.0, 0.0, 0.0]
    f = pn.nn.EmbeddingBag.from_pretrained(pn.eye(3), mode="sum")
    assert not f.weight.requires_grad
    assert f(pn.tensor([[0, 2]])).tolist() == [[1.0, 0.0, 1.0]]


def test_instance_norm_defaults_and_running_stats(backend):
    m = pn.nn.InstanceNorm1d(3)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []
    t = pn.nn.InstanceNorm1d(3, track_running_stats=True, momentum=0.5)
    x = R.uniform(-2, 2, (2, 3, 4))
    t(pn.tensor(x, dtype="float32"))
    pn.testing.assert_close(t.running_mean, 0.5 * x.mean(axis=(0, 2)), rtol=1e-5, atol=1e-6,
                            check_dtype=False)
    pn.testing.assert_close(t.running_var, 0.5 + 0.5 * x.var(axis=2, ddof=1).mean(0), rtol=1e-5,
                            check_dtype=False)
    y = t.eval()(pn.tensor(x, dtype="float32"))   # eval: the running statistics normalize
    rm, rv = pn.to_numpy(t.running_mean), pn.to_numpy(t.running_var)
    np.testing.assert_allclose(pn.to_numpy(y), (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5),
                               rtol=1e-4, atol=1e-5)


def test_rms_norm_default_eps_is_machine_epsilon(backend):
    x = pn.tensor([[1e-4, 0.0]], dtype="float32")
    want = 1e-4 / math.sqrt(0.5e-8 + float(np.finfo(np.float32).eps))
    assert abs(F.rms_norm(x, (2,)).tolist()[0][0] - want) < 1e-4 * want


def _draw(name, fn):
    with pn.use_backend(name):
        pn.manual_seed(5)
        x = pn.tensor(np.linspace(-2, 2, 48).reshape(2, 4, 6), requires_grad=True)
        y = fn(x)
        (y * 1.0).sum().backward()
        return pn.to_numpy(y), pn.to_numpy(x.grad)


RANDOM = {
    "rrelu": lambda x: F.rrelu(x, 0.1, 0.3, training=True),
    "alpha_dropout": lambda x: F.alpha_dropout(x, 0.4, training=True),
    "feature_alpha_dropout": lambda x: F.feature_alpha_dropout(x, 0.4, training=True),
    "dropout1d": lambda x: F.dropout1d(x, 0.5),
    "dropout3d": lambda x: F.dropout3d(x[..., None, None], 0.5),
}


def test_random_layers_same_on_every_backend():
    # jax left out here (XLA compiles each new op: seconds for this test); the draws
    # themselves are the random module's, compared on jax by tests/test_dropout.py
    names = [n for n in pn.available_backends() if n != "jax"]
    for name, fn in RANDOM.items():
        y0, g0 = _draw(names[0], fn)
        for other in names[1:]:
            y, g = _draw(other, fn)
            np.testing.assert_allclose(y, y0, rtol=1e-6, err_msg=f"{name} on {other}")
            np.testing.assert_allclose(g, g0, rtol=1e-6, err_msg=f"{name} on {other}")


def test_random_layers_semantics(backend):
    x = pn.tensor(np.linspace(-2, 2, 48).reshape(2, 4, 6))
    y = pn.to_numpy(F.rrelu(x, 0.1, 0.3, training=True))
    xn = pn.to_numpy(x)
    neg = xn < 0
    slope = y[neg] / xn[neg]
    assert np.all(slope >= 0.1) and np.all(slope < 0.3) and np.unique(slope).size > 5
    assert np.array_equal(y[~neg], xn[~neg])
    for m in (pn.nn.RReLU(), pn.nn.AlphaDropout(0.3), pn.nn.FeatureAlphaDropout(0.3),
              pn.nn.Dropout1d(0.3), pn.nn.Dropout3d(0.3)):
        inp = x[..., None, None] if isinstance(m, pn.nn.Dropout3d) else x
        out = m.eval()(inp)
        if isinstance(m, pn.nn.RReLU):
            np.testing.assert_allclose(pn.to_numpy(out), np.where(xn > 0, xn, xn * (1 / 8 + 1 / 3) / 2))
        else:
            assert out is inp
    # dropout1d zeroes whole channels; unbatched (C, L) too
    d = pn.to_numpy(F.dropout1d(pn.ones(4, 8, 5), 0.5)).reshape(32, 5)
    assert np.all((d == 0).all(-1) | (d == 2.0).all(-1))
    d = pn.to_numpy(F.dropout1d(pn.ones(8, 5), 0.5))
    assert np.all((d == 0).all(-1) | (d == 2.0).all(-1))


def test_alpha_dropout_keeps_mean_and_variance(backend):
    pn.manual_seed(1)
    x = pn.randn(20000)
    y = pn.to_numpy(F.alpha_dropout(x, 0.3, training=True))
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)
    dropped = np.isclose(y, -1.7580993408473766 * a + 1.7580993408473766 * a * 0.3)
    assert abs(dropped.mean() - 0.3) < 0.02
    assert F.alpha_dropout(x, 1.0, training=True).tolist()[:3] == [0.0, 0.0, 0.0]


def test_every_new_module_builds_prints_and_round_trips():
    ctor = {"PReLU": (3,), "GLU": (), "Threshold": (0.1, 0.0), "Bilinear": (2, 3, 4),
            "EmbeddingBag": (5, 2), "RMSNorm": (4,), "InstanceNorm1d": (3,),
            "InstanceNorm2d": (3,), "InstanceNorm3d": (3,), "LocalResponseNorm": (2,),
            "BatchNorm3d": (3,)}
    names = (pn.nn.activation_extra.__all__ + pn.nn.loss_extra.__all__ + pn.nn.layers_extra.__all__
             + pn.nn.normalization_extra.__all__ + pn.nn.dropout_extra.__all__
             + pn.nn.container_extra.__all__)
    for name in names:
        m = getattr(pn.nn, name)(*ctor.get(name, ()))
        assert repr(m).startswith(name), name
        sd = m.state_dict()
        getattr(pn.nn, name)(*ctor.get(name, ())).load_state_dict(sd)
    assert "weight" in pn.nn.InstanceNorm1d(3, affine=True).state_dict()
    assert list(pn.nn.InstanceNorm2d(3, track_running_stats=True).state_dict()) == [
        "running_mean", "running_var", "num_batches_tracked"]
