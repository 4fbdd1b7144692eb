"""The tape: ``Function`` nodes record what backward needs; ``backward`` walks them.

Each primitive subclasses :class:`Function` and writes ``forward(xp, *arrays, **params)``
and ``backward(xp, grad_out)`` side by side (see ``portanet/ops``).  A node keeps only the
arrays its backward needs, and drops them once backward has run unless the graph is
retained.

A node may have several outputs (``multi_output = True``): ``forward`` returns a tuple,
``apply`` returns a tuple of Tensors, and ``backward(xp, *grads)`` receives one gradient
per output, ``None`` for an output that received none.

Example:
    >>> class Square(Function):
    ...     def forward(self, xp, x):
    ...         self.x = x
    ...         return x * x
    ...     def backward(self, xp, gy):
    ...         return (2 * self.x * gy,)
    >>> y = Square.apply(pn.tensor([3.0], requires_grad=True))
"""
from __future__ import annotations

import contextlib
import itertools
import threading

from ..backend import BackendError
from ..backend.host import host_read as _host_read
from . import hooks as _hooks
from .version import MUTATIONS, check_saved_versions

__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled"]


class _GradMode(threading.local):
    """Grad mode per thread, as in PyTorch: ``no_grad`` in one thread leaves the others alone."""

    enabled = True  # the class attribute is every new thread's starting value


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad` (in this thread)."""
    return GRAD_MODE.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager (or decorator) that switches gradient recording on or off.

    A small class rather than ``@contextlib.contextmanager``: optimizers enter it at
    every step, and a generator-based manager costs several times more.

    Example:
        >>> with pn.set_grad_enabled(False):
        ...     y = model(x)      # y.requires_grad is False
    """

    __slots__ = ("mode", "prev")

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = None

    def __enter__(self) -> None:
        self.prev = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.mode

    def __exit__(self, *exc) -> bool:
        GRAD_MODE.enabled = self.prev
        return False

    def _recreate_cm(self) -> "set_grad_enabled":
        # as a decorator, a fresh manager per call, so recursion restores correctly
        return type(self)(self.mode)


def no_grad():
    """Context manager (or decorator) under which no graph is recorded.

    Example:
        >>> with pn.no_grad():
        ...     y = model(x)      # y.requires_grad is False
    """
    return set_grad_enabled(False)


def enable_grad():
    """Context manager that records a graph even inside :func:`no_grad`."""
    return set_grad_enabled(True)


class Function:
    """One differentiable primitive: override ``forward`` and ``backward``.

    ``forward(xp, *arrays, **params)`` gets raw arrays and returns one raw array (a tuple
    of arrays when the class sets ``multi_output = True``).  ``backward(xp, *grads)``
    returns one gradient (or ``None``) per tensor input, already reduced to that input's
    shape.  ``self.needs`` tells which inputs want a gradient, so backward can skip work.

    Class attributes a primitive may set:
        multi_output: forward returns a tuple; backward receives one gradient per output.
        saves_inputs: ``False`` for ops whose backward never reads its inputs' values
            (add, reshape, sum...): modifying such an input in place after the forward
            pass is then harmless and not reported.
    """

    __slots__ = ("inputs", "needs", "epoch", "__dict__")
    multi_output = False
    saves_inputs = True
    _nout = 1  # number of outputs, set per node by the multi-output apply

    # A node stands in its consumers' ``inputs`` for the tensor it made (an edge, as in
    # PyTorch): the tape then holds no intermediate array that backward does not need,
    # and an activation is freed as soon as the program and the ops that saved it let
    # go of it.  Leaves, and outputs of multi-output nodes, stay in ``inputs`` as
    # Tensors.  The engine reads these three names alike from both.
    requires_grad = True
    _out = 0

    @property
    def _node(self) -> "Function":
        return self

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("multi_output"):
            cls.apply = classmethod(_apply_multi)

    def forward(self, xp, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, xp, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors ``inputs`` and record it on the tape when needed."""
        # The hot path of every model: one- and two-input ops (most of them) are
        # spelled out so that a step of a small network spends its time in the arrays,
        # not in building tuples and lists.
        first = inputs[0]
        bk = first._bk
        fn = _new(cls)
        n = len(inputs)
        if n == 1:
            if first.requires_grad and GRAD_MODE.enabled:
                fn.needs = _NEEDS_ONE
                res = wrap(fn.forward(bk.xp, first.array, **params), bk, True)
                prev = first._node
                fn.inputs = inputs if prev is None or prev._nout != 1 else (prev,)
                fn.epoch = MUTATIONS.count
                res._node = fn
                return res
            fn.needs = None
            return wrap(fn.forward(bk.xp, first.array, **params), bk, False)
        if n == 2:
            second = inputs[1]
            if second._bk is not bk:
                _check_same_place(cls, first, second)
            if GRAD_MODE.enabled and (first.requires_grad or second.requires_grad):
                fn.needs = (first.requires_grad, second.requires_grad)
                res = wrap(fn.forward(bk.xp, first.array, second.array, **params), bk, True)
                a, b = first._node, second._node
                fn.inputs = inputs if a is None and b is None else (
                    first if a is None or a._nout != 1 else a,
                    second if b is None or b._nout != 1 else b)
                fn.epoch = MUTATIONS.count
                res._node = fn
                return res
            fn.needs = None
            return wrap(fn.forward(bk.xp, first.array, second.array, **params), bk, False)
        if n == 3:  # Linear with a bias, the hot path of every MLP
            second, third = inputs[1], inputs[2]
            if second._bk is not bk or third._bk is not bk:
                _check_same_place(cls, first, second)
                _check_same_place(cls, first, third)
            r1, r2, r3 = first.requires_grad, second.requires_grad, third.requires_grad
            if GRAD_MODE.enabled and (r1 or r2 or r3):
                fn.needs = (r1, r2, r3)
                res = wrap(fn.forward(bk.xp, first.array, second.array, third.array, **params),
                            bk, True)
                fn.inputs = (inputs if first._node is None and second._node is None
                             and third._node is None else _edges(inputs))
                fn.epoch = MUTATIONS.count
                res._node = fn
                return res
            fn.needs = None
            return wrap(fn.forward(bk.xp, first.array, second.array, third.array, **params),
                         bk, False)
        for t in inputs[1:]:
            if t._bk is not bk:
                _check_same_place(cls, first, t)
        if GRAD_MODE.enabled:
            needs = tuple([t.requires_grad for t in inputs])
            record = True in needs
        else:
            record = False
        if record:
            fn.needs = needs
            res = wrap(fn.forward(bk.xp, *[t.array for t in inputs], **params), bk, True)
            fn.inputs = _edges(inputs)
            fn.epoch = MUTATIONS.count
            res._node = fn
            return res
        fn.needs = None
        return wrap(fn.forward(bk.xp, *[t.array for t in inputs], **params), bk, False)

    def name(self) -> str:
        """The node's name as PyTorch spells ``grad_fn.name()`` (``"LinearBackward"``)."""
        return type(self).__name__ + "Backward"

    def _name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """``((node, output_index), ...)`` per input, as PyTorch's ``grad_fn.next_functions``:
        the node that made the input, an :class:`AccumulateGrad` for a leaf that requires a
        gradient, ``(None, 0)`` for a constant.  Empty once backward has freed the node.

        Example:
            >>> (x @ w).sum().grad_fn.next_functions[0][0].name()
            'MatMulBackward'
        """
        if self.inputs is None:
            return ()
        out = []
        for t in self.inputs:
            node = t._node
            if node is not None:
                out.append((node, t._out))
            elif t.requires_grad:
                out.append((AccumulateGrad(t), 0))
            else:
                out.append((None, 0))
        return tuple(out)


class AccumulateGrad:
    """Where a leaf's gradient lands, as PyTorch shows it in ``next_functions``."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad at {id(self):#x}>"


def _apply_multi(cls, *inputs, **params):
    """``apply`` of a multi-output Function: one Tensor per output, all on one node."""
    first = inputs[0]
    bk = first._bk
    for t in inputs[1:]:
        if t._bk is not bk:
            _check_same_place(cls, first, t)
    fn = _new(cls)
    needs = tuple([t.requires_grad for t in inputs])
    record = GRAD_MODE.enabled and True in needs
    fn.needs = needs if record else None
    outs = fn.forward(bk.xp, *[t.array for t in inputs], **params)
    if not record:
        return tuple([wrap(o, bk, False) for o in outs])
    fn.inputs = _edges(inputs)
    fn.epoch = MUTATIONS.count
    fn._nout = len(outs)
    res = []
    for k, o in enumerate(outs):
        # integer outputs (indices) take no gradient and hang off no node, as in PyTorch
        if _is_float(bk.xp, o.dtype):
            t = wrap(o, bk, True)
            t._node = fn
            t._out = k
        else:
            t = wrap(o, bk, False)
        res.append(t)
    return tuple(res)


def _edges(inputs) -> tuple:
    """``inputs`` as a node records them: each tensor made by a one-output node replaced
    by that node (see :class:`Function`)."""
    out = []
    for t in inputs:
        prev = t._node
        out.append(t if prev is None or prev._nout != 1 else prev)
    return tuple(out)


def _is_float(xp, dtype) -> bool:
    return dtype == xp.float32 or dtype == xp.float64 or dtype == getattr(xp, "float16", None)


def _check_same_place(cls, a, b) -> None:
    if not a._bk.same_place(b._bk):
        raise BackendError(
            f"{cls.__name__}: cannot combine a tensor on {a._bk!r} with a tensor on "
            f"{b._bk!r}; move one with .to(backend) or pn.tensor(pn.to_numpy(x))")


def run_backward(root, grad, retain_graph: bool = False, capture=None) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires a gradient.

    Unless ``retain_graph``, each node's saved arrays are released once it has run.
    With ``capture`` (``pn.autograd.grad``; see :mod:`portanet.autograd.grad_api`) no
    ``.grad`` is touched: the gradients of the tensors it names are summed into it.
    """
    # Kahn's algorithm over the nodes (one per op), as PyTorch's engine does: first
    # count, for each node reachable from the root, how many edges from reachable nodes
    # consume its outputs; then run a node's backward once all its consumers have handed
    # it their gradients.  Iterative, so deep graphs (unrolled RNNs) cannot overflow
    # Python's recursion limit; nodes are dict keys by identity, no id() calls.
    # A multi-output node's pending gradients are a list (one slot per output), created
    # when the node is first reached.
    top = root._node
    users = {top: 0}
    grads = {}
    hooked = {} if _hooks.HOOKED_LEAVES.count and capture is None else None  # leaf -> edges to come
    anomaly = ANOMALY.enabled
    stack = [top]
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (its saved arrays were "
                "freed after the first backward): call backward(retain_graph=True) the first time")
        for t in inputs:
            prev = t._node
            if prev is not None:
                c = users.get(prev)
                if c is None:
                    users[prev] = 1
                    stack.append(prev)
                    if prev._nout != 1:
                        grads[prev] = [None] * prev._nout
                else:
                    users[prev] = c + 1
            elif hooked is not None and t.requires_grad and t._hooks is not None:
                hooked[t] = hooked.get(t, 0) + 1
    if top._nout == 1:
        grads[top] = grad
    else:
        grads[top] = [None] * top._nout
        grads[top][root._out] = grad
    xp = root._bk.xp
    mutations = MUTATIONS.count
    pending = {}  # hooked leaf -> gradient summed over the edges seen so far
    ready = [top]
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        inputs = node.inputs
        if node.epoch != mutations:
            # something was modified in place since some forward, or this node carries
            # tensor hooks (their registration marks it): the checks stay off the hot path
            g = _hooks.run_node_hooks(node, g, root._bk)
            check_saved_versions(node)
        if capture is not None and node in capture.nodes:
            capture.take_node(node, g)
        # a node that received no gradient (every path to it was cut) only releases
        # its inputs' counts
        if g is None:
            in_grads = _NO_GRADS
        elif node._nout == 1:
            in_grads = node.backward(xp, g)
        elif any(x is not None for x in g):
            in_grads = node.backward(xp, *g)
        else:
            in_grads = _NO_GRADS
        if anomaly and in_grads is not _NO_GRADS:
            in_grads = _check_anomaly(node, in_grads, xp)
        for t, ig in zip(inputs, in_grads):
            prev = t._node
            if prev is None:
                if capture is not None:
                    if ig is not None and t in capture.leaves:
                        capture.take_leaf(t, ig)
                elif hooked is not None and t in hooked:
                    _hooks.leaf_edge(t, ig, hooked, pending)
                elif ig is not None and t.requires_grad:
                    if t.grad is None:
                        t.grad = wrap(ig, t._bk, False)
                    else:
                        t.grad.array = t.grad.array + ig
                continue
            if ig is not None and t.requires_grad:
                old = grads.get(prev)
                if old is None:
                    grads[prev] = ig
                elif type(old) is list:
                    k = t._out
                    old[k] = ig if old[k] is None else old[k] + ig
                else:
                    grads[prev] = old + ig
            c = users[prev] - 1
            users[prev] = c
            if c == 0:
                ready.append(prev)
        if not retain_graph:
            node.inputs = None
            node.__dict__.clear()


class _Anomaly(threading.local):
    """``pn.autograd.set_detect_anomaly``'s switch (per thread, as PyTorch's)."""

    enabled = False


ANOMALY = _Anomaly()


def _check_anomaly(node, in_grads, xp) -> tuple:
    """Anomaly mode: raise, naming the node, if its backward produced NaN.  Reads the
    device once per node: a debugging mode, slow by design (as PyTorch's)."""
    in_grads = tuple(in_grads)
    for i, ig in enumerate(in_grads):
        if (ig is not None and _is_float(xp, ig.dtype)
                and _host_read("detect_anomaly", bool, xp.any(xp.isnan(ig)))):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                               f"{i}th output.")
    return in_grads


_NEEDS_ONE = (True,)
_NO_GRADS = itertools.repeat(None)  # zip() with the inputs stops at the inputs
_new = object.__new__

from .tensor import wrap  # noqa: E402  (cycle: Tensor uses Function for its operators)


def inference_mode(mode=True):
    """``torch.inference_mode``: no graph is recorded inside (here the same as
    :func:`no_grad`; ``mode=False`` leaves recording on).  A context manager or a
    decorator, with or without the call.

    Example:
        >>> with pn.inference_mode():
        ...     y = model(x)
    """
    if callable(mode):           # @pn.inference_mode without parentheses
        return set_grad_enabled(False)(mode)
    return set_grad_enabled(not mode)


def __getattr__(name):
    # ``torch.autograd.function.once_differentiable`` / ``FunctionCtx`` live in custom.py
    # (which imports this module)
    if name in ("once_differentiable", "FunctionCtx"):
        from . import custom
        return getattr(custom, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
