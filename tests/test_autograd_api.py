"""``pn.autograd``: custom Functions with PyTorch's ctx API, ``grad``, ``backward``,
``Tensor.backward(inputs=)``, anomaly mode.

Reference gradients are worked out by hand (polynomials) or by finite differences
(``pn.testing.gradcheck`` in float64).
"""
import numpy as np
import pytest

import portanet as pn
from portanet.autograd.function import once_differentiable


def _leaf(a, dtype="float64"):
    return pn.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, requires_grad=True)


def _np(t):
    return pn.to_numpy(t)


class Cube(pn.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x * x * ctx.scale, None


class SplitSum(pn.autograd.Function):
    """Two outputs, one non-differentiable integer-like mask, materialized grads."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.mark_non_differentiable  # attribute exists
        s, d = a + b, a - b
        mask = (a > b)
        ctx.mark_non_differentiable(mask)
        return s, d, mask

    @staticmethod
    @once_differentiable
    def backward(ctx, gs, gd, gmask):
        ctx.seen = (gs, gd, gmask)
        return gs + gd, gs - gd


def test_custom_function_values_and_grads(backend):
    x = _leaf([1.0, -2.0, 0.5])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward" and y.requires_grad
    np.testing.assert_allclose(_np(y), 2.0 * np.array([1.0, -8.0, 0.125]))
    (y * pn.tensor([1.0, 2.0, 3.0], dtype="float64")).sum().backward()
    np.testing.assert_allclose(_np(x.grad), 6.0 * np.array([1.0, 4.0, 0.25]) * [1, 2, 3])
    pn.testing.gradcheck(lambda t: Cube.apply(t, 0.5), [_leaf([0.3, -1.2, 2.0])])


def test_custom_function_multi_output_and_ctx_flags(backend):
    a, b = _leaf([1.0, 5.0]), pn.tensor([2.0, 3.0], dtype="float64")
    s, d, mask = SplitSum.apply(a, b)
    assert s.grad_fn is d.grad_fn and not mask.requires_grad
    assert s.grad_fn.ctx.needs_input_grad == (True, False)
    d.sum().backward()                       # s gets no gradient: materialized as zeros
    np.testing.assert_allclose(_np(a.grad), [1.0, 1.0])
    assert b.grad is None
    pn.testing.gradcheck(lambda a, b: SplitSum.apply(a, b)[0] * SplitSum.apply(a, b)[1],
                         [_leaf([1.0, 2.0]), _leaf([0.5, -1.0])])


def test_materialize_grads_off_and_setup_context_style(backend):
    class Pair(pn.autograd.Function):
        @staticmethod
        def forward(x):                      # setup_context style: no ctx in forward
            return x * 2.0, x * 3.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.set_materialize_grads(False)
            ctx.n_inputs = len(inputs)

        @staticmethod
        def backward(ctx, g1, g2):
            assert g1 is None and ctx.n_inputs == 1
            return g2 * 3.0

    x = _leaf([1.0, 2.0])
    _, y2 = Pair.apply(x)
    y2.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


def test_custom_function_no_record_and_identity_output(backend):
    class Ident(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5.0

    x = _leaf([1.0])
    with pn.no_grad():
        assert not Cube.apply(x, 2.0).requires_grad
    y = Ident.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [5.0])


def test_custom_function_broadcast_grad_is_reduced(backend):
    class Bcast(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return pn.ones((4, 2, 3), dtype=pn.float64)   # broadcasts to x's (2, 1)

    x = _leaf([[1.0], [2.0]])
    Bcast.apply(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [[12.0], [12.0]])


def test_custom_function_errors(backend):
    x = _leaf([1.0, 2.0])
    y = Cube.apply(x, 1.0)
    y.add_(1.0)                              # modifies the tensor it did not save: fine
    y.sum().backward()

    class SaveOut(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0]

    y = SaveOut.apply(x)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .*saved tensor 0 "
                                           r"of SaveOutBackward, is at version \d+; expected version"):
        y.sum().backward()

    class TooFew(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"function TooFewBackward returned an incorrect number "
                                           r"of gradients \(expected 2, got 1\)"):
        TooFew.apply(x, 2.0).sum().backward()

    class GradForConst(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="returned a gradient different than None at position 2"):
        GradForConst.apply(x, 2.0).sum().backward()

    class BadShape(pn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return pn.ones(3, dtype=pn.float64)

    with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got \[3\] "
                                           r"but expected shape compatible with \[2\]"):
        BadShape.apply(x).sum().backward()
    with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 0"):
        class SaveNum(pn.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3.0)
                return x
        SaveNum.apply(x)
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        Cube()


# ----------------------------------------------------------------- grad / backward
def test_grad_leaves_and_nonleaves_without_touching_grad(backend):
    x = _leaf([1.0, 2.0])
    y = x * x
    z = (y * 3.0).sum()
    gx, gy = pn.autograd.grad(z, [x, y], retain_graph=True)
    np.testing.assert_allclose(_np(gx), [6.0, 12.0])
    np.testing.assert_allclose(_np(gy), [3.0, 3.0])
    assert x.grad is None and y.grad is None
    (gx2,) = pn.autograd.grad([z, y.sum()], x, grad_outputs=[pn.tensor(2.0, dtype=pn.float64), None])
    np.testing.assert_allclose(_np(gx2), [14.0, 28.0])       # 2 * 6x + 2x
    a, b = _leaf([1.0, 2.0]).split(1)                         # outputs of a multi-output node
    ga, gb = pn.autograd.grad((a * 2.0 + b * 5.0).sum(), [a, b])
    assert (_np(ga), _np(gb)) == ([2.0], [5.0])


def test_grad_unused_and_errors(backend):
    x, w = _leaf([1.0]), _leaf([3.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        pn.autograd.grad((x * 2.0).sum(), [x, w], retain_graph=True)
    gx, gw = pn.autograd.grad((x * 2.0).sum(), [x, w], allow_unused=True, retain_graph=True)
    assert gw is None
    gx, gw = pn.autograd.grad((x * 2.0).sum(), [x, w], materialize_grads=True)
    np.testing.assert_allclose(_np(gw), [0.0])
    with pytest.raises(NotImplementedError, match="pn.autograd.grad: create_graph=True is not supported"):
        pn.autograd.grad((x * 2.0).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        pn.autograd.grad((x * 2.0).sum(), pn.tensor([1.0]))
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        pn.autograd.grad(pn.tensor(1.0), x)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        pn.autograd.grad(pn.cat([x, x]), x)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of \(2,\)"):
        pn.autograd.grad(x * 2.0, x, grad_outputs=pn.ones(2))
    with pytest.raises(TypeError, match="pn.autograd.grad: inputs must be a Tensor or a sequence"):
        pn.autograd.grad((x * 2.0).sum(), 3.0)
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        (x * 2.0).sum().backward(create_graph=True)


def test_backward_several_roots_and_inputs(backend):
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    pn.autograd.backward([(x * w).sum(), (x * x).sum()])
    np.testing.assert_allclose(_np(x.grad), [3.0 + 2.0, 4.0 + 4.0])
    np.testing.assert_allclose(_np(w.grad), [1.0, 2.0])
    x.grad = w.grad = None
    h = x * w
    (h * h).sum().backward(inputs=[w, h])                     # only these get .grad
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), 2.0 * np.array([3.0, 8.0]) * [1.0, 2.0])
    np.testing.assert_allclose(_np(h.grad), [6.0, 16.0])
    with pytest.raises(RuntimeError, match="'inputs' argument to backward\\(\\) cannot be empty"):
        (x * 2.0).sum().backward(inputs=[])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # NumPy's 1/0 in sqrt's backward
def test_detect_anomaly_names_the_node(backend):
    x = _leaf([0.0, 1.0])
    with pn.autograd.detect_anomaly():
        assert pn.autograd.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward' returned nan values in "
                                               r"its 0th output"):
            (x.sqrt() * 0.0).sum().backward()     # 0 * inf = nan
    assert not pn.autograd.is_anomaly_enabled()
    (x.sqrt() * 0.0).sum().backward()            # off: no check
    pn.autograd.set_detect_anomaly(True)
    try:
        assert pn.autograd.is_anomaly_enabled()
    finally:
        pn.autograd.set_detect_anomaly(False)
    assert not pn.autograd.is_anomaly_enabled()
