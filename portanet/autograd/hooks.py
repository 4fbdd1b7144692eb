"""Tensor hooks: ``register_hook`` and ``register_post_accumulate_grad_hook``.

PyTorch's semantics:

* ``t.register_hook(fn)``: ``fn(grad) -> Tensor | None`` runs when the gradient of ``t``
  is computed, before it is used; a returned Tensor replaces the gradient.  On a leaf it
  sees the gradient summed over every use of the leaf in this backward, once.
* ``p.register_post_accumulate_grad_hook(fn)``: on leaves only; ``fn(p)`` runs once per
  backward, after ``p.grad`` holds everything this backward adds to it: the seam where
  data-parallel training starts exchanging a bucket of gradients while backward goes on.

Both return a :class:`RemovableHandle`.  Hooks cost nothing while none is registered:
hooks of a non-leaf tensor live on its node, which is then marked so that the engine's
one comparison per node sends it down the slow path; leaves with hooks are counted, and
the engine counts their incoming edges only while that count is non-zero.

Example:
    >>> h = w.register_hook(lambda g: g * 0.5)        # halve w's gradient
    >>> p.register_post_accumulate_grad_hook(lambda p: print("final", p.grad))
    >>> h.remove()
"""
from __future__ import annotations

import itertools

__all__ = ["RemovableHandle", "register_hook", "register_post_accumulate_grad_hook"]

_ids = itertools.count()


class _Count:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


HOOKED_LEAVES = _Count()  # leaves holding at least one hook


class RemovableHandle:
    """Returned by every ``register_*hook``: ``remove()`` unregisters the hook.

    Also a context manager that removes the hook on exit.

    Example:
        >>> with model.register_forward_hook(record):
        ...     model(x)
    """

    __slots__ = ("_table", "_id", "_on_remove")

    def __init__(self, table: dict, on_remove=None):
        self._table = table
        self._id = next(_ids)
        self._on_remove = on_remove

    @property
    def id(self) -> int:
        return self._id

    def remove(self) -> None:
        if self._table.pop(self._id, None) is not None and self._on_remove is not None:
            self._on_remove()

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> bool:
        self.remove()
        return False


class _LeafHooks:
    __slots__ = ("pre", "post")

    def __init__(self) -> None:
        self.pre: dict = {}
        self.post: dict = {}

    def empty(self) -> bool:
        return not self.pre and not self.post


def _leaf_hooks(t) -> _LeafHooks:
    h = t._hooks
    if h is None:
        h = t._hooks = _LeafHooks()
        HOOKED_LEAVES.count += 1
    return h


def _release(t):
    def on_remove():
        h = t._hooks
        if h is not None and h.empty():
            t._hooks = None
            HOOKED_LEAVES.count -= 1
    return on_remove


def register_hook(t, fn) -> RemovableHandle:
    """``Tensor.register_hook``: see the module docstring."""
    if not callable(fn):
        raise TypeError(f"register_hook: hook must be callable, got {type(fn).__name__}")
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node = t._node
    if node is None:
        table = _leaf_hooks(t).pre
        handle = RemovableHandle(table, _release(t))
    else:
        if node.inputs is None:
            raise RuntimeError("register_hook: the graph of this tensor was already freed by backward")
        d = node.__dict__
        per_output = d.setdefault("_pre_hooks", {})
        table = per_output.setdefault(getattr(t, "_out", 0), {})
        if "_epoch0" not in d:
            d["_epoch0"] = node.epoch
            node.epoch = -1  # never equal to the mutation count: the engine takes the slow path
        handle = RemovableHandle(table)
    table[handle._id] = fn
    return handle


def register_post_accumulate_grad_hook(t, fn) -> RemovableHandle:
    """``Tensor.register_post_accumulate_grad_hook``: see the module docstring."""
    if not callable(fn):
        raise TypeError("register_post_accumulate_grad_hook: hook must be callable, "
                        f"got {type(fn).__name__}")
    if t._node is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    table = _leaf_hooks(t).post
    handle = RemovableHandle(table, _release(t))
    table[handle._id] = fn
    return handle


def _call(fn, g, bk, where: str):
    out = fn(_wrap(g, bk, False))
    if out is None:
        return g
    arr = getattr(out, "array", None)
    if arr is None:
        raise TypeError(f"{where}: a hook must return a Tensor or None, got {type(out).__name__}")
    if tuple(arr.shape) != tuple(g.shape):
        raise RuntimeError(f"{where}: hook returned a gradient of shape {tuple(arr.shape)}, "
                           f"expected {tuple(g.shape)}")
    return arr


def run_node_hooks(node, g, bk):
    """Apply the hooks registered on the outputs of ``node`` to their gradients (arrays of
    backend ``bk``)."""
    table = node.__dict__.get("_pre_hooks")
    if not table or g is None:
        return g
    where = f"hook on the output of {node._name()}"
    if node._nout == 1:
        for fn in list(table.get(0, {}).values()):
            g = _call(fn, g, bk, where)
        return g
    g = list(g)
    for k, fns in table.items():
        for fn in list(fns.values()):
            if g[k] is not None:
                g[k] = _call(fn, g[k], bk, where)
    return g


def accumulate_leaf(t, g) -> None:
    """Run ``t``'s hooks around adding ``g`` (the whole gradient of this backward) to ``t.grad``."""
    h = t._hooks
    if h is not None:
        for fn in list(h.pre.values()):
            g = _call(fn, g, t._bk, "hook on a leaf tensor")
    if t.grad is None:
        t.grad = _wrap(g, t._bk, False)
    else:
        t.grad.array = t.grad.array + g
    if h is not None:
        for fn in list(h.post.values()):
            fn(t)


def leaf_edge(t, g, remaining: dict, pending: dict) -> None:
    """One edge into a hooked leaf: sum its gradient; after the last edge, accumulate."""
    if g is not None and t.requires_grad:
        old = pending.get(t)
        pending[t] = g if old is None else old + g
    c = remaining[t] - 1
    remaining[t] = c
    if c == 0:
        total = pending.pop(t, None)
        if total is not None:
            accumulate_leaf(t, total)


def _wrap(array, bk, requires_grad):
    # looked up at call time: tensor.py imports this module while it is being built
    return _tensor.wrap(array, bk, requires_grad)


from . import tensor as _tensor  # noqa: E402
