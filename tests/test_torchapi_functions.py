"""The functions and methods PyTorch scripts hit (issue 11 item 6), on every backend:
forward against NumPy, float64 gradcheck for each differentiable one, PyTorch's
argument names, and the errors."""
import inspect

import numpy as np
import pytest

import portanet as pn

R = np.random.default_rng(7)


def t64(a, grad=True):
    return pn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def np_(t):
    return pn.to_numpy(t)


GRAD_CASES = [
    ("sin", pn.sin, [R.uniform(-3, 3, (2, 3))], np.sin),
    ("cos", pn.cos, [R.uniform(-3, 3, (2, 3))], np.cos),
    ("tan", pn.tan, [R.uniform(-1, 1, (3,))], np.tan),
    ("sinh", pn.sinh, [R.uniform(-2, 2, (3,))], np.sinh),
    ("cosh", pn.cosh, [R.uniform(-2, 2, (3,))], np.cosh),
    ("atan2", pn.atan2, [R.uniform(-2, 2, (2, 3)), R.uniform(0.5, 2, (3,))], np.arctan2),
    ("bmm", pn.bmm, [R.normal(size=(2, 3, 4)), R.normal(size=(2, 4, 5))], np.matmul),
    ("einsum_matmul", lambda a, b: pn.einsum("ij,jk->ik", a, b),
     [R.normal(size=(2, 3)), R.normal(size=(3, 4))], lambda a, b: np.einsum("ij,jk->ik", a, b)),
    ("einsum_batch_sum", lambda a, b: pn.einsum("bij,bkj->bi", a, b),
     [R.normal(size=(2, 3, 4)), R.normal(size=(2, 5, 4))], lambda a, b: np.einsum("bij,bkj->bi", a, b)),
    ("einsum_outer", lambda a, b: pn.einsum("i,j", a, b), [R.normal(size=3), R.normal(size=4)], np.outer),
    ("einsum_three", lambda a, b, c: pn.einsum("ij,jk,kl->li", a, b, c),
     [R.normal(size=(2, 3)), R.normal(size=(3, 4)), R.normal(size=(4, 2))],
     lambda a, b, c: np.einsum("ij,jk,kl->li", a, b, c)),
    ("einsum_transpose_sum", lambda a: pn.einsum("ijk->kj", a), [R.normal(size=(2, 3, 4))],
     lambda a: np.einsum("ijk->kj", a)),
    ("expand", lambda a: a.expand(2, -1, 3), [R.normal(size=(4, 1))], lambda a: np.broadcast_to(a, (2, 4, 3))),
    ("repeat", lambda a: a.repeat(2, 1, 3), [R.normal(size=(2, 3))], lambda a: np.tile(a, (2, 1, 3))),
    ("clone", lambda a: a.clone(), [R.normal(size=(3,))], lambda a: a),
    ("t", lambda a: a.t(), [R.normal(size=(2, 3))], lambda a: a.T),
    ("swapaxes", lambda a: pn.swapaxes(a, 0, 2), [R.normal(size=(2, 3, 4))], lambda a: np.swapaxes(a, 0, 2)),
    ("view_as", lambda a, b: a.view_as(b), [R.normal(size=(6,)), R.normal(size=(2, 3))],
     lambda a, b: a.reshape(2, 3)),
    ("masked_fill", lambda a: a.masked_fill(pn.tensor([True, False, True]), 0.0), [R.normal(size=(2, 3))],
     lambda a: np.where([True, False, True], 0.0, a)),
    ("max_dim", lambda a: pn.max(a, 1).values, [R.permutation(12).reshape(3, 4) * 0.5],
     lambda a: a.max(1)),
    ("min_dim_keep", lambda a: a.min(0, keepdim=True)[0], [R.permutation(12).reshape(3, 4) * 0.5],
     lambda a: a.min(0, keepdims=True)),
    ("sort_desc", lambda a: pn.sort(a, 0, descending=True).values, [R.permutation(12).reshape(3, 4) * 0.5],
     lambda a: -np.sort(-a, 0)),
    ("topk", lambda a: pn.topk(a, 2).values, [R.permutation(12).reshape(3, 4) * 0.5],
     lambda a: -np.sort(-a, 1)[:, :2]),
    ("setitem", lambda a, v: _assigned(a, v), [R.normal(size=(3, 4)), R.normal(size=(4,))],
     lambda a, v: np.concatenate([a[:1] * 2, v[None], a[2:] * 2])),
    ("meshgrid_xy", lambda a, b: pn.meshgrid(a, b, indexing="xy")[0] * pn.meshgrid(a, b, indexing="xy")[1],
     [R.normal(size=3), R.normal(size=2)],
     lambda a, b: np.meshgrid(a, b, indexing="xy")[0] * np.meshgrid(a, b, indexing="xy")[1]),
]


def _assigned(a, v):
    y = a * 2
    y[1] = v
    return y


@pytest.mark.parametrize("name,fn,arrays,ref", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_forward_and_gradcheck(backend, name, fn, arrays, ref):
    inputs = [t64(a) for a in arrays]
    out = fn(*inputs)
    np.testing.assert_allclose(np_(out.detach()), ref(*arrays), rtol=1e-12, atol=1e-12)
    assert out.dtype == pn.float64
    assert pn.testing.gradcheck(fn, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_math_on_integers_gives_the_default_float(backend):
    assert pn.sin(pn.tensor([0, 1])).dtype == pn.float32


def test_einsum_refuses_what_it_does_not_support(backend):
    a = pn.ones(3, 3)
    with pytest.raises(ValueError, match=r"einsum\('ii->i'\): index repeated within one operand"):
        pn.einsum("ii->i", a)
    with pytest.raises(ValueError, match=r"ellipsis \('...'\) is not supported"):
        pn.einsum("...i->i", a)
    with pytest.raises(ValueError, match="2 operand subscripts for 1 tensors"):
        pn.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="subscripts 'ijk' for a tensor of 2 dimensions"):
        pn.einsum("ijk->i", a)


def test_creation_functions(backend):
    assert np_(pn.eye(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert pn.eye(2, dtype=pn.long).dtype == pn.int64
    assert pn.empty(2, 3).shape == (2, 3) and pn.empty((4,)).dtype == pn.float32
    x = pn.tensor([[1, 2]])
    assert np_(pn.full_like(x, 7)).tolist() == [[7, 7]] and pn.full_like(x, 7).dtype == pn.long
    assert pn.full((2,), 1.5).dtype == pn.float32 and pn.full((2,), 3).dtype == pn.int64
    pn.manual_seed(0)
    r = pn.rand_like(pn.zeros(2, 2, dtype=pn.float64))
    assert r.dtype == pn.float64 and r.shape == (2, 2)
    assert pn.randn_like(pn.zeros(3)).shape == (3,)
    n = pn.normal(0.0, 0.02, size=(500,))
    assert abs(float(np_(n).std()) - 0.02) < 0.004
    n2 = pn.normal(pn.zeros(3), pn.ones(3) * 1e-3)
    assert n2.shape == (3,) and np.abs(np_(n2)).max() < 0.01
    a = np.arange(3.0)
    assert np_(pn.from_numpy(a)).tolist() == [0.0, 1.0, 2.0] and pn.from_numpy(a).dtype == pn.float64
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        pn.from_numpy([1.0])
    assert pn.is_tensor(x) and not pn.is_tensor(a) and pn.numel(pn.zeros(2, 3)) == 6
    assert pn.arange(3, dtype=pn.float32).dtype == pn.float32
    assert pn.zeros(2, dtype=pn.long, requires_grad=False).dtype == pn.long
    g = pn.meshgrid(pn.arange(3), pn.arange(2))        # PyTorch's default: "ij"
    assert g[0].shape == (3, 2) and np_(g[1]).tolist() == [[0, 1]] * 3


def test_tensor_methods(backend):
    x = pn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.dim() == 2 and x.ndimension() == 2 and x.numel() == 6 and x.size(1) == 3
    assert x.size() == (2, 3) and x.contiguous() is x and x.reshape_as(pn.zeros(3, 2)).shape == (3, 2)
    assert x.expand_as(pn.zeros(4, 2, 3)).shape == (4, 2, 3)
    assert np_(x.eq(2.0)).sum() == 1 and np_(pn.ne(x, 2.0)).sum() == 5
    assert np_(pn.gt(x, 3)).sum() == 3 and np_(x.lt(3)).sum() == 2 and np_(x.ge(3)).sum() == 4
    assert np_(x.le(3)).sum() == 3
    assert x.pow(2).sum().item() == 91.0 and x[0, 0].item() == 1.0 and x.tolist()[1] == [4.0, 5.0, 6.0]
    assert x.flatten().shape == (6,) and x.unsqueeze(0).squeeze(0).shape == (2, 3)
    assert x.view(3, 2).shape == (3, 2) and x.transpose(0, 1).shape == (3, 2)
    assert pn.cat([x, x]).shape == (4, 3) and pn.stack([x, x], 1).shape == (2, 2, 3)


def test_inference_mode(backend):
    w = pn.tensor([1.0], requires_grad=True)
    with pn.inference_mode():
        assert not (w * 2).requires_grad
    with pn.inference_mode(False):
        assert (w * 2).requires_grad

    @pn.inference_mode()
    def f():
        return w * 2

    @pn.inference_mode
    def g():
        return w * 2
    assert not f().requires_grad and not g().requires_grad


# PyTorch's documented signatures (their builtins have no inspect.signature): names of the
# parameters, positional then keyword-only, that portanet must accept under those names
TORCH_SIGNATURES = {
    "linspace": ("start end steps", "dtype device requires_grad"),
    "logspace": ("start end steps base", "dtype device requires_grad"),
    "eye": ("n m", "dtype device requires_grad"),
    "zeros": ("size", "dtype device requires_grad"),
    "full": ("size fill_value", "dtype device requires_grad"),
    "full_like": ("input fill_value", "dtype device requires_grad"),
    "rand_like": ("input", "generator dtype device requires_grad"),
    "randperm": ("n", "generator dtype device requires_grad"),
    "randn": ("size", "generator dtype device requires_grad"),
    "argmax": ("input dim keepdim", ""),
    "argmin": ("input dim keepdim", ""),
    "amax": ("input dim keepdim", ""),
    "topk": ("input k dim largest sorted", ""),
    "sort": ("input dim descending", "stable"),
    "argsort": ("input dim descending", "stable"),
    "atan2": ("input other", ""),
    "bmm": ("input mat2", ""),
    "meshgrid": ("tensors", "indexing"),
}


@pytest.mark.parametrize("name", sorted(TORCH_SIGNATURES))
def test_argument_names_as_pytorch(name):
    params = inspect.signature(getattr(pn, name)).parameters
    pos, kw = (s.split() for s in TORCH_SIGNATURES[name])
    for p in pos:
        assert p in params and params[p].kind != inspect.Parameter.KEYWORD_ONLY, (name, p)
    for p in kw:
        assert p in params, (name, p)


def test_new_constructors_and_size(backend):
    x = pn.tensor([[1.0, 2.0]], dtype=pn.float64)
    assert x.size() == (1, 2) and repr(x.size()) == "portanet.Size([1, 2])" and x.size().numel() == 2
    assert x.new_zeros(3).dtype == pn.float64 and x.new_ones((2, 2)).shape == (2, 2)
    assert np_(x.new_full((2,), 5.0)).tolist() == [5.0, 5.0]
    assert x.new_tensor([1, 2]).dtype == pn.float64 and x.new_empty(4, dtype=pn.long).dtype == pn.long
