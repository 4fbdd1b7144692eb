"""The mathops primitives on every backend: a float64 gradcheck (backprop against finite
differences) for each differentiable one, the in-place forms and operators, and every
error the new functions raise (type and wording).  Values and gradients against PyTorch
are in test_mathops_reference.py."""
import numpy as np
import pytest

import portanet as pn


def t64(a, grad=True):
    return pn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


X = [[0.3, -1.2, 2.5], [-0.7, 1.9, -2.6]]
POS = [0.3, 1.2, 2.5]
Y = [[1.1, 0.4, -2.0], [2.2, -0.9, 0.6]]

GRADCHECK = [
    ("reciprocal", pn.reciprocal, [X]),
    ("rsqrt", pn.rsqrt, [POS]),
    ("log10", pn.log10, [POS]),
    ("log2", pn.log2, [POS]),
    ("log1p", pn.log1p, [POS]),
    ("expm1", pn.expm1, [X]),
    ("exp2", pn.exp2, [X]),
    ("erf", pn.erf, [[-2.7, 0.9]]),          # (two values: erf's series is long)
    ("erfc", pn.erfc, [[-0.4, 2.6]]),
    ("erfinv", pn.erfinv, [[-0.9, 0.4]]),
    ("sinc", pn.sinc, [[-1.3, 0.2, 0.7]]),
    ("frac", pn.frac, [[-1.3, 0.2, 2.7]]),
    ("nan_to_num", pn.nan_to_num, [[-1.3, 0.2, 2.7]]),
    ("fmod", pn.fmod, [[-3.5, 3.3, 7.25], [2.0, -2.0, 0.7]]),
    ("remainder", pn.remainder, [[-3.5, 3.3, 7.25], [2.0, -2.0, 0.7]]),
    ("logaddexp", pn.logaddexp, [X, Y]),
    ("logaddexp2", pn.logaddexp2, [X, [0.5, -0.5, 1.0]]),
    ("hypot", pn.hypot, [X, Y]),
    ("copysign", pn.copysign, [X, Y]),
    ("xlogy", pn.xlogy, [X, [[1.1, 0.4, 2.0], [2.2, 0.9, 0.6]]]),
    ("fmax", pn.fmax, [X, Y]),
    ("fmin", pn.fmin, [X, Y]),
    ("lerp", pn.lerp, [X, Y, [[0.1, 0.6, 1.0], [0.2, -0.3, 1.4]]]),
    ("addcmul", lambda a, b, c: pn.addcmul(a, b, c, value=0.5), [X, Y, [2.0, -1.0, 0.5]]),
    ("addcdiv", lambda a, b, c: pn.addcdiv(a, b, c, value=-2), [X, Y, [2.0, -1.0, 0.5]]),
    ("float_power", pn.float_power, [POS, [0.5, -1.5, 2.0]]),
    ("prod", lambda a: pn.prod(a, 1), [[[1.0, 0.0, 3.0], [2.0, -2.0, 0.5]]]),
    ("prod_all", pn.prod, [X]),
    ("cumsum", lambda a: pn.cumsum(a, 0), [X]),
    ("cumprod", lambda a: pn.cumprod(a, 1), [[[1.0, 0.0, 3.0, 2.0], [2.0, -2.0, 0.5, 0.0]]]),
    ("logsumexp", lambda a: pn.logsumexp(a, 1), [X]),
    ("norm", lambda a: pn.norm(a, dim=1), [X]),
    ("norm_p3", lambda a: pn.norm(a, p=3), [X]),
    ("norm_inf", lambda a: pn.norm(a, p=float("inf"), dim=0), [X]),
    ("nansum", lambda a: pn.nansum(a, 0), [X]),
    ("nanmean", lambda a: pn.nanmean(a, 1), [X]),
    ("std_mean", lambda a: pn.std_mean(a, 1)[0] + pn.std_mean(a, 1)[1], [X]),
    ("median", lambda a: pn.median(a, 1).values, [X]),
    ("mode", lambda a: pn.mode(a, 0).values, [X]),     # (distinct values: a repeat is no smooth point)
    ("diff", lambda a: pn.diff(a, n=2, dim=1), [[[1.0, 0.0, 3.0, 2.0], [2.0, -2.0, 0.5, 0.0]]]),
    ("trace", pn.trace, [X]),
    ("asin", pn.asin, [[-0.8, 0.05, 0.45]]),
    ("acos", pn.acos, [[-0.8, 0.05, 0.45]]),
    ("atan", pn.atan, [X]),
    ("asinh", pn.asinh, [X]),
    ("acosh", pn.acosh, [[1.5, 2.0, 10.0]]),
    ("atanh", pn.atanh, [[-0.8, 0.05, 0.45]]),
    ("logit", lambda a: pn.logit(a, eps=0.2), [[0.1, 0.5, 0.75, 0.95]]),
    ("add_alpha", lambda a, b: pn.add(a, b, alpha=-1.5), [X, Y]),
    ("rsub", lambda a, b: pn.rsub(a, b, alpha=2), [X, Y]),
    ("cummax", lambda a: pn.cummax(a, 1).values, [X]),
    ("cummin", lambda a: pn.cummin(a, 0).values, [X]),
    ("logcumsumexp", lambda a: pn.logcumsumexp(a, 1), [X]),
    ("kthvalue", lambda a: pn.kthvalue(a, 2, dim=1).values, [X]),
    ("nanmedian", lambda a: pn.nanmedian(a, 0).values, [X]),
    ("special_entr", pn.special.entr, [[0.3, 1.2, 2.5]]),
    ("quantile", lambda a: pn.quantile(a, pn.tensor([0.3, 0.8], dtype=pn.float64), dim=1), [X]),
]


# over 10 s each on jax (XLA compiles every op afresh): run there with --portanet-heavy
HEAVY_ON_JAX = {"erf", "erfinv", "cummax", "quantile", "logit", "mode", "cumprod"}
_HEAVY = pytest.mark.heavy(reason="slow to compile on jax")


@pytest.mark.parametrize("name,fn,args", [pytest.param(*c, marks=_HEAVY) if c[0] in HEAVY_ON_JAX
                                          else c for c in GRADCHECK], ids=[c[0] for c in GRADCHECK])
def test_gradcheck(backend, name, fn, args):
    assert pn.testing.gradcheck(fn, [t64(a) for a in args])


def test_rounding_has_zero_gradient(backend):
    x = t64([-1.5, 0.3, 2.5])
    (pn.ceil(x) + pn.floor(x) + pn.round(x) + pn.trunc(x) + pn.sign(x) + x.round(decimals=1)).sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(x.grad), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("fn", [lambda a, b: pn.floor_divide(a, b), lambda a, b: pn.heaviside(a, b)],
                         ids=["floor_divide", "heaviside"])
def test_no_derivative_raises_at_backward_as_pytorch(backend, fn):
    y = fn(t64([1.5, -2.5]), t64([2.0, 2.0], grad=False))
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::.* is not implemented"):
        y.sum().backward()


@_HEAVY
def test_inplace_forms_and_operators(backend):
    x = pn.tensor([-1.5, 0.25, 2.5])
    assert x.floor_() is x
    pn.testing.assert_close(x, [-2.0, 0.0, 2.0])
    x.reciprocal_()
    pn.testing.assert_close(x, [-0.5, float("inf"), 0.5])
    x.nan_to_num_(posinf=7.0).clamp_min_(0.0)
    pn.testing.assert_close(x, [0.0, 7.0, 0.5])
    x.lerp_(pn.tensor([1.0, 1.0, 1.0]), 0.5)
    pn.testing.assert_close(x, [0.5, 4.0, 0.75])
    x.addcmul_(x, x, value=2.0)
    pn.testing.assert_close(x, [1.0, 36.0, 1.875])
    i = pn.tensor([7, -7, 5])
    i %= 3
    pn.testing.assert_close(i, [1, 2, 2])
    i //= 2
    pn.testing.assert_close(i, [0, 1, 1])
    m = pn.tensor([True, False])
    m &= pn.tensor([True, True])
    m |= pn.tensor([False, True])
    pn.testing.assert_close(m, [True, True])
    assert round(pn.tensor([1.5, 2.5])).tolist() == [2.0, 2.0]


def test_inplace_on_a_leaf_that_requires_grad_refuses(backend):
    with pytest.raises(RuntimeError, match="leaf Variable"):
        t64([1.0, 2.0]).log2_()


@_HEAVY
def test_cumulative_and_reduction_values(backend):
    x = pn.tensor([[1.0, 2.0], [3.0, 4.0]])
    x.cumsum_(1)
    pn.testing.assert_close(x, [[1.0, 3.0], [3.0, 7.0]])
    assert pn.cumsum(pn.tensor(2.0), 0).item() == 2.0
    v, m = pn.std_mean(pn.tensor([1.0, 2.0, 3.0, 4.0]), True)    # PyTorch's positional unbiased
    pn.testing.assert_close(m, 2.5)
    pn.testing.assert_close(v, float(np.std([1, 2, 3, 4], ddof=1)))
    assert pn.median(pn.tensor(3.0), 0).values.item() == 3.0
    assert pn.any(pn.tensor([0, 1], dtype=pn.uint8)).dtype == pn.uint8   # as PyTorch


def test_quantile_q_tensor_checked_on_device(backend):
    with pn.checks.strict():
        with pytest.raises(RuntimeError, match=r"quantile\(\) q values must be in the range \[0, 1\]"):
            pn.quantile(pn.ones(3), pn.tensor([0.5, 1.5]))


def test_aliases_and_inplace_trig(backend):
    x = pn.tensor([0.5, -1.0])
    assert pn.positive(x) is x
    y = x.clone()
    y.sin_().cos_()
    pn.testing.assert_close(y, np.cos(np.sin([0.5, -1.0])).astype(np.float32))
    z = pn.tensor([1.0, 3.0])
    z.gt_(2.0)
    pn.testing.assert_close(z, [0.0, 1.0])
    z.square_().absolute_().negative_()
    pn.testing.assert_close(z, [-0.0, -1.0])


@_HEAVY
def test_erfinv_inverts_erf(backend):
    y = pn.tensor(np.linspace(-0.999, 0.999, 41), dtype=pn.float64)
    pn.testing.assert_close(pn.erf(pn.erfinv(y)), y, rtol=1e-12, atol=1e-14)


ERRORS = [
    (lambda: pn.reciprocal([1.0]), TypeError, r"reciprocal\(\): argument 'input' must be Tensor, not list"),
    (lambda: pn.round(pn.tensor([1, 2]), decimals=1), NotImplementedError, r"round\(\): decimals != 0 not implemented for 'int64'"),
    (lambda: pn.round(pn.tensor([1.0]), decimals=1.5), TypeError, r"round\(\): argument 'decimals' must be int, not float"),
    (lambda: pn.fmod(pn.tensor([1.0]), "a"), TypeError, r"fmod\(\): argument 'other' must be Tensor or a number, not str"),
    (lambda: pn.fmod(pn.ones(2), pn.ones(3)), RuntimeError, r"fmod\(\): the size of tensor a \[2\] must match the size of tensor b \[3\]"),
    (lambda: pn.remainder("a", pn.ones(2)), TypeError, r"remainder\(\): argument 'input' must be Tensor or a number, not str"),
    (lambda: pn.lerp(pn.ones(2), pn.tensor([1, 2]), 0.5), RuntimeError, r"lerp\(\): expected a floating point tensor for 'end', got int64"),
    (lambda: pn.lerp(pn.ones(2), pn.ones(2, dtype=pn.float64), 0.5), RuntimeError, r"lerp\(\): expected dtype float32 for `end` but got dtype float64"),
    (lambda: pn.lerp(pn.ones(2), pn.ones(2), "x"), TypeError, r"lerp\(\): argument 'weight' must be Tensor or float, not str"),
    (lambda: pn.heaviside(pn.ones(2), pn.tensor([1, 2])), RuntimeError, "heaviside is not yet implemented for tensors with different dtypes"),
    (lambda: pn.bitwise_and(pn.ones(2), pn.ones(2)), NotImplementedError, r"bitwise_and\(\): not implemented for 'float32'"),
    (lambda: ~pn.ones(2), NotImplementedError, r"bitwise_not\(\): not implemented for 'float32'"),
    (lambda: pn.isclose(pn.ones(2), pn.ones(2, dtype=pn.float64)), RuntimeError, r"isclose\(\): float32 did not match float64"),
    (lambda: pn.isclose(pn.ones(2), pn.ones(2), rtol=-1), RuntimeError, r"isclose\(\): rtol must be greater than or equal to zero, but got -1"),
    (lambda: pn.allclose(pn.ones(2), pn.ones(2), atol="a"), TypeError, "isclose: atol must be a real number, got str 'a'"),
    (lambda: pn.nan_to_num(pn.ones(2), nan="a"), TypeError, "nan_to_num: nan must be a real number, got str 'a'"),
    (lambda: pn.addcdiv(pn.ones(2), pn.tensor([1, 2]), pn.tensor([1, 2])), RuntimeError, "Integer division with addcdiv is no longer supported"),
    (lambda: pn.addcmul(pn.ones(2), pn.ones(2), pn.ones(2), value="a"), TypeError, r"addcmul\(\): argument 'value' must be a number, not str"),
    (lambda: pn.addcmul(pn.ones(2), [1.0], pn.ones(2)), TypeError, r"addcmul\(\): argument 'tensor1' must be Tensor, not list"),
    (lambda: pn.logical_and(pn.ones(2), 1), TypeError, r"logical_and\(\): argument 'other' must be Tensor, not int"),
    (lambda: pn.fmax(pn.ones(2), 1.0), TypeError, r"fmax\(\): argument 'other' must be Tensor, not float"),
    (lambda: pn.ones(2).float_power_(2), RuntimeError, "the base given to float_power_ has dtype float32 but the operation's result requires dtype float64"),
    (lambda: pn.isnan([1.0]), TypeError, r"isnan\(\): argument 'input' must be Tensor, not list"),
    (lambda: pn.all(pn.ones(2, 3), dim=2), IndexError, r"all: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: pn.prod(pn.ones(2, 3), dim=(0, 1)), TypeError, r"prod\(\): argument 'dim' must be int, not tuple"),
    (lambda: pn.cumsum(pn.ones(2), dim=None), TypeError, r"cumsum\(\): argument 'dim' must be int, not NoneType"),
    (lambda: pn.cumprod(pn.ones(2), 1), IndexError, "cumprod: Dimension out of range"),
    (lambda: pn.logsumexp(pn.ones(2), dim=(0, 0)), ValueError, r"logsumexp: dim \(0, 0\) names an axis twice"),
    (lambda: pn.norm(pn.tensor([1, 2])), RuntimeError, r"norm\(\): input dtype should be either floating point or complex. Got int64 instead."),
    (lambda: pn.norm(pn.ones(2, 2), p="nuc"), NotImplementedError, r"norm\(\): p='nuc'"),
    (lambda: pn.norm(pn.ones(2), p="x"), TypeError, r"norm\(\): p must be a number, 'fro' or 'nuc', got 'x'"),
    (lambda: pn.norm(pn.ones(2, 2, 2), dim=(0, 1, 2)), RuntimeError, r"norm\(\): the Frobenius norm takes at most 2 dims"),
    (lambda: pn.nanmean(pn.tensor([1, 2])), RuntimeError, r"nanmean\(\): expected input to have floating point or complex dtype but got int64"),
    (lambda: pn.var_mean(pn.ones(3), 0, True, correction=1), TypeError, r"var_mean\(\): give either 'unbiased' or 'correction', not both"),
    (lambda: pn.trace(pn.ones(3)), RuntimeError, "trace: expected a matrix, but got tensor with dim 1"),
    (lambda: pn.aminmax(pn.ones(0)), RuntimeError, r"aminmax\(\): cannot compute aminmax over an empty dimension"),
    (lambda: pn.aminmax(pn.ones(2), dim=(0,)), TypeError, r"aminmax\(\): argument 'dim' must be int, not tuple"),
    (lambda: pn.median(pn.ones(0)), IndexError, r"median\(\) input tensor cannot be empty"),
    (lambda: pn.median(pn.ones(2, 2), dim=2), IndexError, "median: Dimension out of range"),
    (lambda: pn.mode(pn.ones(2), dim="a"), TypeError, "mode: dim must be an int, got 'a'"),
    (lambda: pn.diff(pn.tensor(1.0)), RuntimeError, "diff expects input to be at least one-dimensional"),
    (lambda: pn.diff(pn.ones(3), n=-1), RuntimeError, "order must be non-negative but got -1"),
    (lambda: pn.diff(pn.ones(3), prepend=pn.ones(1, 1)), RuntimeError, "diff expects prepend or append to be the same dimension as input, got 2 and 1"),
    (lambda: pn.dist(pn.ones(2), [1.0, 2.0]), TypeError, r"dist\(\): argument 'other' must be Tensor, not list"),
    (lambda: pn.logit(pn.ones(2), eps=0.7), ValueError, r"logit: eps must be in \[0, 0.5\], got 0.7"),
    (lambda: pn.add(pn.ones(2), pn.ones(2), alpha="a"), TypeError, r"add\(\): argument 'alpha' must be Number, not str"),
    (lambda: pn.sub(pn.tensor([1]), pn.tensor([1]), alpha=0.5), RuntimeError, r"sub\(\): for integral input tensors, argument alpha must not be a floating point number"),
    (lambda: pn.div(pn.ones(2), 2, rounding_mode="round"), ValueError, "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"),
    (lambda: pn.positive(pn.tensor([True])), TypeError, "The `\\+` operator, on a bool tensor is not supported"),
    (lambda: pn.cummax(pn.ones(2), 1), IndexError, "cummax: Dimension out of range"),
    (lambda: pn.logcumsumexp(pn.ones(2), dim="a"), TypeError, "logcumsumexp: dim must be an int, got 'a'"),
    (lambda: pn.kthvalue(pn.ones(3), 4), IndexError, r"kthvalue\(\): selected number k out of range for dimension 0 \(k=4, size 3\)"),
    (lambda: pn.kthvalue(pn.ones(3), 1.0), TypeError, r"kthvalue\(\): argument 'k' must be int, not float"),
    (lambda: pn.nanmedian(pn.ones(0)), IndexError, r"nanmedian\(\) input tensor cannot be empty"),
    (lambda: pn.quantile(pn.ones(3), 1.5), RuntimeError, r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"),
    (lambda: pn.quantile(pn.tensor([1, 2]), 0.5), RuntimeError, r"quantile\(\) input tensor must be either float or double dtype, got int64"),
    (lambda: pn.nanquantile(pn.ones(3), 0.5, interpolation="cubic"), ValueError, "nanquantile: interpolation must be one of 'linear', 'lower', 'higher', 'midpoint', 'nearest', got 'cubic'"),
    (lambda: pn.quantile(pn.ones(3), pn.ones(2, 2)), RuntimeError, r"quantile\(\) q must be a scalar or 1D tensor, got 2 dims"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(backend, i):
    fn, exc, msg = ERRORS[i]
    with pytest.raises(exc, match=msg):
        fn()


def test_a_step_of_the_new_ops_reads_nothing_back(host_syncs, backend):
    """The differentiable ops and dropout-style sampling in a training step: no host read
    (the test is skipped where reads cannot be counted, as on NumPy)."""
    x = pn.randn(4, 5, requires_grad=True)
    w = pn.rand(4, 5)
    with host_syncs() as syncs:
        m = pn.bernoulli(w, generator=None) * pn.zeros(4, 5).bernoulli_(0.5)
        y = (pn.logsumexp(x, dim=1).sum() + x.norm(dim=0).sum() + pn.cumsum(x, 1).mean()
             + pn.prod(x.clamp_min(0.1), 1).sum() + pn.logaddexp(x, w).sum() + pn.lerp(x, w, 0.3).sum()
             + pn.addcdiv(x, x, w + 1, value=0.5).sum() + pn.fmod(x, 0.7).sum() + (x * m).sum()
             + pn.cumprod(x, 1).sum() + pn.erf(x).sum() + pn.median(x, 1).values.sum()
             + pn.nanmean(x) + pn.var_mean(x, 1)[0].sum() + pn.logcumsumexp(x, 1).sum()
             + pn.cummax(x, 1).values.sum() + pn.quantile(x, 0.5, dim=1).sum())
        y.backward()
    syncs.assert_at_most(0, "a step of the mathops ops")
