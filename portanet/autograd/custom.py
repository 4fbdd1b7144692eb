"""``torch.autograd.Function``: user-defined ops with PyTorch's ``ctx`` API.

Exported as ``pn.autograd.Function``.  (portanet's own primitives subclass the internal
:class:`portanet.autograd.function.Function`, whose ``forward``/``backward`` take the
array namespace and raw arrays; this class is the PyTorch-facing one, on Tensors.)

A subclass writes two static methods on Tensors, both run under ``no_grad``:

* ``forward(ctx, *args, **kwargs)`` returns a Tensor or a tuple (Tensors and other
  values); or, in the ``setup_context`` style, ``forward(*args, **kwargs)`` plus
  ``setup_context(ctx, inputs, output)``;
* ``backward(ctx, *grad_outputs)`` returns one gradient per argument of ``forward``
  (``None`` for non-tensor arguments and for inputs that need none).

``Cls.apply(*args)`` runs it and records one node on the tape.  The ``ctx`` offers
``save_for_backward`` / ``saved_tensors`` (version-checked: a saved tensor modified in
place before backward raises, as in PyTorch), ``needs_input_grad``,
``mark_non_differentiable`` and ``set_materialize_grads``; any other attribute may be
set on it freely.  Departures from PyTorch: ``mark_dirty`` (in-place custom ops),
``jvp``/``vmap`` and double backward through a custom function are not supported
(refused with an error, never ignored).

Example:
    >>> class Exp(pn.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (y,) = ctx.saved_tensors
    ...         return gy * y
    >>> Exp.apply(pn.tensor([0.0], requires_grad=True)).sum().backward()
"""
from __future__ import annotations

import functools

from . import function as _fn
from .tensor import Tensor, wrap

__all__ = ["CustomFunction", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` of a custom Function: what forward leaves for backward.

    Example:
        >>> ctx.save_for_backward(x, w); ctx.scale = 2.0
    """

    def __init__(self, cls_name: str) -> None:
        self._name = cls_name
        self._saved = None
        self._materialize = True
        self._non_diff = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        """Keep Tensors (or ``None``) for backward; modifying one in place before backward
        makes :attr:`saved_tensors` raise, so no gradient uses changed values."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self._name}: save_for_backward can only save variables, but "
                                f"argument {i} is of type {type(t).__name__}")
        self._saved = tuple((t, None if t is None else t._version) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to :meth:`save_for_backward`, checked against in-place change."""
        if self._saved is None:
            return ()
        if self._saved is _FREED:
            raise RuntimeError(
                f"{self._name}: Trying to backward through the graph a second time (or directly "
                "access saved tensors after they have already been freed). Specify "
                "retain_graph=True if you need to backward through the graph a second time.")
        for i, (t, v) in enumerate(self._saved):
            if t is not None and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t.dtype} {list(t.shape)}], which is saved tensor "
                    f"{i} of {self._name}Backward, is at version {t._version}; expected version "
                    f"{v} instead (modified by {getattr(t, '_why', 'an in-place operation')}).")
        return tuple(t for t, _ in self._saved)

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs that get no gradient (indices, masks); backward receives zeros
        (or ``None`` without materialization) for them."""
        self._non_diff = tuple(outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """``True`` (default): backward gets zeros for outputs that received no gradient;
        ``False``: it gets ``None`` for them."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors) -> None:
        raise NotImplementedError(
            f"{self._name}: ctx.mark_dirty (custom in-place ops) is not supported in portanet; "
            "return a new tensor from forward instead of modifying an input")


_FREED = object()


class _CustomNode(_fn.Function):
    """The tape node of one ``CustomFunction.apply``: calls the user's backward."""

    saves_inputs = False  # the ctx checks what the user saved

    def name(self) -> str:
        return self.cls.__name__ + "Backward"

    def _name(self) -> str:
        return self.cls.__name__

    def backward(self, xp, *grads):
        ctx, bk = self.ctx, self.bk
        gs = []
        for g, (shape, dtype) in zip(grads, self.outs):
            if g is None and ctx._materialize:
                g = xp.zeros(shape, dtype=dtype, device=bk.device)
            gs.append(None if g is None else wrap(g, bk, False))
        with _fn.no_grad():
            res = self.cls.backward(ctx, *gs)
        if not isinstance(res, tuple):
            res = (res,)
        who = self.name()
        nargs = len(self.argmap)
        if len(res) < nargs or any(r is not None for r in res[nargs:]):
            raise RuntimeError(f"function {who} returned an incorrect number of gradients "
                               f"(expected {nargs}, got {len(res)})")
        out = [None] * len(self.inputs)
        for pos, slot in enumerate(self.argmap):
            r = res[pos]
            if slot is None:
                if r is not None:
                    raise RuntimeError(f"function {who} returned a gradient different than None "
                                       f"at position {pos + 1}, but the corresponding forward "
                                       "input was not a Variable")
                continue
            if r is None or not self.needs[slot]:
                continue
            if not isinstance(r, Tensor):
                raise TypeError(f"function {who} returned a {type(r).__name__} as the gradient "
                                f"at position {pos + 1}; expected a Tensor or None")
            out[slot] = _fit(xp, r.array, self.in_meta[slot], who, pos)
        return tuple(out)


def _fit(xp, g, meta, who: str, pos: int):
    """``g`` summed to the input's shape where it broadcasts to it, as PyTorch's engine
    validates a custom gradient; any other shape is an error."""
    shape, dtype = meta
    gshape = tuple(g.shape)
    if gshape != shape:
        lead = len(gshape) - len(shape)
        ok = lead >= 0 and all(a == b or b == 1 for a, b in zip(gshape[lead:], shape))
        if not ok:
            raise RuntimeError(f"Function {who} returned an invalid gradient at index {pos} - "
                               f"got {list(gshape)} but expected shape compatible with {list(shape)}")
        if lead:
            g = xp.sum(g, axis=tuple(range(lead)))
        axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape)) if a != b)
        if axes:
            g = xp.sum(g, axis=axes, keepdims=True)
    if g.dtype != dtype:
        g = xp.astype(g, dtype)
    return g


class CustomFunction:
    """Base class of user-defined differentiable ops (``torch.autograd.Function``).

    See the module docstring for the protocol; call ``Cls.apply(*args)``, never the
    class itself.

    Example:
        >>> class MulConst(pn.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x, c):
        ...         ctx.c = c
        ...         return x * c
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g * ctx.c, None
        >>> y = MulConst.apply(pn.ones(2, requires_grad=True), 3.0)
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("vjp is backward")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD "
                                  "(forward-mode AD is not supported in portanet).")

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError(f"{type(self).__name__}: Legacy autograd function with non-static "
                           "forward method is deprecated. Please use new-style autograd "
                           "function with static forward method; call "
                           f"{type(self).__name__}.apply(...)")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # ``vjp`` is an alias of ``backward``: a class defining only ``vjp`` works too
        if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:
            cls.backward = cls.__dict__["vjp"]

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and record the op for backward when any tensor
        argument requires a gradient."""
        tensors = [a for a in args if isinstance(a, Tensor)]
        for t in tensors[1:]:
            if t._bk is not tensors[0]._bk:
                _fn._check_same_place(cls, tensors[0], t)
        record = _fn.GRAD_MODE.enabled and any(t.requires_grad for t in tensors)
        ctx = FunctionCtx(cls.__name__)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad and record
                                     for a in args)
        split = cls.setup_context is not CustomFunction.setup_context
        with _fn.no_grad():
            if split:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not record:
            return output
        return _record(cls, ctx, args, tensors, output)


def _record(cls, ctx, args, tensors, output):
    """Attach ``output``'s tensors to one new node whose inputs are ``args``' tensors."""
    single = not isinstance(output, tuple)
    outs = [output] if single else list(output)
    node = _fn._new(_CustomNode)
    node.cls, node.ctx = cls, ctx
    node.bk = tensors[0]._bk
    slots, argmap = {}, []
    for a in args:
        if isinstance(a, Tensor):
            slots.setdefault(id(a), len(slots))
            argmap.append(slots[id(a)])
        else:
            argmap.append(None)
    uniq = list({id(t): t for t in tensors}.values())
    node.argmap = argmap
    node.needs = tuple(t.requires_grad for t in uniq)
    node.in_meta = [(t.shape, t.array.dtype) for t in uniq]
    node.inputs = _fn._edges(uniq)
    node.epoch = _fn.MUTATIONS.count
    non_diff = {id(t) for t in ctx._non_diff}
    ins = {id(t) for t in tensors}
    res, metas = [], []
    for o in outs:
        if not isinstance(o, Tensor):
            res.append(o)
            continue
        metas.append((tuple(o.array.shape), o.array.dtype))
        k = len(metas) - 1
        diff = id(o) not in non_diff and _fn._is_float(o._bk.xp, o.array.dtype)
        # an input returned as is becomes a new tensor (PyTorch makes a view of it): the
        # input keeps its own place in the graph
        t = wrap(o.array, o._bk, False) if id(o) in ins or o._node is not None else o
        if diff:
            t.requires_grad = True
            t._node = node
            t._out = k
        else:
            t.requires_grad = False
        res.append(t)
    node.outs = metas
    node._nout = len(metas) if metas else 1
    return res[0] if single else tuple(res)


def once_differentiable(fn):
    """Decorator for a custom Function's ``backward`` (``torch.autograd.function.
    once_differentiable``).  portanet always runs backward without recording (there is no
    double backward), so this only marks the intent.

    Example:
        >>> @staticmethod
        ... @once_differentiable
        ... def backward(ctx, g): ...
    """
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with _fn.no_grad():
            return fn(ctx, *args)
    return wrapper
