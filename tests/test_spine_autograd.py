"""Spine v2 of the tape: multi-output nodes, tensor and module hooks, version stamps that
catch a saved tensor modified in place, and grad mode per thread.

Reference gradients come from finite differences (gradcheck) or are worked out by hand.
"""
import threading

import numpy as np
import pytest

import portanet as pn
from portanet.autograd.function import Function


def _leaf(a, dtype="float64"):
    return pn.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, requires_grad=True)


# ------------------------------------------------------------ multi-output nodes
def test_split_chunk_unbind_gradcheck(backend):
    x = _leaf(np.arange(24.0).reshape(4, 6) / 7.0)
    pn.testing.gradcheck(lambda x: pn.concat([p * (i + 1.0) for i, p in
                                              enumerate(pn.split(x, [1, 2, 3], dim=1))], axis=1), [x])
    pn.testing.gradcheck(lambda x: pn.stack([p.tanh() * (i + 2.0) for i, p in
                                             enumerate(pn.chunk(x, 3, dim=0))][:1]), [x])
    pn.testing.gradcheck(lambda x: pn.stack([r * r * (i + 1.0) for i, r in enumerate(x.unbind(1))]), [x])


def test_split_is_one_node_and_unused_pieces_get_zero(backend):
    x = _leaf(np.arange(10.0).reshape(5, 2))
    a, b, c = pn.split(x, 2)        # sizes 2, 2, 1 as torch.split
    assert [t.shape for t in (a, b, c)] == [(2, 2), (2, 2), (1, 2)]
    assert a.grad_fn is b.grad_fn is c.grad_fn
    (b * 3.0).sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(x.grad), [[0, 0], [0, 0], [3, 3], [3, 3], [0, 0]])
    assert [t.shape for t in pn.chunk(x, 3)] == [(2, 2), (2, 2), (1, 2)]
    with pytest.raises(ValueError, match=r"split: sizes \[2, 2\] must .* sum to 5"):
        pn.split(x, [2, 2])
    with pytest.raises(ValueError, match="chunk: chunks must be a positive integer, got 0"):
        pn.chunk(x, 0)


class _SinCos(Function):
    """A two-output test primitive: (sin x, cos x)."""

    multi_output = True

    def forward(self, xp, x):
        self.x = x
        return xp.sin(x), xp.cos(x)

    def backward(self, xp, g_sin, g_cos):
        out = 0
        if g_sin is not None:
            out = out + g_sin * xp.cos(self.x)
        if g_cos is not None:
            out = out - g_cos * xp.sin(self.x)
        return (out,)


def test_two_output_function_gradcheck(backend):
    x = _leaf([0.3, -1.2, 2.0])
    pn.testing.gradcheck(lambda x: (lambda s, c: s * c + s)(*_SinCos.apply(x)), [x])


def test_graph_using_one_of_two_outputs(backend):
    x0 = np.array([0.3, -1.2, 2.0])
    for pick in (0, 1):
        x = _leaf(x0)
        outs = _SinCos.apply(x)
        (outs[pick] * 2.0).sum().backward()
        want = 2 * np.cos(x0) if pick == 0 else -2 * np.sin(x0)
        np.testing.assert_allclose(pn.to_numpy(x.grad), want, rtol=1e-12)
    x = _leaf(x0)
    s, c = _SinCos.apply(x)
    s.sum().backward(retain_graph=True)
    c.sum().backward()       # backward from the second output of the same node
    np.testing.assert_allclose(pn.to_numpy(x.grad), np.cos(x0) - np.sin(x0), rtol=1e-12)


def test_multi_output_without_grad_returns_plain_tensors(backend):
    with pn.no_grad():
        s, c = _SinCos.apply(_leaf([0.5]))
    assert not s.requires_grad and s.grad_fn is None


# ------------------------------------------------------------------ tensor hooks
def test_register_hook_rescales_and_removes(backend):
    x = _leaf([1.0, 2.0])
    y = x * x                                   # non-leaf
    seen = []
    h1 = y.register_hook(lambda g: seen.append(pn.to_numpy(g).tolist()) or g * 10.0)
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    np.testing.assert_allclose(pn.to_numpy(x.grad), [20.0, 40.0])
    h1.remove()
    x.grad = None
    y = x * x
    y.sum().backward()
    np.testing.assert_allclose(pn.to_numpy(x.grad), [2.0, 4.0])


def test_leaf_hook_sees_summed_gradient_once(backend):
    w = _leaf([3.0])
    calls = []
    w.register_hook(lambda g: calls.append(pn.to_numpy(g).tolist()) or g * 0.5)
    (w * 2.0 + w * 5.0).sum().backward()        # two uses: PyTorch's hook sees 7 once
    assert calls == [[7.0]]
    np.testing.assert_allclose(pn.to_numpy(w.grad), [3.5])


def test_hook_errors(backend):
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        pn.tensor([1.0]).register_hook(lambda g: g)
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    y = x * 2
    y.register_hook(lambda g: pn.ones(3, dtype="float64"))
    with pytest.raises(RuntimeError, match=r"hook returned a gradient of shape \(3,\), expected \(1,\)"):
        y.sum().backward()


def test_retain_grad(backend):
    x = _leaf([1.0, -2.0])
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(pn.to_numpy(h.grad), [6.0, -12.0])


def test_post_accumulate_hooks_fire_once_after_accumulation_in_backward_order(backend):
    model = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Tanh(), pn.nn.Linear(4, 2)).double()
    shared = model[0].weight
    order, grads_at_fire = [], {}
    names = {id(p): n for n, p in model.named_parameters()}

    def fire(p):
        order.append(names[id(p)])
        grads_at_fire[names[id(p)]] = pn.to_numpy(p.grad).copy()
    handles = [p.register_post_accumulate_grad_hook(fire) for p in model.parameters()]
    x = pn.randn(5, 3, dtype="float64")
    # the first layer's weight is used twice: its hook must wait for both contributions
    out = model(x).sum() + (shared * shared).sum()
    out.backward()
    assert sorted(order) == sorted(names.values()) and len(order) == 4
    # the last layer's parameters are final first: usable for bucketing in reverse order
    assert order.index("2.weight") < order.index("0.weight")
    for n, p in model.named_parameters():
        np.testing.assert_array_equal(grads_at_fire[n], pn.to_numpy(p.grad))
    # a second backward accumulates, and the hooks fire once more each
    order.clear()
    model(x).sum().backward()
    assert len(order) == 4
    for h in handles:
        h.remove()
    order.clear()
    model(x).sum().backward()
    assert order == []


# ------------------------------------------------------------------ module hooks
def test_module_forward_hooks(backend):
    lin = pn.nn.Linear(2, 2)
    model = pn.nn.Sequential(lin, pn.nn.ReLU())
    seen = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0.0,))
    h2 = lin.register_forward_hook(lambda m, args, out: seen.append(m) or out + 1.0)
    y = model(pn.ones(1, 2))
    assert seen == [lin]
    np.testing.assert_allclose(pn.to_numpy(y), np.maximum(pn.to_numpy(lin.bias) + 1.0, 0)[None])
    with h1, h2:
        pass                                   # handles are context managers too
    x = pn.ones(1, 2)
    np.testing.assert_allclose(pn.to_numpy(lin(x)), pn.to_numpy(pn.nn.functional.linear(x, lin.weight, lin.bias)))
    with pytest.raises(TypeError, match="hook must be callable"):
        lin.register_forward_hook(3)


# ------------------------------------------------------------- version stamps
def _tiny():
    model = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Tanh(), pn.nn.Linear(4, 1))
    return model, pn.optim.SGD(model.parameters(), lr=0.1)


def test_gan_pattern_raises_naming_the_op(backend):
    model, opt = _tiny()
    out = model(pn.randn(8, 3)).sum()
    out.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"saved for backward by Linear .*modified in place "
                                           r"by an optimizer step \(SGD\)"):
        out.backward()


def test_inplace_update_after_backward_is_fine(backend):
    model, opt = _tiny()
    x = pn.randn(8, 3)
    for _ in range(3):                           # the usual loop: forward, backward, step
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    # an update between two forwards: the second graph saw the new weights
    out1 = model(x).sum()
    out1.backward()
    opt.step()
    out2 = model(x).sum()
    out2.backward()


def test_inplace_change_of_unsaved_input_is_not_reported(backend):
    w = _leaf([1.0, 2.0])
    opt = pn.optim.SGD([w], lr=0.5)
    y = (w + 1.0).sum()          # add saves no input: changing w afterwards is harmless
    w.grad = pn.tensor([1.0, 1.0], dtype="float64")
    opt.step()
    y.backward()
    np.testing.assert_allclose(pn.to_numpy(w.grad), [2.0, 2.0])


def test_data_alias_writes_through(backend):
    w = _leaf([1.0, 2.0])
    d = w.data
    assert not d.requires_grad and d.grad_fn is None
    d._set_inplace(d.array * 0.5, "a test")
    np.testing.assert_allclose(pn.to_numpy(w), [0.5, 1.0])
    w.data = pn.tensor([7.0, 8.0], dtype="float64")
    np.testing.assert_allclose(pn.to_numpy(w), [7.0, 8.0])
    with pytest.raises(TypeError, match="Tensor.data: assign a Tensor"):
        w.data = [1.0, 2.0]


# ------------------------------------------------------------- per-thread state
def test_grad_mode_is_per_thread():
    model, opt = _tiny()
    x = pn.randn(4, 3)
    stop = threading.Event()
    failures = []

    def infer():
        while not stop.is_set():
            with pn.no_grad():
                model(x)

    t = threading.Thread(target=infer)
    t.start()
    try:
        for _ in range(300):
            try:
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
            except RuntimeError as e:  # backward on a graph-less output
                failures.append(e)
    finally:
        stop.set()
        t.join()
    assert failures == []


def test_new_thread_starts_with_grad_enabled():
    seen = []
    with pn.no_grad():
        t = threading.Thread(target=lambda: seen.append(pn.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_next_functions_walk_to_leaves(backend):
    w = _leaf([[1.0, 2.0]])
    x = pn.tensor([[3.0], [4.0]], dtype="float64")
    out = (x @ w).tanh().sum()
    node = out.grad_fn
    assert node.name() == "SumBackward"
    (tanh_node, _), = node.next_functions
    assert tanh_node.name() == "TanhBackward"
    (mm, _), = tanh_node.next_functions
    (const, _), (acc, _) = mm.next_functions
    assert const is None and acc.name() == "AccumulateGrad" and acc.variable is w
