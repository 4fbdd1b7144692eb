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
from typing import Any, Iterator

__all__ = ["Function", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled"]


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return GRAD_MODE.enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager that switches gradient recording on or off."""
    prev = GRAD_MODE.enabled
    GRAD_MODE.enabled = bool(mode)
    try:
        yield
    finally:
        GRAD_MODE.enabled = prev


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
        first = inputs[0]
        bk = first._bk
        for t in inputs[1:]:
            if t._bk is not bk:
                _check_same_place(cls, first, t)
        fn = cls.__new__(cls)
        if GRAD_MODE.enabled:
            needs = tuple(t.requires_grad for t in inputs)
            record = True in needs
        else:
            record = False
        if record:
            fn.needs = needs
            out = fn.forward(bk.xp, *[t.data for t in inputs], **params)
            res = Tensor._wrap(out, bk, True)
            fn.inputs = inputs
            res._node = fn
            return res
        fn.needs = None
        return Tensor._wrap(fn.forward(bk.xp, *[t.data for t in inputs], **params), bk, False)

    def _name(self) -> str:
        return type(self).__name__


def _check_same_place(cls, a, b) -> None:
    if not a._bk.same_place(b._bk):
        raise BackendError(
            f"{cls.__name__}: cannot combine a tensor on {a._bk!r} with a tensor on "
            f"{b._bk!r}; move one with .to(backend) or pn.tensor(pn.to_numpy(x))")


def run_backward(root, grad) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires a gradient."""
    # Topological order over tensors that have a node (iterative DFS: deep graphs such
    # as unrolled RNNs would overflow Python's recursion limit).
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        node = t._node
        if node.inputs is None:
            raise RuntimeError(
                "backward through a graph a second time: its saved arrays were freed; "
                "call backward(retain_graph=True) the first time")
        for p in node.inputs:
            if p._node is not None and id(p) not in seen:
                stack.append((p, False))
    xp = root._bk.xp
    grads = {id(root): grad}
    retain = _RETAIN.flag
    for t in reversed(order):
        g = grads.pop(id(t), None)
        node = t._node
        if g is None:
            continue
        in_grads = node.backward(xp, g)
        for inp, ig in zip(node.inputs, in_grads):
            if ig is None or not inp.requires_grad:
                continue
            if inp._node is None:
                if inp.grad is None:
                    inp.grad = Tensor._wrap(ig, inp._bk, False)
                else:
                    inp.grad.data = inp.grad.data + ig
            else:
                k = id(inp)
                prev = grads.get(k)
                grads[k] = ig if prev is None else prev + ig
        if not retain:
            node.inputs = None
            node.__dict__.clear()


class _Retain:
    __slots__ = ("flag",)

    def __init__(self) -> None:
        self.flag = False


_RETAIN = _Retain()

from ..backend import BackendError  # noqa: E402
from .tensor import Tensor  # noqa: E402  (cycle: Tensor uses Function for its operators)
