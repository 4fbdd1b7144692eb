"""Gather/scatter, index_*, masks, triangles and diagonals, reordering and joining,
search and counting, products and pn.linalg, against PyTorch on every backend.

Each case of tests/reference/indexops_cases.py runs here with ``m = portanet`` and must
give the values, dtypes, shapes and gradients that PyTorch gave for the same expression
(tests/reference/gen_indexops_reference.py wrote them).
"""
import json
import math
import re
import pathlib
import sys

import numpy as np
import pytest

import portanet as pn

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "reference"))
from indexops_cases import CASES, INPUTS  # noqa: E402

REF = json.loads((HERE / "fixtures" / "indexops" / "reference.json").read_text())["cases"]


def _ramp(n):
    return [(i % 7 + 1) / 7 for i in range(n)]


def _flat(v):
    if isinstance(v, pn.Tensor):
        return [v]
    if isinstance(v, (tuple, list)):
        return [t for x in v for t in _flat(x)]
    return []


def _compare(got, want, where):
    if "tensor" in want:
        assert isinstance(got, pn.Tensor), f"{where}: expected a Tensor, got {type(got).__name__}"
        assert list(got.shape) == want["shape"], f"{where}: shape {got.shape} != {want['shape']}"
        assert str(got.dtype).replace("portanet.", "") == want["dtype"], \
            f"{where}: dtype {got.dtype} != {want['dtype']}"
        np.testing.assert_allclose(np.asarray(got.tolist(), dtype=np.float64).reshape(want["shape"]),
                                   np.asarray(want["tensor"], dtype=np.float64).reshape(want["shape"]),
                                   rtol=1e-10, atol=1e-12, err_msg=where)
    elif "seq" in want:
        assert isinstance(got, (tuple, list)) and len(got) == len(want["seq"]), \
            f"{where}: expected a sequence of {len(want['seq'])}, got {got!r}"
        for i, (g, w) in enumerate(zip(got, want["seq"])):
            _compare(g, w, f"{where}[{i}]")
    else:
        g = list(got) if isinstance(got, tuple) else got
        assert g == want["py"], f"{where}: {got!r} != {want['py']!r}"


@pytest.mark.parametrize("name,expr", CASES, ids=[c[0] for c in CASES])
def test_as_pytorch(backend, name, expr):
    env = {k: pn.tensor(v, dtype=pn.float64, requires_grad=True) for k, v in INPUTS.items()}
    out = eval(expr, {"m": pn, **env})
    want = REF[name]
    _compare(out, want, name)
    loss = None
    for t in _flat(out):
        if t.requires_grad:
            w = pn.tensor(_ramp(t.numel()), dtype=pn.float64).reshape(t.shape)
            term = (t * w).sum()
            loss = term if loss is None else loss + term
    grads = want.get("grads", {})
    assert (loss is None) == (not grads), f"{name}: on the graph here {loss is not None}, " \
                                          f"in PyTorch {bool(grads)}"
    if loss is None:
        return
    loss.backward()
    for k, t in env.items():
        if k in grads:
            assert t.grad is not None, f"{name}: no gradient for {k}"
            np.testing.assert_allclose(pn.to_numpy(t.grad), np.asarray(grads[k]), rtol=1e-9,
                                       atol=1e-12, err_msg=f"{name}: gradient of {k}")
        else:
            assert t.grad is None or not np.any(pn.to_numpy(t.grad)), f"{name}: {k} got a gradient"


# ------------------------------------------------------------------ gradchecks of the primitives
def _x(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return pn.tensor(rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape),
                     dtype=pn.float64, requires_grad=True)


GRADCHECKS = {
    "gather": (lambda x: pn.gather(x, 1, pn.tensor([[0, 0, 2], [1, 2, 1]])), [(2, 3)]),
    "scatter_add": (lambda x, s: x.scatter_add(0, pn.tensor([[1, 0, 1]]), s), [(2, 3), (1, 3)]),
    "scatter": (lambda x, s: x.scatter(1, pn.tensor([[2, 0], [0, 1]]), s), [(2, 3), (2, 2)]),
    "scatter_reduce_prod": (lambda x, s: x.scatter_reduce(0, pn.tensor([0, 0, 1]), s, "prod"), [(2,), (3,)]),
    "scatter_reduce_amax": (lambda x, s: x.scatter_reduce(0, pn.tensor([0, 0, 1]), s, "amax"), [(2,), (3,)]),
    "index_add": (lambda x, s: x.index_add(1, pn.tensor([2, 2]), s), [(2, 3), (2, 2)]),
    "masked_scatter": (lambda x, s: x.masked_scatter(pn.tensor([True, False, True]), s), [(3,), (4,)]),
    "flip": (lambda x: pn.flip(x, (0, 1)), [(2, 3)]),
    "roll": (lambda x: pn.roll(x, (1, 2), (0, 1)), [(2, 3)]),
    "vector_norm_2": (lambda x: pn.linalg.vector_norm(x, dim=1), [(2, 3)]),
    "vector_norm_p3": (lambda x: pn.linalg.vector_norm(x, 3, dim=0), [(2, 3)]),
    "cdist": (lambda a, b: pn.cdist(a, b), [(2, 3), (4, 3)]),
    "cdist_mm": (lambda a, b: pn.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), [(2, 3), (4, 3)]),
    "inv": (lambda a: pn.linalg.inv(a + 3 * pn.eye(3, dtype=pn.float64)), [(3, 3)]),
    "solve": (lambda a, b: pn.linalg.solve(a + 3 * pn.eye(3, dtype=pn.float64), b), [(3, 3), (3, 2)]),
    "det": (lambda a: pn.linalg.det(a), [(3, 3)]),
    "slogdet": (lambda a: pn.linalg.slogdet(a + 3 * pn.eye(3, dtype=pn.float64)).logabsdet, [(3, 3)]),
    "diag_embed": (lambda x: pn.diag_embed(x, 1), [(2, 2)]),
    "unfold": (lambda x: x.unfold(1, 2, 1), [(2, 4)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck(backend, name):
    fn, shapes = GRADCHECKS[name]
    inputs = [_x(*s, seed=i) for i, s in enumerate(shapes)]
    assert pn.testing.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


# ------------------------------------------------------------------ errors
def _errors():
    X = pn.ones(3, 4)
    i = pn.tensor([[0, 1]])
    return [
        (lambda: pn.gather(X, 1, pn.tensor([[0.0]])), RuntimeError, "gather(): Expected dtype int64 for index, got float32"),
        (lambda: pn.gather(X, 1, pn.tensor([0, 1])), RuntimeError, "Index tensor must have the same number of dimensions"),
        (lambda: pn.gather(X, 0, pn.zeros(4, 5, dtype=pn.int64)), RuntimeError, "Size does not match at dimension 1"),
        (lambda: pn.gather(X, 2, i), IndexError, r"gather: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
        (lambda: pn.gather(X, 1, i, sparse_grad=True), ValueError, "gather: sparse_grad=True is not supported"),
        (lambda: pn.gather(X, 1, [[0]]), TypeError, "gather\\(\\): argument 'index' must be Tensor, not list"),
        (lambda: X.scatter(1, i), TypeError, "scatter\\(\\): missing the argument 'src'"),
        (lambda: X.scatter(1, i, pn.ones(1, 2, dtype=pn.float64)), RuntimeError, "Expected self.dtype to be equal to src.dtype"),
        (lambda: X.scatter(1, i, pn.ones(1, 1)), RuntimeError, "to be smaller size than src"),
        (lambda: X.scatter(1, i, 1.0, reduce="max"), RuntimeError, "reduce argument must be either add or multiply"),
        (lambda: X.scatter_reduce(1, i, X, "median"), RuntimeError, "reduce argument must be either sum, prod, mean, amax or amin, got 'median'"),
        (lambda: pn.take_along_dim(X, pn.tensor([0]), 1), RuntimeError, "input and indices should have the same number of dimensions"),
        (lambda: pn.take_along_dim(X, pn.zeros(2, 1, dtype=pn.int64), 1), RuntimeError, r"cannot be broadcast apart from dimension 1"),
        (lambda: X.index_select(0, pn.tensor([[0]])), IndexError, "index_select\\(\\): Index is supposed to be a vector"),
        (lambda: X.index_add(0, pn.tensor([0]), pn.ones(2, 4)), RuntimeError, r"index_add\(\): source must have shape \[1, 4\]"),
        (lambda: X.index_add(0, pn.tensor([0]), pn.ones(1, 4, dtype=pn.float64)), RuntimeError, "must have the same scalar type"),
        (lambda: X.index_fill(0, pn.tensor([0]), pn.ones(2)), RuntimeError, "only supports a 0-dimensional value tensor"),
        (lambda: X.masked_select(pn.ones(3, 4)), RuntimeError, "masked_select\\(\\): expected BoolTensor for mask"),
        (lambda: X.masked_scatter(X > 0, pn.ones(3, dtype=pn.int64)), RuntimeError, "expected self and source to have same dtypes"),
        (lambda: pn.tril(pn.ones(3)), RuntimeError, "tril: input tensor must have at least 2 dimensions"),
        (lambda: pn.triu(X, 1.5), TypeError, "triu: diagonal must be an integer, got float 1.5"),
        (lambda: pn.tril_indices(-1, 2), ValueError, "tril_indices: row must be a non-negative integer"),
        (lambda: pn.diag(pn.ones(2, 2, 2)), RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
        (lambda: pn.diagonal(X, 0, 1, 1), RuntimeError, "diagonal dimensions cannot be identical 1, 1"),
        (lambda: pn.diag_embed(X, 0, 1, -2), RuntimeError, "diagonal dimensions cannot be identical 1, -2"),
        (lambda: pn.fliplr(pn.ones(3)), RuntimeError, "fliplr: Input must be >= 2-d."),
        (lambda: pn.flipud(pn.tensor(1.0)), RuntimeError, "flipud: Input must be >= 1-d."),
        (lambda: pn.flip(X, (0, 0)), ValueError, "flip: dims \\(0, 0\\) names an axis twice"),
        (lambda: pn.roll(X, (1, 2), 0), RuntimeError, "roll: shifts and dimensions must align. shifts: 2, dims: 1"),
        (lambda: pn.roll(X, (1, 2)), RuntimeError, "roll: shifts and dimensions must align. shifts: 2, dims: 0"),
        (lambda: pn.rot90(X, 1, (0, 0)), RuntimeError, "expected rotation dims to be different"),
        (lambda: pn.rot90(X, 1, (0,)), RuntimeError, "expected total rotation dims == 2, but got dims = 1"),
        (lambda: pn.movedim(X, (0, 1), 0), RuntimeError, "movedim: Invalid source or destination dims"),
        (lambda: pn.narrow(X, 0, 2, 2), RuntimeError, r"narrow: start \(2\) \+ length \(2\) exceeds dimension size \(3\)"),
        (lambda: pn.narrow(X, 0, 5, 1), IndexError, r"narrow: start \(5\) out of range"),
        (lambda: pn.select(X, 1, 4), IndexError, r"select\(\): index 4 out of range for tensor of size \[3, 4\] at dimension 1"),
        (lambda: pn.unflatten(X, 1, (3, 2)), RuntimeError, r"unflatten: Provided sizes \[3, 2\] don't multiply up to the size of dim 1 \(4\)"),
        (lambda: X.unfold(1, 5, 1), RuntimeError, "unfold: maximum size for tensor at dimension 1 is 4 but size is 5"),
        (lambda: X.unfold(1, 2, 0), ValueError, "unfold: step must be a positive integer, got 0"),
        (lambda: pn.repeat_interleave(X, pn.tensor([1, 2]), dim=0), RuntimeError, "repeats must have the same size as input along dim"),
        (lambda: pn.repeat_interleave(X, -1), ValueError, "repeat_interleave: repeats must be a non-negative integer"),
        (lambda: pn.tile(X, (-1,)), RuntimeError, "tile: dims must be non-negative integers"),
        (lambda: pn.hstack(X), TypeError, r"hstack\(\): argument 'tensors' must be tuple of Tensors, not Tensor"),
        (lambda: pn.vstack([]), RuntimeError, r"vstack\(\): expects a non-empty TensorList"),
        (lambda: pn.broadcast_shapes((2,), (3,)), RuntimeError, "Shape mismatch: objects cannot be broadcast to a single shape"),
        (lambda: pn.broadcast_tensors(X, 1.0), TypeError, r"broadcast_tensors\(\): expected Tensors, got float"),
        (lambda: pn.where(X > 0, 1.0), TypeError, r"where\(\): expected both input and other, or neither"),
        (lambda: pn.where(X > 0, X, "a"), TypeError, r"where\(\): expected a Tensor or a number, got str"),
        (lambda: pn.unique(X, dim=2), IndexError, r"unique: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
        (lambda: pn.searchsorted(X, pn.ones(2, 2)), RuntimeError, "boundaries tensor should be 1 dimension or the first N-1 dimensions"),
        (lambda: pn.searchsorted(pn.ones(3), pn.ones(2), right=True, side="left"), RuntimeError, "side and right can't be set to opposites"),
        (lambda: pn.searchsorted(pn.ones(3), pn.ones(2), side="middle"), ValueError, "searchsorted: side must be one of"),
        (lambda: pn.bucketize(pn.ones(2), X), RuntimeError, r"bucketize: boundaries tensor must be 1 dimension, but got dim\(2\)"),
        (lambda: pn.bincount(pn.ones(3)), RuntimeError, "bincount only supports 1-d non-negative integral inputs"),
        (lambda: pn.bincount(pn.tensor([1, -1])), RuntimeError, "bincount only supports 1-d non-negative integral inputs."),
        (lambda: pn.bincount(pn.tensor([1, 2]), weights=pn.ones(3)), RuntimeError, "weights should be 1-d and have the same length as input"),
        (lambda: pn.histc(pn.tensor([1, 2])), RuntimeError, "histc: expected a floating-point input, got portanet.int64"),
        (lambda: pn.histc(X, min=2, max=1), RuntimeError, "histc: max must be larger than min"),
        (lambda: pn.histc(X, bins=0), ValueError, "histc: bins must be a positive integer, got 0"),
        (lambda: pn.mm(X, X), RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 3x4\)"),
        (lambda: pn.mm(pn.ones(3), X), RuntimeError, r"mm: self must be a 2D tensor, got 1D"),
        (lambda: pn.mm(X, pn.ones(4, 2, dtype=pn.float64)), RuntimeError, "mm: expected portanet.float32 and portanet.float64 to be the same dtype"),
        (lambda: pn.mv(X, pn.ones(3)), RuntimeError, r"size mismatch, got input \(3\), mat \(3x4\), vec \(3\)"),
        (lambda: pn.dot(pn.ones(2), pn.ones(3)), RuntimeError, "inconsistent tensor size, expected tensor \\[2\\] and src \\[3\\]"),
        (lambda: pn.inner(X, pn.ones(3)), RuntimeError, "inner\\(\\) the last dimension must match on both input tensors"),
        (lambda: pn.outer(X, pn.ones(3)), RuntimeError, "outer: input must be a 1D tensor, got 2D"),
        (lambda: pn.addmm(pn.ones(2), X, pn.ones(4, 3)), RuntimeError, r"addmm: the input of shape \[2\] cannot be broadcast to the product's shape \[3, 3\]"),
        (lambda: pn.baddbmm(pn.ones(1), X, X), RuntimeError, "baddbmm: batch1 must be a 3D tensor, got 2D"),
        (lambda: pn.addbmm(pn.ones(1), pn.ones(2, 3, 4), pn.ones(2, 3, 4)), RuntimeError, r"addbmm: expected batch1 \(b, n, m\) and batch2 \(b, m, p\)"),
        (lambda: pn.tensordot(X, X, dims=([0], [1])), RuntimeError, "contracted dimensions need to match, but first has size 3 in dim 0 and second has size 4 in dim 1"),
        (lambda: pn.tensordot(X, X, dims=([0, 1], [1])), RuntimeError, "both dimension lists should have same length"),
        (lambda: pn.tensordot(X, X, dims=-1), RuntimeError, "tensordot expects dims >= 0, but got dims=-1"),
        (lambda: pn.cross(X, X, dim=1), RuntimeError, "linalg.cross: inputs dimension 1 must have length 3. Got 4 and 4"),
        (lambda: pn.cross(pn.ones(2, 2), pn.ones(2, 2)), RuntimeError, r"no dimension of size 3 in input \(shape \[2, 2\]\)"),
        (lambda: pn.cdist(pn.ones(3), X), RuntimeError, "cdist only supports at least 2D tensors, X1 got: 1D"),
        (lambda: pn.cdist(X, pn.ones(2, 3)), RuntimeError, "X1 and X2 must have the same number of columns. X1: 4 X2: 3"),
        (lambda: pn.cdist(X, X, p=-1), RuntimeError, "cdist only supports non-negative p values, got -1"),
        (lambda: pn.cdist(X, X, compute_mode="fast"), ValueError, "fast is not a valid value for compute_mode"),
        (lambda: pn.chain_matmul(), RuntimeError, r"chain_matmul\(\): Expected one or more matrices"),
        (lambda: pn.linalg.multi_dot([X]), RuntimeError, r"multi_dot\(\): expected at least 2 tensors but got 1"),
        (lambda: pn.linalg.vector_norm(pn.tensor([1, 2])), RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got portanet.int64"),
        (lambda: pn.linalg.vector_norm(X, "fro"), RuntimeError, "linalg.vector_norm: ord must be a number, got 'fro'"),
        (lambda: pn.linalg.matrix_norm(X, "nuc"), NotImplementedError, "linalg.matrix_norm: ord='nuc' needs singular values"),
        (lambda: pn.linalg.matrix_norm(X, 3), RuntimeError, "linalg.matrix_norm: Order 3 not supported."),
        (lambda: pn.linalg.matrix_norm(pn.ones(3)), RuntimeError, "The input tensor A must have at least 2 dimensions, got 1"),
        (lambda: pn.linalg.norm(pn.ones(2, 2, 2), 1), RuntimeError, "If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
        (lambda: pn.linalg.inv(X), RuntimeError, "linalg.inv: A must be batches of square matrices, but they are 3 by 4 matrices"),
        (lambda: pn.linalg.det(pn.ones(2, 2, dtype=pn.int64)), RuntimeError, "linalg.det: Expected a floating point tensor as input. Got portanet.int64"),
        (lambda: pn.linalg.solve(pn.eye(3), pn.ones(2)), RuntimeError, "linalg.solve: Incompatible shapes of A and B for the equation AX = B"),
        (lambda: pn.linalg.solve(pn.eye(3), pn.ones(3), left=False), NotImplementedError, "linalg.solve: left=False is not supported"),
    ]


def test_errors_name_function_argument_and_values(backend):
    bad = []
    for fn, exc, pattern in _errors():
        try:
            fn()
            bad.append(f"no error, expected {exc.__name__}: {pattern}")
        except Exception as e:  # noqa: BLE001 - every mismatch listed at once
            msg = str(e)
            if type(e) is not exc or not (pattern in msg or re.search(pattern, msg)):
                bad.append(f"{type(e).__name__}: {msg!r}, expected {exc.__name__}: {pattern!r}")
    assert not bad, "\n".join(bad)


def test_index_range_checks(backend):
    """Out-of-range indices are data-value checks (deferred on accelerators, raised at
    the next read): PyTorch's exception types, the function named."""
    X = pn.ones(3, 4)
    for fn, exc, pattern in [
            (lambda: X.gather(1, pn.tensor([[4]])), RuntimeError, r"gather\(\): index out of bounds for dimension 1 with size 4"),
            (lambda: X.scatter_add(0, pn.tensor([[-1]]), X), RuntimeError, r"scatter_add\(\): index out of bounds for dimension 0 with size 3"),
            (lambda: X.index_select(0, pn.tensor([3])), IndexError, r"index_select\(\): index out of range in self"),
            (lambda: X.masked_scatter(X > 0, pn.ones(5)), RuntimeError, "masked_scatter_: expected the mask's number of True values to be at most source.numel\\(\\) = 5")]:
        with pytest.raises(exc, match=pattern):
            with pn.checks.strict():
                fn()
            pn.checks.flush()


def test_inplace_forms_change_the_tensor_and_stamp_versions(backend):
    x = pn.zeros(2, 3)
    v0 = x._version
    y = x.scatter_(1, pn.tensor([[2], [0]]), 1.0)
    assert y is x and x._version > v0
    assert x.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    leaf = pn.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        leaf.index_fill_(0, pn.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        leaf.unsqueeze_(0)


def test_scatter_duplicates_last_wins(backend):
    """PyTorch leaves the winner of repeated positions undefined; portanet picks the last."""
    out = pn.zeros(3).scatter(0, pn.tensor([1, 1, 1, 0]), pn.tensor([1.0, 2.0, 3.0, 4.0]))
    assert out.tolist() == [4.0, 3.0, 0.0]
    out = pn.zeros(2, 2).index_copy(0, pn.tensor([1, 1]), pn.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert out.tolist() == [[0.0, 0.0], [3.0, 4.0]]
    assert pn.zeros(3).put(pn.tensor([2, 2]), pn.tensor([1.0, 5.0])).tolist() == [0.0, 0.0, 5.0]


def test_where_scalar_dtypes(backend):
    c = pn.tensor([True, False])
    assert pn.where(c, 1.0, 0.0).dtype == pn.float32
    assert pn.where(c, 1, 0.5).dtype == pn.float32
    assert pn.where(c, True, False).dtype == pn.bool
    assert pn.where(c, pn.tensor([1, 2], dtype=pn.float64), 0).dtype == pn.float64
    assert not math.isnan(pn.where(c, 1.0, float("nan"))[0].item())


def test_a_step_with_the_new_ops_reads_nothing(host_syncs, backend):
    """gather/scatter/index_*/masked_scatter/where/cdist/norms/solve in a forward and
    backward: no read back from the device (their range checks are deferred)."""
    x = pn.randn(4, 3, requires_grad=True)
    idx = pn.tensor([[0, 2, 1], [1, 1, 0], [3, 0, 2], [2, 3, 3]])
    col, rows, zeros = pn.tensor([[2], [0], [1], [1]]), pn.tensor([3, 0]), pn.tensor([0, 0])
    base, eye = pn.zeros(4, 3), pn.eye(2) * 2
    with host_syncs() as syncs:
        y = pn.gather(x, 0, idx) + base.scatter_add(0, idx, x)
        y = y.scatter(1, col, 0.5).index_select(0, rows)
        y = y.index_add(1, zeros, y[:, :2]).masked_scatter(y > 0, x.reshape(-1))
        z = pn.where(y > 0, y, 0.0).tril() + pn.cdist(x, x[:2]).sum() + pn.linalg.vector_norm(y)
        z = z + pn.linalg.solve(eye + y[:, :2] @ y[:, :2].T, y).sum()
        z.flip(0).roll(1, 1).sum().backward()
    syncs.assert_at_most(0, "forward and backward of the indexops ops")


def test_put_errors(backend):
    X = pn.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"put\(\): Expected source and index to have the same number of elements"):
        X.put(pn.tensor([0, 1]), pn.ones(3))
    with pytest.raises(IndexError, match=r"put\(\): index out of range for a tensor of 4 elements"):
        with pn.checks.strict():
            X.put(pn.tensor([4]), pn.ones(1))
