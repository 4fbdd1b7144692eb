"""The tensor-level API (``pn.exp``, ``pn.sum``, ``pn.sigmoid`` ...), re-exported from the
op families: each function lives in ``ops/<family>.py`` beside its ``Function`` and
registers its Tensor methods there.

Every function takes Tensors (Python numbers where noted) and returns a Tensor,
recording itself on the tape when an input requires a gradient.

Example:
    >>> x = pn.tensor([[1.0, -2.0]], requires_grad=True)
    >>> pn.relu(x).sum().backward()
"""
from __future__ import annotations

from .activations import elu, gelu, leaky_relu, relu, sigmoid, silu, softplus, tanh
from .arith import add, div, mul, neg, pow, square, sub
from .elementwise import abs, clamp, clip, exp, log, maximum, minimum, sqrt, where
from .indexing import getitem
from .linalg import linear, matmul
from .reduce import max, mean, min, std, sum, var
from .shape import (broadcast_to, cat, chunk, concat, flatten, permute, reshape, split, squeeze,
                    stack, transpose, unbind, unsqueeze)
from .softmax import log_softmax, softmax

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "sqrt", "abs",
    "clip", "clamp", "maximum", "minimum", "where", "reshape", "transpose", "permute",
    "flatten", "squeeze", "unsqueeze", "broadcast_to", "concat", "cat", "stack", "split",
    "chunk", "unbind", "sum",
    "mean", "max", "min", "var", "std", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
    "gelu", "silu", "softplus", "softmax", "log_softmax", "linear", "square",
]

# Index-returning reductions and sorting (issue 11): PyTorch's max/min with a dim return
# (values, indices); these replace the values-only forms above.
from .sorting import (amax, amin, argmax, argmin, argsort, max, min, return_types, sort,  # noqa: E402,F811
                      topk)
from . import inplace as _inplace  # noqa: E402,F401  (in-place methods, item assignment)
from .inplace import masked_fill  # noqa: E402
# Trigonometry, einsum and the everyday shape/copy conveniences (issue 11 item 6)
from .einsum import einsum  # noqa: E402
from .trig import arctan2, atan2, cos, cosh, sin, sinh, tan  # noqa: E402
from .views import bmm, clone, eq, ge, gt, le, lt, meshgrid, ne, swapaxes, swapdims, t  # noqa: E402

__all__ += ["amax", "amin", "argmax", "argmin", "argsort", "sort", "topk", "masked_fill",
            "einsum", "atan2", "arctan2", "sin", "cos", "tan", "sinh", "cosh", "bmm", "clone",
            "eq", "ne", "gt", "lt", "ge", "le", "meshgrid", "swapaxes", "swapdims", "t"]

# --- indexops (PyTorch breadth): gather/scatter, index_*, masks, triangles/diagonals,
# reordering/joining, search/counting, products and pn.linalg, small Tensor methods.
# ``where`` here replaces the one above: it also takes Python numbers and the one-argument form.
from . import tensor_extra as _tensor_extra  # noqa: E402,F401
from .index_dim import (index_add, index_copy, index_fill, index_select, masked_scatter,  # noqa: E402
                        masked_select)
from .joining import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors,  # noqa: E402
                      column_stack, dstack, hstack, row_stack, vstack)
from .linalg_extra import (addbmm, addmm, addmv, baddbmm, cdist, chain_matmul, cross, dot, ger,  # noqa: E402
                           inner, kron, mm, mv, outer, tensordot, vdot)
from .norms import det, inv as inverse, slogdet  # noqa: E402
from .reorder import (flip, fliplr, flipud, moveaxis, movedim, narrow, repeat_interleave, roll,  # noqa: E402
                      rot90, select, tile, unflatten)
from .scatter import gather, put, scatter, scatter_add, scatter_reduce, take, take_along_dim  # noqa: E402
from .tensor_extra import detach_  # noqa: E402
from .search import (argwhere, bincount, bucketize, histc, nonzero, searchsorted, unique,  # noqa: E402
                     unique_consecutive, where)
from .triangular import diag, diag_embed, diagflat, diagonal, tril, tril_indices, triu, triu_indices  # noqa: E402

__all__ += ["index_add", "index_copy", "index_fill", "index_select", "masked_scatter",
            "masked_select", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes",
            "broadcast_tensors", "column_stack", "dstack", "hstack", "row_stack", "vstack",
            "addbmm", "addmm", "addmv", "baddbmm", "cdist", "chain_matmul", "cross", "dot", "ger",
            "inner", "kron", "mm", "mv", "outer", "tensordot", "vdot", "det", "inverse", "slogdet",
            "flip", "fliplr", "flipud", "moveaxis", "movedim", "narrow", "repeat_interleave",
            "roll", "rot90", "select", "tile", "unflatten", "gather", "scatter", "scatter_add",
            "scatter_reduce", "take", "take_along_dim", "put", "detach_", "argwhere", "bincount", "bucketize",
            "histc", "nonzero", "searchsorted", "unique", "unique_consecutive", "tril",
            "tril_indices", "triu", "triu_indices", "diag", "diag_embed", "diagflat", "diagonal"]
# nnlayers (breadth): PyTorch's top-level forms of some nn functions (torch.selu, torch.prelu ...)
from .activations_extra import (celu, celu_, hardshrink, prelu, relu_, rrelu, rrelu_,  # noqa: E402
                                selu, selu_, threshold, threshold_)
from .distance import cosine_similarity, pairwise_distance  # noqa: E402
from .dropout_extra import alpha_dropout, feature_alpha_dropout  # noqa: E402
from .layers_extra import bilinear  # noqa: E402
from .norm_extra import rms_norm  # noqa: E402
__all__ += ["celu", "celu_", "hardshrink", "prelu", "relu_", "rrelu", "rrelu_", "selu", "selu_",
            "threshold", "threshold_", "cosine_similarity",
            "pairwise_distance", "alpha_dropout", "feature_alpha_dropout", "bilinear",
            "rms_norm"]
# spatial: torch.pixel_shuffle / pixel_unshuffle / channel_shuffle
from .pixel import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: E402

__all__ += ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]
# mathops (PyTorch breadth): pointwise math, rounding, logical/bitwise, comparisons,
# reductions, cumulative ops, sampling
from .pointwise import (deg2rad, erf, erfc, erfinv, exp2, expm1, frac, log1p, log2, log10,  # noqa: E402
                        nan_to_num, rad2deg, reciprocal, rsqrt, sinc)

__all__ += ["reciprocal", "rsqrt", "log10", "log2", "log1p", "expm1", "exp2", "erf", "erfc",
            "erfinv", "sinc", "deg2rad", "rad2deg", "frac", "nan_to_num"]
from .rounding import (ceil, fix, floor, floor_divide, fmod, remainder, round, sgn, sign,  # noqa: E402
                       true_divide, trunc)

__all__ += ["ceil", "floor", "round", "trunc", "fix", "sign", "sgn", "fmod", "remainder",
            "floor_divide", "true_divide"]
from .binary import (copysign, float_power, fmax, fmin, heaviside, hypot, lerp,  # noqa: E402
                     logaddexp, logaddexp2, xlogy)

__all__ += ["logaddexp", "logaddexp2", "hypot", "copysign", "xlogy", "fmax", "fmin", "lerp",
            "heaviside", "float_power", "addcmul", "addcdiv", "clamp_min", "clamp_max"]
from .logical import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, equal,  # noqa: E402
                      isclose, isfinite, isinf, isnan, isneginf, isposinf, isreal, logical_and,
                      logical_not, logical_or, logical_xor)

__all__ += ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "logical_and",
            "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
            "bitwise_xor", "bitwise_not", "isclose", "allclose", "equal"]
from .reduce_extra import aminmax, count_nonzero, dist, logsumexp, norm, prod, trace  # noqa: E402,F401
from .stats import nanmean, nansum, std_mean, var_mean  # noqa: E402
from .reduce_extra import all, any  # noqa: E402,A004
from .order_stats import median, mode  # noqa: E402
from .cumulative import cumprod, cumsum, diff  # noqa: E402

# (``norm`` is not in __all__: ``ops/__init__``'s star import would shadow the ``ops.norm``
# module; portanet/__init__.py exports it)
__all__ += ["all", "any", "prod", "logsumexp", "dist", "count_nonzero", "nansum",
            "nanmean", "var_mean", "std_mean", "trace", "aminmax", "median", "mode", "cumsum",
            "cumprod", "diff"]
from .sampling import bernoulli, multinomial, randint_like  # noqa: E402

__all__ += ["bernoulli", "multinomial", "randint_like"]
from .pointwise import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh,  # noqa: E402
                        asin, asinh, atan, atanh, logit, signbit)
# add/sub with alpha and div with rounding_mode replace the two-argument forms above
from .aliases import (absolute, add, addcdiv, addcmul, clamp_max, clamp_min, div, divide,  # noqa: E402,F811
                      greater, greater_equal, less, less_equal, multiply, negative, not_equal,
                      positive, rsub, sub, subtract)

__all__ += ["asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
            "arcsinh", "arccosh", "arctanh", "logit", "signbit", "rsub", "absolute", "negative",
            "positive", "multiply", "subtract", "divide", "greater", "greater_equal", "less",
            "less_equal", "not_equal"]
from .cumulative import cummax, cummin, logcumsumexp  # noqa: E402

__all__ += ["cummax", "cummin", "logcumsumexp"]
from .order_stats import kthvalue, nanmedian, nanquantile, quantile  # noqa: E402

__all__ += ["nanmedian", "kthvalue", "quantile", "nanquantile"]
