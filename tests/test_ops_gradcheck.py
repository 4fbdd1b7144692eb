"""float64 gradcheck (backprop vs central finite differences) for every primitive and loss.

Table-driven: each case is ``(id, fn, input specs)``.  A spec is a NumPy array (an input
that requires grad), or ``const(array)`` (an input held fixed, e.g. integer targets).
Values are kept away from kinks (relu/abs at 0, clip bounds, hinge corners).
"""
import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F

R = np.random.default_rng(1234)


def rnd(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape)


def away(*shape, lo=0.3, hi=2.0):
    """Values with |v| in [lo, hi] and random sign: no kink at 0."""
    return rnd(*shape, lo=lo, hi=hi) * R.choice([-1.0, 1.0], size=shape)


def pos(*shape):
    return rnd(*shape, lo=0.5, hi=2.0)


class const:
    """An input that takes no gradient (targets, index arrays, masks)."""

    def __init__(self, value, dtype=None):
        self.value, self.dtype = value, dtype


def probs(*shape, axis=-1):
    e = np.exp(rnd(*shape))
    return e / e.sum(axis=axis, keepdims=True)


LABELS = np.array([0, 2, 1, 3, 2])
PT = probs(5, 4)  # probability targets
W4 = np.array([0.5, 2.0, 1.0, 1.5])
TIES = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]])  # two-way tie in row 0
# fixed weights, drawn once so that every call of a case sees the same ones
K = [
    rnd(3, 2), rnd(6), rnd(2, 6), rnd(4, 2, 3), rnd(4, 3, 2), rnd(3, 2), rnd(2, 3, 4),
    rnd(4, 2), rnd(3, 2), rnd(3, 2), rnd(2, 2, 3), rnd(4), rnd(5, 3), rnd(2, 5), rnd(2, 5),
    rnd(2, 2, 3), rnd(2, 3, 2), rnd(2, lo=0.5, hi=2), rnd(3, 1, lo=0.5, hi=2),
]
T = lambda a: pn.tensor(a, dtype="float64")  # noqa: E731  (a float64 constant)

CASES = [
    # ------------------------------------------------------------- arithmetic
    ("add_bcast", lambda a, b: a + b, [rnd(3, 1), rnd(1, 4)]),
    ("sub_bcast", lambda a, b: a - b, [rnd(2, 3), rnd(3)]),
    ("mul_bcast", lambda a, b: a * b, [rnd(2, 3), rnd(3)]),
    ("mul_0d", lambda a, b: a * b, [rnd(2, 3), rnd()]),
    ("div_bcast", lambda a, b: a / b, [rnd(3, 1), away(1, 4)]),
    ("pow_tensor", lambda a, b: a ** b, [pos(2, 3), rnd(2, 3)]),
    ("pow_tensor_bcast", lambda a, b: a ** b, [pos(3, 1), rnd(4)]),
    ("pow_tensor_const_exp", lambda a, b: a ** b, [pos(2, 3), const(rnd(2, 3))]),
    ("add_scalar", lambda a: a + 2.5, [rnd(2, 3)]),
    ("radd_scalar", lambda a: 2.5 + a, [rnd(2, 3)]),
    ("sub_scalar", lambda a: a - 1.5, [rnd(2, 3)]),
    ("rsub_scalar", lambda a: 1.5 - a, [rnd(2, 3)]),
    ("mul_scalar", lambda a: a * 3.0, [rnd(2, 3)]),
    ("rmul_scalar", lambda a: -0.5 * a, [rnd(2, 3)]),
    ("div_scalar", lambda a: a / 4.0, [rnd(2, 3)]),
    ("rdiv_scalar", lambda a: 2.0 / a, [away(2, 3)]),
    ("pow_scalar_2", lambda a: a ** 2, [rnd(2, 3)]),
    ("pow_scalar_3", lambda a: a ** 3, [rnd(2, 3)]),
    ("pow_scalar_half", lambda a: a ** 0.5, [pos(2, 3)]),
    ("pow_scalar_neg", lambda a: a ** -1.5, [pos(2, 3)]),
    ("rpow_scalar", lambda a: 2.0 ** a, [rnd(2, 3)]),
    ("neg", lambda a: -a, [rnd(2, 3)]),
    ("square", lambda a: pn.square(a), [rnd(2, 3)]),
    ("exp", pn.exp, [rnd(2, 3)]),
    ("log", pn.log, [pos(2, 3)]),
    ("sqrt", pn.sqrt, [pos(2, 3)]),
    ("abs", pn.abs, [away(2, 3)]),
    ("clip_both", lambda a: pn.clip(a, -0.5, 0.5),
     [np.array([[-1.0, -0.2, 0.3], [0.9, 0.1, -0.7]])]),
    ("clip_min", lambda a: pn.clip(a, min=0.0), [away(2, 3)]),
    ("clip_max", lambda a: pn.clip(a, max=0.0), [away(2, 3)]),
    ("maximum_bcast", pn.maximum, [rnd(3, 1), rnd(1, 4)]),
    ("minimum_bcast", pn.minimum, [rnd(2, 3), rnd(3)]),
    # at a tie central differences see half the slope, the split PyTorch uses
    ("maximum_ties", pn.maximum, [np.array([1.0, 2.0, -1.0]), np.array([1.0, 0.0, -1.0])]),
    ("minimum_ties", pn.minimum, [np.array([1.0, 2.0, -1.0]), np.array([1.0, 0.0, -1.0])]),
    ("where_bcast", lambda a, b: pn.where(T(np.array([True, False, True])) > 0, a, b),
     [rnd(2, 3), rnd(3)]),
    ("where_tensor_cond", lambda a, b, c: pn.where(c > 0, a, b), [rnd(2, 3), rnd(2, 3), const(away(2, 3))]),
    # ----------------------------------------------------------- activations
    ("sigmoid", pn.sigmoid, [rnd(2, 3, lo=-4, hi=4)]),
    ("tanh", pn.tanh, [rnd(2, 3)]),
    ("relu", pn.relu, [away(2, 3)]),
    ("leaky_relu", lambda a: pn.leaky_relu(a, 0.2), [away(2, 3)]),
    ("elu", lambda a: pn.elu(a, 1.3), [away(2, 3)]),
    ("gelu_exact", pn.gelu, [rnd(2, 4, lo=-3.5, hi=3.5)]),
    ("gelu_exact_tails", pn.gelu, [np.array([-4.0, -2.6, 2.4, 3.1, 5.0, -0.01])]),
    ("gelu_tanh", lambda a: pn.gelu(a, approximate="tanh"), [rnd(2, 4, lo=-3, hi=3)]),
    ("silu", pn.silu, [rnd(2, 3, lo=-4, hi=4)]),
    ("softplus", pn.softplus, [rnd(2, 3, lo=-5, hi=5)]),
    # beta * x above threshold is the linear branch
    ("softplus_threshold", lambda a: pn.softplus(a, beta=2.0, threshold=1.0),
     [np.array([-1.0, 0.2, 0.45, 0.6, 1.5, 3.0])]),
    ("log_sigmoid", F.log_sigmoid, [np.array([-30.0, -3.0, -0.4, 0.5, 2.0, 25.0])]),
    # ------------------------------------------------------------ reductions
    ("sum_all", pn.sum, [rnd(2, 3)]),
    ("sum_axis0", lambda a: pn.sum(a, axis=0), [rnd(2, 3)]),
    ("sum_axis_neg_keep", lambda a: pn.sum(a, axis=-1, keepdims=True), [rnd(2, 3)]),
    ("sum_axes_tuple", lambda a: pn.sum(a, axis=(0, 2)), [rnd(2, 3, 2)]),
    ("sum_dim_keepdim", lambda a: a.sum(dim=1, keepdim=True), [rnd(2, 3, 2)]),
    ("mean_all", pn.mean, [rnd(2, 3)]),
    ("mean_axis1", lambda a: pn.mean(a, axis=1), [rnd(2, 3)]),
    ("mean_axes_keep", lambda a: pn.mean(a, axis=(0, 2), keepdims=True), [rnd(2, 3, 2)]),
    ("max_all", pn.max, [rnd(2, 3)]),
    ("max_axis1", lambda a: pn.amax(a, dim=1), [rnd(2, 3)]),
    ("max_axis0_keep", lambda a: pn.amax(a, dim=0, keepdim=True), [rnd(3, 2)]),
    ("max_ties", lambda a: pn.amax(a, dim=1), [TIES]),
    ("max_all_ties", pn.max, [TIES]),
    ("min_all", pn.min, [rnd(2, 3)]),
    ("min_axis_neg", lambda a: pn.amin(a, dim=-1, keepdim=True), [rnd(2, 3)]),
    ("min_ties", lambda a: pn.amin(-a, dim=1), [TIES]),
    ("var_all", pn.var, [rnd(2, 3)]),
    ("var_axis0", lambda a: pn.var(a, axis=0), [rnd(3, 2)]),
    ("var_axis1_keep_biased", lambda a: pn.var(a, axis=1, keepdims=True, correction=0), [rnd(2, 4)]),
    ("std_axis1", lambda a: pn.std(a, axis=1), [rnd(2, 4)]),
    # ------------------------------------------------------------ shapes
    ("reshape", lambda a: pn.reshape(a, (3, 2)) * T(K[0]), [rnd(2, 3)]),
    ("reshape_neg1", lambda a: a.reshape(-1) * T(K[1]), [rnd(2, 3)]),
    ("flatten", lambda a: pn.flatten(a, 1) * T(K[2]), [rnd(2, 3, 2)]),
    ("squeeze_unsqueeze", lambda a: pn.unsqueeze(pn.squeeze(a, 1), 0) * 2.0, [rnd(2, 1, 3)]),
    ("permute", lambda a: pn.permute(a, (2, 0, 1)) * T(K[3]), [rnd(2, 3, 4)]),
    ("transpose_pair", lambda a: pn.transpose(a, 0, 2) * T(K[4]), [rnd(2, 3, 4)]),
    ("dot_T", lambda a: a.T * T(K[5]), [rnd(2, 3)]),
    ("broadcast_to", lambda a: pn.broadcast_to(a, (2, 3, 4)) * T(K[6]), [rnd(3, 1)]),
    ("getitem_int", lambda a: a[1], [rnd(3, 2)]),
    ("getitem_int_pair", lambda a: a[1, -1], [rnd(3, 2)]),
    ("getitem_slices", lambda a: a[1:, ::2], [rnd(3, 4)]),
    ("getitem_none_ellipsis", lambda a: a[None, ..., 0], [rnd(2, 3)]),
    ("getitem_int_array_repeated",
     lambda a: a[pn.tensor([0, 2, 0, 0])] * T(K[7]), [rnd(3, 2)]),
    ("getitem_int_list", lambda a: a[[1, 1, 0]] * T(K[8]), [rnd(3, 2)]),
    ("getitem_int_array_negative", lambda a: a[pn.tensor([-1, 0, -1])] * T(K[9]), [rnd(3, 2)]),
    ("getitem_int_array_2d_idx", lambda a: a[pn.tensor([[0, 1], [1, 1]])] * T(K[10]), [rnd(2, 3)]),
    ("getitem_two_arrays", lambda a: a[pn.tensor([0, 2, 2, 1]), pn.tensor([1, 0, 0, 1])], [rnd(3, 2)]),
    ("getitem_bool_mask",
     lambda a: a[T(np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])) > 0] * T(K[11]), [rnd(2, 3)]),
    ("concat_axis0", lambda a, b: pn.concat([a, b]) * T(K[12]), [rnd(2, 3), rnd(3, 3)]),
    ("concat_axis_neg", lambda a, b: pn.cat([a, b], axis=-1) * T(K[13]), [rnd(2, 3), rnd(2, 2)]),
    ("concat_const", lambda a, b: pn.concat([a, b], axis=1) * T(K[14]), [rnd(2, 3), const(rnd(2, 2))]),
    ("stack_axis0", lambda a, b: pn.stack([a, b]) * T(K[15]), [rnd(2, 3), rnd(2, 3)]),
    ("stack_axis_last", lambda a, b: pn.stack([a, b], axis=-1) * T(K[16]), [rnd(2, 3), rnd(2, 3)]),
    # ------------------------------------------------------------ linalg
    ("matmul_1d_1d", pn.matmul, [rnd(3), rnd(3)]),
    ("matmul_1d_2d", pn.matmul, [rnd(3), rnd(3, 2)]),
    ("matmul_2d_1d", pn.matmul, [rnd(2, 3), rnd(3)]),
    ("matmul_2d_2d", lambda a, b: a @ b, [rnd(2, 3), rnd(3, 4)]),
    ("matmul_batched_2d", pn.matmul, [rnd(2, 2, 3), rnd(3, 2)]),
    ("matmul_batched_bcast", pn.matmul, [rnd(2, 1, 2, 3), rnd(3, 3, 2)]),
    ("matmul_1d_batched", pn.matmul, [rnd(3), rnd(2, 3, 2)]),
    ("matmul_batched_1d", pn.matmul, [rnd(2, 2, 3), rnd(3)]),
    ("linear_bias", F.linear, [rnd(4, 3), rnd(2, 3), rnd(2)]),
    ("linear_nobias", F.linear, [rnd(4, 3), rnd(2, 3)]),
    ("linear_3d_input", F.linear, [rnd(2, 2, 3), rnd(2, 3), rnd(2)]),
    ("linear_1d_input", F.linear, [rnd(3), rnd(2, 3), rnd(2)]),
    # ------------------------------------------------------------ softmax family
    ("softmax_last", pn.softmax, [rnd(2, 4)]),
    ("softmax_dim0", lambda a: pn.softmax(a, dim=0), [rnd(3, 2)]),
    ("log_softmax_last", pn.log_softmax, [rnd(2, 4)]),
    ("log_softmax_dim1_3d", lambda a: pn.log_softmax(a, dim=1), [rnd(2, 3, 2)]),
]


def _ce(**kw):
    return lambda x, t: F.cross_entropy(x, t, **kw)


LOSS_CASES = [
    ("mse_mean", F.mse_loss, [rnd(3, 2), rnd(3, 2)]),
    ("mse_sum", lambda x, t: F.mse_loss(x, t, reduction="sum"), [rnd(3, 2), const(rnd(3, 2))]),
    ("mse_none", lambda x, t: F.mse_loss(x, t, reduction="none"), [rnd(3, 2), rnd(3, 2)]),
    ("l1_mean", F.l1_loss, [np.array([0.5, -1.0, 2.0]), np.array([-0.5, 0.3, 1.0])]),
    ("l1_none", lambda x, t: F.l1_loss(x, t, reduction="none"),
     [np.array([0.5, -1.0, 2.0]), const(np.array([-0.5, 0.3, 1.0]))]),
    ("huber_delta1", F.huber_loss, [np.array([0.2, -2.0, 1.5, 0.1]), np.array([0.0, 0.5, -0.5, 0.4])]),
    ("huber_delta_half_sum", lambda x, t: F.huber_loss(x, t, reduction="sum", delta=0.5),
     [np.array([0.2, -2.0, 1.5, 0.1]), np.array([0.0, 0.5, -0.5, 0.4])]),
    ("smooth_l1_beta", lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.7),
     [np.array([0.2, -2.0, 1.5, 0.1]), np.array([0.0, 0.5, -0.5, 0.4])]),
    ("bce_mean", F.binary_cross_entropy, [rnd(3, 2, lo=0.1, hi=0.9), const(rnd(3, 2, lo=0, hi=1))]),
    ("bce_weight_none", lambda x, t: F.binary_cross_entropy(x, t, weight=T(K[17]),
                                                            reduction="none"),
     [rnd(3, 2, lo=0.1, hi=0.9), const(rnd(3, 2, lo=0, hi=1))]),
    ("bce_logits_mean", F.binary_cross_entropy_with_logits, [rnd(3, 2, lo=-4, hi=4), rnd(3, 2, lo=0, hi=1)]),
    ("bce_logits_weight_posweight_sum",
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=T(K[18]), reduction="sum",
                                                     pos_weight=T(np.array([0.5, 3.0]))),
     [rnd(3, 2, lo=-4, hi=4), const(rnd(3, 2, lo=0, hi=1))]),
    ("ce_index_mean", _ce(), [rnd(5, 4), const(LABELS)]),
    ("ce_index_sum", _ce(reduction="sum"), [rnd(5, 4), const(LABELS)]),
    ("ce_index_none", _ce(reduction="none"), [rnd(5, 4), const(LABELS)]),
    ("ce_weight_mean", lambda x, t: F.cross_entropy(x, t, weight=T(W4)), [rnd(5, 4), const(LABELS)]),
    ("ce_ignore_index", _ce(ignore_index=2), [rnd(5, 4), const(LABELS)]),
    ("ce_label_smoothing", _ce(label_smoothing=0.2), [rnd(5, 4), const(LABELS)]),
    ("ce_all_options", lambda x, t: F.cross_entropy(x, t, weight=T(W4), ignore_index=1,
                                                    label_smoothing=0.15),
     [rnd(5, 4), const(LABELS)]),
    ("ce_all_options_none", lambda x, t: F.cross_entropy(x, t, weight=T(W4), ignore_index=1,
                                                         label_smoothing=0.15, reduction="none"),
     [rnd(5, 4), const(LABELS)]),
    ("ce_index_3d", _ce(), [rnd(2, 3, 2), const(np.array([[0, 2], [1, 1]]))]),
    ("ce_index_1d", _ce(), [rnd(4), const(np.array(2))]),
    ("ce_probs_mean", _ce(), [rnd(5, 4), const(PT)]),
    ("ce_probs_smooth_weight_sum", lambda x, t: F.cross_entropy(x, t, weight=T(W4), reduction="sum",
                                                                label_smoothing=0.1),
     [rnd(5, 4), const(PT)]),
    ("ce_probs_target_grad", lambda x, t: F.cross_entropy(x, t, reduction="none"), [rnd(5, 4), PT]),
    ("nll_mean", F.nll_loss, [rnd(5, 4), const(LABELS)]),
    ("nll_weight_ignore", lambda x, t: F.nll_loss(x, t, weight=T(W4), ignore_index=0), [rnd(5, 4), const(LABELS)]),
    ("nll_none", lambda x, t: F.nll_loss(x, t, reduction="none"), [rnd(5, 4), const(LABELS)]),
    ("multi_margin_p1", F.multi_margin_loss, [rnd(5, 4), const(LABELS)]),
    ("multi_margin_p2_weight", lambda x, t: F.multi_margin_loss(x, t, p=2, weight=T(W4), reduction="sum"),
     [rnd(5, 4), const(LABELS)]),
    ("multi_margin_margin_none", lambda x, t: F.multi_margin_loss(x, t, margin=0.5, reduction="none"),
     [rnd(5, 4), const(LABELS)]),
    ("kl_div_mean", F.kl_div, [np.log(probs(3, 4)), probs(3, 4)]),
    ("kl_div_batchmean", lambda x, t: F.kl_div(x, t, reduction="batchmean"),
     [np.log(probs(3, 4)), const(probs(3, 4))]),
    ("kl_div_log_target_sum", lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
     [np.log(probs(3, 4)), np.log(probs(3, 4))]),
    ("kl_div_none_zero_target", lambda x, t: F.kl_div(x, t, reduction="none"),
     [np.log(probs(2, 3)), const(np.array([[0.0, 0.4, 0.6], [0.5, 0.5, 0.0]]))]),
]


def _inputs(specs):
    out = []
    for s in specs:
        if isinstance(s, const):
            v = np.asarray(s.value)
            dt = "float64" if v.dtype.kind == "f" else "int64"
            out.append(pn.tensor(v, dtype=dt))
        else:
            out.append(pn.tensor(np.asarray(s, dtype=np.float64), dtype="float64", requires_grad=True))
    return out


@pytest.mark.parametrize("name,fn,specs", CASES + LOSS_CASES, ids=[c[0] for c in CASES + LOSS_CASES])
def test_gradcheck(backend, name, fn, specs):
    inputs = _inputs(specs)
    out = fn(*inputs)
    assert out.dtype == backend.xp.float64, f"{name} changed the dtype to {out.dtype}"
    assert out.requires_grad
    assert pn.testing.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_multi_margin_hinges_away_from_corner():
    """Finite differences are only valid if no hinge sits on its corner."""
    x = LOSS_CASES[[c[0] for c in LOSS_CASES].index("multi_margin_p1")][2][0]
    for margin in (1.0, 0.5):
        h = margin - x[np.arange(5), LABELS][:, None] + x
        assert np.abs(h).min() > 1e-3


def test_gradcheck_reports_input_and_element(backend):
    class BadSquare(pn.Function):
        def forward(self, xp, a):
            self.a = a
            return a * a

        def backward(self, xp, g):
            return (g * 3 * self.a,)  # wrong: should be 2a

    x = pn.tensor([[0.5, -1.0]], dtype="float64", requires_grad=True)
    with pytest.raises(pn.testing.GradcheckError, match=r"input 0 .*element \(0, 0\).*backprop"):
        pn.testing.gradcheck(lambda a: BadSquare.apply(a), [x])
