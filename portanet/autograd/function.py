"""The tape: ``Function`` nodes record what backward needs; ``backward`` walks them.

Each primitive subclasses :class:`Function` and writes ``forward(xp, *arrays, **params)``
and ``backward(xp, grad_out)`` side by side (see ``portanet/ops``).  A node keeps only the
arrays its backward needs, and drops them once backward has run unless the graph is
retained.

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

__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled"]


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
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

    ``forward(xp, *arrays, **params)`` gets raw arrays and returns one raw array.
    ``backward(xp, gy)`` returns one gradient (or ``None``) per tensor input, already
    reduced to that input's shape.  ``self.needs`` tells which inputs want a gradient,
    so backward can skip work.
    """

    __slots__ = ("inputs", "needs", "__dict__")

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
                res = _wrap(fn.forward(bk.xp, first.data, **params), bk, True)
                fn.inputs = inputs
                res._node = fn
                return res
            fn.needs = None
            return _wrap(fn.forward(bk.xp, first.data, **params), bk, False)
        if n == 2:
            second = inputs[1]
            if second._bk is not bk:
                _check_same_place(cls, first, second)
            if GRAD_MODE.enabled and (first.requires_grad or second.requires_grad):
                fn.needs = (first.requires_grad, second.requires_grad)
                res = _wrap(fn.forward(bk.xp, first.data, second.data, **params), bk, True)
                fn.inputs = inputs
                res._node = fn
                return res
            fn.needs = None
            return _wrap(fn.forward(bk.xp, first.data, second.data, **params), bk, False)
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
            res = _wrap(fn.forward(bk.xp, *[t.data for t in inputs], **params), bk, True)
            fn.inputs = inputs
            res._node = fn
            return res
        fn.needs = None
        return _wrap(fn.forward(bk.xp, *[t.data for t in inputs], **params), bk, False)

    def _name(self) -> str:
        return type(self).__name__


def _check_same_place(cls, a, b) -> None:
    if not a._bk.same_place(b._bk):
        raise BackendError(
            f"{cls.__name__}: cannot combine a tensor on {a._bk!r} with a tensor on "
            f"{b._bk!r}; move one with .to(backend) or pn.tensor(pn.to_numpy(x))")


def run_backward(root, grad, retain_graph: bool = False) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires a gradient.

    Unless ``retain_graph``, each node's saved arrays are released once it has run.
    """
    # Kahn's algorithm over the nodes (one per non-leaf tensor), as PyTorch's engine
    # does: first count, for each node reachable from the root, how many reachable
    # nodes consume its output; then run a node's backward once all its consumers have
    # handed it their gradients.  Iterative, so deep graphs (unrolled RNNs) cannot
    # overflow Python's recursion limit; nodes are dict keys by identity, no id() calls.
    top = root._node
    users = {top: 0}
    stack = [top]
    while stack:
        node = stack.pop()
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(
                "backward through a graph a second time: its saved arrays were freed; "
                "call backward(retain_graph=True) the first time")
        for t in inputs:
            prev = t._node
            if prev is not None:
                c = users.get(prev)
                if c is None:
                    users[prev] = 1
                    stack.append(prev)
                else:
                    users[prev] = c + 1
    xp = root._bk.xp
    grads = {top: grad}
    ready = [top]
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        inputs = node.inputs
        # a node that received no gradient (every path to it was cut) only releases
        # its inputs' counts
        in_grads = node.backward(xp, g) if g is not None else _NO_GRADS
        for t, ig in zip(inputs, in_grads):
            prev = t._node
            if prev is None:
                if ig is not None and t.requires_grad:
                    if t.grad is None:
                        t.grad = _wrap(ig, t._bk, False)
                    else:
                        t.grad.data = t.grad.data + ig
                continue
            if ig is not None and t.requires_grad:
                old = grads.get(prev)
                grads[prev] = ig if old is None else old + ig
            c = users[prev] - 1
            users[prev] = c
            if c == 0:
                ready.append(prev)
        if not retain_graph:
            node.inputs = None
            node.__dict__.clear()


_NEEDS_ONE = (True,)
_NO_GRADS = itertools.repeat(None)  # zip() with the inputs stops at the inputs
_new = object.__new__

from ..backend import BackendError  # noqa: E402
from .tensor import _wrap  # noqa: E402  (cycle: Tensor uses Function for its operators)
