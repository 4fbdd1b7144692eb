"""Writes into views reach the tensor they view, on every backend, as in PyTorch.

Expected values are worked by hand (and agree with PyTorch 2.x): JAX arrays are
immutable, and an in-place change on the graph rebinds the view, so portanet links each
view to its base (ops/viewlinks.py); before, these writes were lost on JAX, and on the
graph on every backend (values and gradients silently wrong)."""
import numpy as np
import pytest

import portanet as pn


def test_writes_into_views_without_graph_reach_the_base(backend):
    x = pn.zeros(2, 3)
    x.view(-1)[0] = 5.0            # x[0, 0]
    x.reshape(-1)[1] = 7.0         # x[0, 1]
    x[1].add_(1.0)                 # row 1 += 1
    x[:, 2].mul_(3.0)              # x[1, 2] = 3
    x.t()[0, 1] = 9.0              # x[1, 0]
    x.unsqueeze(0)[0, 0, 2] = -4.0  # x[0, 2]
    np.testing.assert_array_equal(pn.to_numpy(x), [[5, 7, -4], [9, 1, 3]])


def test_split_chunk_unbind_pieces_are_views(backend):
    c = pn.arange(6.0)
    c.chunk(3)[0].mul_(10.0)        # c[0:2] *= 10
    c.split([4, 2])[1].add_(100.0)  # c[4:6] += 100
    c.reshape(3, 2).unbind(1)[1].fill_(-1.0)  # c[1], c[3], c[5] = -1
    np.testing.assert_array_equal(pn.to_numpy(c), [0, -1, 2, -1, 104, -1])


def test_permute_view_and_contiguous_copy(backend):
    a = pn.arange(6.0).reshape(2, 3)
    a.permute(1, 0)[0, 1] = 50.0                # a[1, 0]
    a.transpose(0, 1).contiguous()[0, 0] = 99.0  # a copy: a unchanged
    a.contiguous()[0, 1] = -1.0                  # contiguous already: the same tensor
    np.testing.assert_array_equal(pn.to_numpy(a), [[0, -1, 2], [50, 4, 5]])


def test_inplace_on_views_of_graph_tensors_changes_values_and_gradients(backend):
    w = pn.ones(2, 3, requires_grad=True)
    g = w * 1
    g.view(-1).add_(1.0)       # 2 everywhere
    g.t().mul_(2.0)            # 4 everywhere, d/dw = 2
    g[0].add_(10.0)            # row 0: 14
    g.unsqueeze(0)[0, 1].sub_(1.0)  # row 1: 3
    (g * pn.tensor([[1.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(g), [[14, 14, 14], [3, 3, 3]])
    np.testing.assert_array_equal(pn.to_numpy(w.grad), [[2, 2, 2], [6, 6, 6]])


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_is_refused(backend):
    w = pn.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.view(-1).add_(1.0)
    with pn.no_grad():
        w.t().mul_(2.0)       # allowed under no_grad, and it reaches w
    np.testing.assert_array_equal(pn.to_numpy(w), np.full((2, 3), 2.0))


@pytest.mark.parametrize("index, want", [
    ((slice(None), slice(1, None)), False), ((slice(1, None),), True), ((0,), True),
    ((slice(None), 0), False), ((slice(0, 1), slice(None)), True),
    ((0, slice(1, 3)), True), ((slice(None), slice(None), 0), False),
])
def test_is_contiguous_follows_pytorch_strides(backend, index, want):
    x = pn.ones(2, 3, 4)
    assert x[index].is_contiguous() is want
    assert x.is_contiguous() and x.reshape(6, 4).is_contiguous()
    assert not x.transpose(0, 2).is_contiguous() and not x.permute(1, 0, 2).is_contiguous()
    assert x.permute(0, 1, 2).is_contiguous()


def test_views_from_narrow_select_movedim_and_diagonal(backend):
    x = pn.zeros(3, 4)
    x.narrow(1, 1, 2).fill_(1.0)     # columns 1, 2
    x.select(0, 2).fill_(2.0)        # row 2
    x.movedim(0, 1)[0, 0] = 7.0      # x[0, 0]
    x.diagonal()[1] = 9.0            # x[1, 1]
    x.diagonal(1).add_(1.0)          # x[0, 1], x[1, 2], x[2, 3]
    x.diagonal(-1).fill_(-1.0)       # x[1, 0], x[2, 1]
    np.testing.assert_array_equal(pn.to_numpy(x), [[7, 2, 1, 0], [-1, 9, 2, 0], [2, -1, 2, 3]])
    w = pn.ones(3, 3, requires_grad=True)
    g = w * 2
    g.diagonal().mul_(5.0)           # `A.diagonal().mul_(c)` on the graph
    g.sum().backward()
    want = np.full((3, 3), 2.0) + np.diag([8.0] * 3)
    np.testing.assert_array_equal(pn.to_numpy(g), want)
    np.testing.assert_array_equal(pn.to_numpy(w.grad), want)
