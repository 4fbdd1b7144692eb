"""Write tests/fixtures/mathops/reference.json: PyTorch's values, dtypes and gradients for
the math surface of the mathops breadth work (pointwise math, rounding, logic, reductions,
cumulative ops), so tests/test_mathops_reference.py needs no PyTorch.

Each case is an expression over ``T`` (the library: ``torch`` here, ``portanet`` in the
test) and inputs ``a``, ``b``, ``c``: the same text must run on both, which is the point.
Gradients are of ``sum(out * w)`` with fixed weights ``w = 1 + 0.5 * cos(arange(n))`` over
every floating output that requires grad.

    python tests/reference/gen_mathops_reference.py
"""
import json
import math
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "mathops" / "reference.json"
NAN, INF = float("nan"), float("inf")

X = [[0.3, -1.2, 2.5], [-0.7, 1.9, -2.6]]          # no ties, no zeros, no integers
POS = [[0.3, 1.2, 2.5], [0.7, 1.9, 4.6]]
UNIT = [[0.3, -0.8, 0.05], [-0.45, 0.99, -0.2]]
Y = [[1.1, 0.4, -2.0], [2.2, -0.9, 0.6]]


def f64(v, grad=True):
    return [v, "float64", grad]


def i64(v):
    return [v, "int64", False]


CASES = [
    # ---------------------------------------------------------------- pointwise (unary)
    ("reciprocal", "T.reciprocal(a)", [f64(X)]),
    ("reciprocal_int", "T.reciprocal(a)", [i64([1, 2, -4])]),
    ("rsqrt", "a.rsqrt()", [f64(POS)]),
    ("log10", "T.log10(a)", [f64(POS)]),
    ("log2", "T.log2(a)", [f64(POS)]),
    ("log2_int", "T.log2(a)", [i64([1, 2, 8])]),
    ("log1p", "T.log1p(a)", [f64([1e-10, 0.5, 3.0])]),
    ("expm1", "a.expm1()", [f64([1e-10, -0.5, 2.0])]),
    ("exp2", "T.exp2(a)", [f64(X)]),
    ("erf", "T.erf(a)", [f64([-3.0, -0.5, 0.0, 0.1, 1.2, 2.4, 2.6, 6.0])]),
    ("erf_f32", "T.erf(a)", [[[-3.0, -0.5, 0.1, 1.2, 2.6], "float32", True]]),
    ("erfc", "T.erfc(a)", [f64([-3.0, -0.5, 0.0, 1.2, 2.6, 5.0, 10.0])]),
    ("erfinv", "T.erfinv(a)", [f64([-0.999, -0.5, 0.0, 1e-6, 0.3, 0.9, 0.999999])]),
    ("erfinv_edges", "T.erfinv(a)", [f64([-1.0, 1.0, 1.5, -2.0], grad=False)]),
    ("erfinv_f32", "T.erfinv(a)", [[[-0.9, -0.5, 0.3, 0.99], "float32", True]]),
    ("sinc", "T.sinc(a)", [f64([-1.5, -0.25, 0.0, 0.5, 1.0, 2.3])]),
    ("deg2rad", "T.deg2rad(a)", [f64([-180.0, 45.0, 90.0])]),
    ("rad2deg", "a.rad2deg()", [f64([-3.0, 0.5, 1.0])]),
    ("frac", "T.frac(a)", [f64([-1.5, -0.25, 2.75, 3.0])]),
    ("nan_to_num", "T.nan_to_num(a)", [f64([NAN, INF, -INF, 1.5])]),
    ("nan_to_num_args", "a.nan_to_num(nan=2.0, posinf=9.0, neginf=-9.0)", [f64([NAN, INF, -INF, 1.5])]),
    ("nan_to_num_f32", "T.nan_to_num(a)", [[[NAN, INF, -INF, 1.5], "float32", True]]),
    # ---------------------------------------------------------------- rounding
    ("ceil", "T.ceil(a)", [f64(X)]),
    ("floor", "a.floor()", [f64(X)]),
    ("trunc", "T.trunc(a)", [f64(X)]),
    ("fix", "T.fix(a)", [f64(X)]),
    ("round", "T.round(a)", [f64([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6])]),
    ("round_dec", "T.round(a, decimals=2)", [f64([0.125, 1.005, -2.675, 3.14159])]),
    ("round_dec_neg", "a.round(decimals=-2)", [f64([1234.5, 150.0, -250.0, 49.0])]),
    ("round_int", "T.round(a)", [i64([1, -2, 3])]),
    ("sign", "T.sign(a)", [f64([-2.0, 0.0, 3.0])]),
    ("sign_int", "T.sign(a)", [i64([-2, 0, 3])]),
    ("sgn", "T.sgn(a)", [f64([-2.0, 0.0, 3.0])]),     # (PyTorch's zero gradient is lazy: + 0)
    ("fmod", "T.fmod(a, b)", [f64([-3.5, 3.5, -3.5, 3.5, 7.25]), f64([2.0, 2.0, -2.0, -2.0, 0.5])]),
    ("fmod_scalar", "T.fmod(a, -1.5)", [f64(X)]),
    ("fmod_int", "T.fmod(a, b)", [i64([-7, 7, -7, 7]), i64([3, 3, -3, -3])]),
    ("remainder", "T.remainder(a, b)", [f64([-3.5, 3.5, -3.5, 3.5, 7.25]), f64([2.0, 2.0, -2.0, -2.0, 0.5])]),
    ("remainder_int", "T.remainder(a, b)", [i64([-7, 7, -7, 7]), i64([3, 3, -3, -3])]),
    ("remainder_scalar_first", "T.remainder(5, a)", [i64([3, -3, 2])]),
    ("mod_operator", "a % 1.5", [f64(X)]),
    ("rmod_operator", "7 % a", [i64([3, -3, 2])]),
    ("floor_divide", "T.floor_divide(a, b)", [i64([-7, 7, -7, 7]), i64([2, 2, -2, -2])]),
    ("floor_divide_float", "T.floor_divide(a, b)", [f64([-7.5, 7.5], grad=False), f64([2.0, -2.0], grad=False)]),
    ("floordiv_operator", "a // 2", [i64([-7, 7, 5])]),
    ("true_divide", "T.true_divide(a, 2)", [i64([1, 2, -3])]),
    # ---------------------------------------------------------------- binary
    ("logaddexp", "T.logaddexp(a, b)", [f64(X), f64(Y)]),
    ("logaddexp_big", "T.logaddexp(a, b)", [f64([1000.0, -1000.0, 5.0]), f64([1000.0, -999.0, -INF])]),
    ("logaddexp_bcast", "T.logaddexp(a, b)", [f64(X), f64([0.5, -0.5, 1.0])]),
    ("logaddexp2", "T.logaddexp2(a, b)", [f64(X), f64(Y)]),
    ("hypot", "T.hypot(a, b)", [f64(X), f64(Y)]),
    ("copysign", "T.copysign(a, b)", [f64([1.0, -2.0, 0.0, 3.0]), f64([-1.0, 2.0, -1.0, -0.0])]),
    ("copysign_scalar", "T.copysign(a, -1.0)", [f64(X)]),
    ("copysign_int", "T.copysign(a, b)", [i64([1, -2, 3]), i64([-1, -1, 1])]),
    ("xlogy", "T.xlogy(a, b)", [f64([0.0, 2.0, 0.0, 1.5, -1.0]), f64([0.0, 3.0, -1.0, 0.5, 2.0])]),
    ("xlogy_nan", "T.xlogy(a, b)", [f64([0.0, 0.0], grad=False), f64([NAN, 1.0], grad=False)]),
    ("xlogy_scalar", "T.xlogy(2.0, a)", [f64(POS)]),
    ("fmax", "T.fmax(a, b)", [f64([1.0, NAN, 2.0, NAN, 3.0]), f64([2.0, 0.0, NAN, NAN, 3.0])]),
    ("fmin", "T.fmin(a, b)", [f64([1.0, NAN, 2.0, NAN, 3.0]), f64([2.0, 0.0, NAN, NAN, 3.0])]),
    ("lerp", "T.lerp(a, b, 0.25)", [f64(X), f64(Y)]),
    ("lerp_high", "a.lerp(b, 0.75)", [f64(X), f64(Y)]),
    ("lerp_tensor", "T.lerp(a, b, c)", [f64(X), f64(Y), f64([[0.1, 0.6, 1.0], [0.0, -0.3, 1.4]])]),
    ("heaviside", "T.heaviside(a, b)", [f64([-1.0, 0.0, 2.0, 0.0], grad=False), f64([0.5, 0.25, 0.5, 0.75], grad=False)]),
    ("float_power", "T.float_power(a, 0.5)", [i64([1, 2, 9])]),
    ("float_power_t", "T.float_power(a, b)", [f64(POS), f64(Y)]),
    ("addcmul", "T.addcmul(a, b, c, value=0.5)", [f64(X), f64(Y), f64([2.0, -1.0, 0.5])]),
    ("addcdiv", "a.addcdiv(b, c, value=-2)", [f64(X), f64(Y), f64([2.0, -1.0, 0.5])]),
    ("clamp_min", "T.clamp_min(a, 0.0)", [f64(X)]),
    ("clamp_max", "a.clamp_max(1.0)", [f64(X)]),
    # ---------------------------------------------------------------- predicates and logic
    ("isnan", "T.isnan(a)", [f64([1.0, NAN, INF, -INF], grad=False)]),
    ("isinf", "T.isinf(a)", [f64([1.0, NAN, INF, -INF], grad=False)]),
    ("isfinite", "a.isfinite()", [f64([1.0, NAN, INF, -INF], grad=False)]),
    ("isposinf", "T.isposinf(a)", [f64([1.0, NAN, INF, -INF], grad=False)]),
    ("isneginf", "T.isneginf(a)", [f64([1.0, NAN, INF, -INF], grad=False)]),
    ("isreal", "T.isreal(a)", [f64([1.0, NAN], grad=False)]),
    ("isnan_int", "T.isnan(a)", [i64([1, 2])]),
    ("logical_and", "T.logical_and(a, b)", [i64([1, 0, 3, 0]), f64([2.0, 3.0, 0.0, 0.0], grad=False)]),
    ("logical_or", "T.logical_or(a, b)", [i64([1, 0, 3, 0]), i64([2, 3, 0, 0])]),
    ("logical_xor", "a.logical_xor(b)", [i64([1, 0, 3, 0]), i64([2, 3, 0, 0])]),
    ("logical_not", "T.logical_not(a)", [f64([0.0, 2.0, -1.0], grad=False)]),
    ("bitwise_and", "T.bitwise_and(a, b)", [i64([12, 10, -1]), i64([6, 6, 5])]),
    ("bitwise_or", "a | b", [i64([12, 10, -1]), i64([6, 6, 5])]),
    ("bitwise_xor", "a ^ 6", [i64([12, 10, -1])]),
    ("bitwise_not", "~a", [i64([12, 0, -1])]),
    ("bool_and_operator", "(a > 0) & (a < 2)", [f64(X, grad=False)]),
    ("bool_invert", "~(a > 0)", [f64(X, grad=False)]),
    ("isclose", "T.isclose(a, b)", [f64([1.0, 2.0, INF, NAN, 1e-9, -INF], grad=False),
                                   f64([1.0 + 1e-6, 2.1, INF, NAN, 0.0, INF], grad=False)]),
    ("isclose_tol", "T.isclose(a, b, rtol=0.1, atol=0.0, equal_nan=True)",
     [f64([1.0, 2.0, NAN, 1e-9], grad=False), f64([1.05, 2.5, NAN, 0.0], grad=False)]),
    ("allclose_true", "T.allclose(a, b)", [f64([1.0, 2.0], grad=False), f64([1.0, 2.0 + 1e-9], grad=False)]),
    ("allclose_false", "T.allclose(a, b)", [f64([1.0, 2.0], grad=False), f64([1.0, 2.1], grad=False)]),
    ("equal_true", "T.equal(a, b)", [i64([1, 2]), i64([1, 2])]),
    ("equal_false", "a.equal(b)", [i64([1, 2]), i64([1, 3])]),
    ("equal_shape", "T.equal(a, b)", [i64([1, 2]), i64([[1, 2]])]),
    # ---------------------------------------------------------------- reductions
    ("all", "T.all(a)", [i64([[1, 0], [2, 3]])]),
    ("all_dim", "T.all(a, dim=1)", [i64([[1, 0], [2, 3]])]),
    ("any_dim_keep", "a.any(0, keepdim=True)", [f64([[0.0, 0.0], [NAN, 0.0]], grad=False)]),
    ("all_bool", "(a > 0).all(dim=-1)", [f64(X, grad=False)]),
    ("prod", "T.prod(a)", [f64(X)]),
    ("prod_dim", "T.prod(a, 1)", [f64([[1.0, 0.0, 3.0], [2.0, 2.0, 2.0], [0.0, 0.0, 1.0]])]),
    ("prod_keep", "a.prod(dim=0, keepdim=True)", [f64(X)]),
    ("prod_int", "T.prod(a)", [i64([2, 3, 4])]),
    ("prod_dtype", "T.prod(a, 0, dtype=T.float64)", [i64([2, 3, 4])]),
    ("prod_bool", "T.prod(a > 0, 1)", [f64(X, grad=False)]),
    ("cumsum", "T.cumsum(a, dim=1)", [f64(X)]),
    ("cumsum0", "a.cumsum(0)", [f64(X)]),
    ("cumsum_int", "T.cumsum(a, 0)", [i64([1, 2, 3])]),
    ("cumsum_bool", "T.cumsum(a > 0, 1)", [f64(X, grad=False)]),
    ("cumsum_dtype", "T.cumsum(a, 0, dtype=T.float64)", [i64([1, 2, 3])]),
    ("cumprod", "T.cumprod(a, 1)", [f64(X)]),
    ("cumprod_zeros", "T.cumprod(a, dim=-1)", [f64([[1.0, 2.0, 0.0, 4.0, 0.0, 3.0], [0.0, 2.0, 3.0, 0.5, 1.5, 2.0],
                                                    [1.5, 0.5, 2.0, 1.0, 3.0, 0.0]])]),
    ("logsumexp", "T.logsumexp(a, dim=1)", [f64(X)]),
    ("logsumexp_tuple", "T.logsumexp(a, (0, 1), keepdim=True)", [f64(X)]),
    ("logsumexp_big", "a.logsumexp(0)", [f64([[1000.0, -INF], [1000.0, -INF], [-1000.0, 5.0]])]),
    ("logsumexp_int", "T.logsumexp(a, 0)", [i64([1, 2, 3])]),
    ("norm", "T.norm(a)", [f64(X)]),
    ("norm_dim", "a.norm(dim=1)", [f64(X)]),
    ("norm_p1", "T.norm(a, p=1, dim=0, keepdim=True)", [f64(X)]),
    ("norm_inf", "T.norm(a, p=float('inf'), dim=1)", [f64([[1.0, -3.0, 3.0], [-2.0, 0.5, 1.0]])]),
    ("norm_neginf", "T.norm(a, p=-float('inf'))", [f64(X)]),
    ("norm_p3", "T.norm(a, p=3)", [f64(X)]),
    ("norm_p0", "T.norm(a, p=0)", [f64([[1.0, 0.0], [0.0, 2.0]], grad=False)]),
    ("norm_fro_dims", "T.norm(a, 'fro', dim=(0, 1))", [f64(X)]),
    ("norm_zero", "T.norm(a)", [f64([0.0, 0.0, 0.0])]),
    ("dist", "T.dist(a, b)", [f64(X), f64(Y)]),
    ("dist_p1", "a.dist(b, p=1)", [f64(X), f64(Y)]),
    ("count_nonzero", "T.count_nonzero(a)", [f64([[1.0, 0.0], [0.0, 2.0]], grad=False)]),
    ("count_nonzero_dim", "a.count_nonzero(dim=0)", [i64([[0, 1], [2, 3]])]),
    ("nansum", "T.nansum(a)", [f64([[1.0, NAN], [2.0, 3.0]])]),
    ("nansum_dim", "a.nansum(dim=1, keepdim=True)", [f64([[1.0, NAN], [2.0, 3.0]])]),
    ("nanmean", "T.nanmean(a)", [f64([[1.0, NAN], [2.0, 3.0]])]),
    ("nanmean_dim", "T.nanmean(a, dim=1)", [f64([[1.0, NAN], [NAN, NAN], [2.0, 3.0]])]),
    ("var_mean", "T.var_mean(a)", [f64(X)]),
    ("var_mean_dim", "T.var_mean(a, dim=1, correction=0, keepdim=True)", [f64(X)]),
    ("var_mean_unbiased", "T.var_mean(a, 0, False)", [f64(X)]),
    ("std_mean", "T.std_mean(a, 1)", [f64(X)]),
    ("std_mean_const", "T.std_mean(a, dim=0)", [f64([[1.0, 2.0], [1.0, 3.0]])]),
    ("trace", "T.trace(a)", [f64(X)]),
    ("trace_tall", "a.trace()", [f64([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])]),
    ("trace_int", "T.trace(a)", [i64([[1, 2], [3, 4]])]),
    ("aminmax", "T.aminmax(a)", [f64(X)]),
    ("aminmax_dim", "a.aminmax(dim=1, keepdim=True)", [f64(X)]),
    ("aminmax_ties", "T.aminmax(a, dim=0)", [f64([[1.0, 2.0], [1.0, 2.0], [0.5, 3.0]])]),
    ("median", "T.median(a)", [f64(X)]),
    ("median_odd", "T.median(a)", [f64([3.0, 1.0, 4.0, 2.0, 5.0])]),
    ("median_dim", "T.median(a, 1)", [f64([[1.0, 5.0, 2.0, 4.0], [0.0, -1.0, 7.0, 3.0]])]),
    ("median_dim_keep", "a.median(dim=0, keepdim=True)", [f64(X)]),
    ("median_nan", "T.median(a, 1)", [f64([[1.0, NAN, 2.0], [3.0, 1.0, 2.0]])]),
    ("median_int", "T.median(a)", [i64([5, 1, 4, 2])]),
    ("mode", "T.mode(a)", [f64([3.0, 1.0, 3.0, 1.0, 2.0])]),
    ("mode_dim", "a.mode(1)", [f64([[3.0, 1.0, 3.0, 1.0, 2.0], [5.0, 5.0, 4.0, 4.0, 4.0]])]),
    ("mode_dim0_keep", "T.mode(a, 0, keepdim=True)", [i64([[1, 2], [1, 3], [2, 3]])]),
    ("diff", "T.diff(a)", [f64(X)]),
    ("diff_n2_dim0", "T.diff(a, n=2, dim=0)", [f64([[1.0, 2.0], [4.0, 3.0], [9.0, 1.0]])]),
    ("diff_prepend", "a.diff(dim=1, prepend=b, append=c)", [f64(X), f64([[1.0], [2.0]]), f64([[0.5, 0.0], [1.0, 2.0]])]),
    ("diff_int", "T.diff(a, n=2)", [i64([1, 3, 6, 10])]),
    ("diff_bool", "T.diff(a > 0)", [f64([1.0, -1.0, -2.0, 3.0], grad=False)]),
    # ---------------------------------------------------------------- more pointwise, aliases
    ("asin", "T.asin(a)", [f64(UNIT)]),
    ("acos", "a.acos()", [f64(UNIT)]),
    ("atan", "T.atan(a)", [f64(X)]),
    ("asinh", "T.asinh(a)", [f64(X)]),
    ("acosh", "T.acosh(a)", [f64([1.5, 2.0, 10.0])]),
    ("atanh", "T.arctanh(a)", [f64(UNIT)]),
    ("arcsin_method", "a.arcsin()", [f64(UNIT)]),
    ("logit", "T.logit(a)", [f64([0.1, 0.5, 0.75, 0.99])]),
    ("logit_eps", "a.logit(eps=0.2)", [f64([0.1, 0.5, 0.75, 0.95])]),
    ("signbit", "T.signbit(a)", [f64([-1.0, -0.0, 0.0, 2.0, -INF], grad=False)]),
    ("add_alpha", "T.add(a, b, alpha=0.5)", [f64(X), f64(Y)]),
    ("sub_alpha", "a.sub(b, alpha=2)", [f64(X), f64(Y)]),
    ("rsub", "T.rsub(a, b, alpha=3)", [f64(X), f64(Y)]),
    ("rsub_scalar", "T.rsub(a, 2.0)", [f64(X)]),
    ("div_floor", "T.div(a, b, rounding_mode='floor')", [f64(X), f64(Y)]),
    ("div_trunc", "a.div(b, rounding_mode='trunc')", [f64(X), f64(Y)]),
    ("div_trunc_int", "T.div(a, b, rounding_mode='trunc')", [i64([-7, 7, -6, 5]), i64([2, -2, 3, 5])]),
    ("div_floor_int", "T.divide(a, 2, rounding_mode='floor')", [i64([-7, 7, -6, 5])]),
    ("multiply", "T.multiply(a, b)", [f64(X), f64(Y)]),
    ("subtract", "T.subtract(a, b)", [f64(X), f64(Y)]),
    ("absolute", "T.absolute(a)", [f64(X)]),
    ("negative", "a.negative()", [f64(X)]),
    ("greater", "T.greater(a, b)", [f64(X, grad=False), f64(Y, grad=False)]),
    ("less_equal", "a.less_equal(0.3)", [f64(X, grad=False)]),
    # ---------------------------------------------------------------- running extremes, order stats
    ("cummax", "T.cummax(a, 0)", [f64([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 4.0])]),
    ("cummin_dim1", "a.cummin(dim=1)", [f64([[3.0, 1.0, 1.0, 2.0], [0.5, 0.7, -1.0, -1.0]])]),
    ("cummax_int", "T.cummax(a, 0)", [i64([1, 3, 2, 5])]),
    ("logcumsumexp", "T.logcumsumexp(a, 1)", [f64(X)]),
    ("logcumsumexp_spread", "a.logcumsumexp(0)", [f64([-1000.0, 1000.0, 0.5, -INF])]),
    ("kthvalue", "T.kthvalue(a, 2)", [f64(X)]),
    ("kthvalue_dim0", "a.kthvalue(1, dim=0, keepdim=True)", [f64(X)]),
    ("nanmedian", "T.nanmedian(a)", [f64([1.0, NAN, 3.0, 2.0])]),
    ("nanmedian_dim", "T.nanmedian(a, 1)", [f64([[1.0, NAN, 3.0, 2.0], [4.0, 0.5, NAN, NAN]])]),
    ("quantile", "T.quantile(a, 0.25)", [f64(X)]),
    ("quantile_dim", "T.quantile(a, b, dim=1, keepdim=True)", [f64([[1.0, 7.0, 3.0, 4.0], [2.0, 0.5, 9.0, -1.0]]),
                                                             f64([0.1, 0.5, 0.9], grad=False)]),
    ("quantile_lower", "a.quantile(0.4, dim=0, interpolation='lower')", [f64([[1.0, 7.0], [3.0, 4.0], [2.0, 0.5]])]),
    ("quantile_nearest", "T.quantile(a, b, interpolation='nearest')", [f64([1.0, 7.0, 3.0, 4.0, 2.5]),
                                                                        f64([0.125, 0.375, 0.625], grad=False)]),
    ("quantile_midpoint", "T.quantile(a, 0.3, dim=1, interpolation='midpoint')", [f64(X)]),
    ("quantile_nan", "T.quantile(a, 0.5, dim=1)", [f64([[1.0, NAN, 3.0], [1.0, 2.0, 3.0]])]),
    ("special_ndtr", "T.special.ndtr(a)", [f64(X)]),
    ("special_ndtri", "T.special.ndtri(a)", [f64([0.025, 0.3, 0.5, 0.975])]),
    ("special_entr", "T.special.entr(a)", [f64([0.0, 0.5, -0.1, 2.0])]),
    ("special_expit", "T.special.expit(a)", [f64(X)]),
    ("special_xlogy", "T.special.xlogy(a, b)", [f64(POS), f64(POS)]),
    ("nanquantile", "T.nanquantile(a, 0.75, dim=1)", [f64([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN]])]),
]


def _weights(n):
    return 1 + 0.5 * torch.cos(torch.arange(n, dtype=torch.float64))


def _record(t):
    if isinstance(t, torch.Tensor):
        return {"values": t.tolist(), "dtype": str(t.dtype).replace("torch.", ""),
                "shape": list(t.shape)}
    return {"python": t}


def run(name, expr, specs):
    inputs = [torch.tensor(v, dtype=getattr(torch, dt), requires_grad=g) for v, dt, g in specs]
    env = {"T": torch, "math": math, **dict(zip("abc", inputs))}
    out = eval(expr, env)
    outs = list(out) if isinstance(out, tuple) else [out]
    case = {"name": name, "expr": expr, "inputs": specs, "outputs": [_record(o) for o in outs]}
    diff = [o for o in outs if isinstance(o, torch.Tensor) and o.requires_grad]
    if diff:
        loss = sum((o * _weights(o.numel()).reshape(o.shape).to(o.dtype)).sum() for o in diff)
        loss.backward()
        case["grads"] = [(x.grad + 0).tolist() if x.grad is not None else None for x in inputs]
    return case


def main():
    cases = [run(*c) for c in CASES]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=None) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
