"""``torch.autograd``'s functional entry points: ``grad``, ``backward``, anomaly mode.

:func:`grad` returns gradients without touching any ``.grad``; :func:`backward` is
``Tensor.backward`` for several roots at once.  Both run the tape's one engine
(:func:`portanet.autograd.function.run_backward`) over a synthetic root node whose
inputs are the given outputs, so a graph shared by several outputs runs once.

Departure from PyTorch: ``create_graph=True`` is refused (the backward pass runs on raw
arrays and records no graph, so there are no higher-order gradients), and hooks
registered on leaf tensors do not run during :func:`grad` (tensor hooks on non-leaf
tensors do).

Example:
    >>> x = pn.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = pn.autograd.grad((x * x).sum(), x)
    >>> g
    tensor([2., 4.])
"""
from __future__ import annotations

from typing import Any, Sequence

from . import function as _fn
from .tensor import Tensor, wrap

__all__ = ["grad", "backward", "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled"]


class _Roots(_fn.Function):
    """The synthetic root of a multi-output backward: hands each output its gradient."""

    saves_inputs = False

    def backward(self, xp, g):
        return self.grads


class _Capture:
    """What :func:`grad` asks the engine for: the gradients of ``inputs``, summed."""

    def __init__(self, inputs: Sequence[Tensor]) -> None:
        self.leaves: dict = {}
        self.nodes: dict = {}
        self.values: list = [None] * len(inputs)
        for i, t in enumerate(inputs):
            if t._node is None:
                self.leaves.setdefault(t, []).append(i)
            else:
                self.nodes.setdefault(t._node, []).append((getattr(t, "_out", 0), i))

    def _add(self, i: int, g) -> None:
        old = self.values[i]
        self.values[i] = g if old is None else old + g

    def take_leaf(self, t, g) -> None:
        for i in self.leaves[t]:
            self._add(i, g)

    def take_node(self, node, g) -> None:
        if g is None:
            return
        for k, i in self.nodes[node]:
            gk = g if node._nout == 1 else g[k]
            if gk is not None:
                self._add(i, gk)


def _as_seq(who: str, name: str, v) -> list:
    if isinstance(v, Tensor):
        return [v]
    if isinstance(v, (list, tuple)) and all(isinstance(t, Tensor) for t in v):
        return list(v)
    raise TypeError(f"{who}: {name} must be a Tensor or a sequence of Tensors, "
                    f"got {type(v).__name__}")


def _root_grads(who: str, outputs: list, grad_outputs) -> list:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{who}: got {len(grad_outputs)} gradients for {len(outputs)} outputs "
                           "(grad_outputs must match outputs one to one)")
    out = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        xp = t._bk.xp
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(f"{who}: grad can be implicitly created only for scalar "
                                   f"outputs (output {i} has shape {t.shape})")
            out.append(xp.ones(t.array.shape, dtype=t.array.dtype, device=t._bk.device))
            continue
        a = g.array if isinstance(g, Tensor) else t._bk.asarray(g, t.array.dtype)
        if tuple(a.shape) != t.shape:
            raise RuntimeError(f"{who}: Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{tuple(a.shape)} and output[{i}] has a shape of {t.shape}.")
        out.append(a)
    return out


def _run(who: str, outputs: list, grads: list, retain_graph: bool, capture) -> None:
    """One engine pass from all ``outputs`` at once."""
    first = outputs[0]
    root = _fn._new(_Roots)
    root.grads = tuple(grads)
    root.needs = tuple(t.requires_grad for t in outputs)
    root.inputs = _fn._edges(outputs)
    root.epoch = _fn.MUTATIONS.count
    for t in outputs[1:]:
        if not t._bk.same_place(first._bk):
            _fn._check_same_place(_Roots, first, t)
    top = wrap(first.array, first._bk, True)
    top._node = root
    _fn.run_backward(top, first.array, retain_graph, capture)  # the root's own gradient is unused


def _refuse_create_graph(who: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            f"{who}: create_graph=True is not supported: portanet's backward runs on raw "
            "arrays and records no graph, so higher-order gradients (double backward, "
            "gradient penalties) cannot be taken; use create_graph=False")


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Nothing is accumulated into any ``.grad``.

    Args:
        outputs: a Tensor or a sequence of Tensors to differentiate.
        inputs: a Tensor or a sequence of Tensors (leaves or not) to differentiate by.
        grad_outputs: the vector of the vector-Jacobian product, one per output (``None``
            for a one-element output means 1).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: refused when True (no higher-order gradients, see module notes).
        allow_unused: return ``None`` for an input the outputs do not depend on, instead
            of raising (implied by ``materialize_grads``).
        materialize_grads: return zeros instead of ``None`` for unused inputs.

    Returns:
        A tuple with one gradient Tensor (or ``None``) per input.

    Example:
        >>> w = pn.randn(3, requires_grad=True)
        >>> (gw,) = pn.autograd.grad((w ** 2).sum(), [w])
    """
    who = "pn.autograd.grad"
    _refuse_create_graph(who, create_graph)
    if is_grads_batched:
        raise NotImplementedError(f"{who}: is_grads_batched=True is not supported (no vmap)")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    outs = _as_seq(who, "outputs", outputs)
    ins = _as_seq(who, "inputs", inputs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad "
                               f"(inputs[{i}], shape {t.shape})")
    grads = _root_grads(who, outs, grad_outputs)
    cap = _Capture(ins)
    _run(who, outs, grads, bool(retain_graph), cap)
    res = []
    for i, (t, g) in enumerate(zip(ins, cap.values)):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   f"used in the graph (inputs[{i}], shape {t.shape}). Set "
                                   "allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                xp = t._bk.xp
                g = xp.zeros(t.array.shape, dtype=t.array.dtype, device=t._bk.device)
        res.append(None if g is None else wrap(g, t._bk, False))
    return tuple(res)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``
    (``torch.autograd.backward``): ``Tensor.backward`` for several roots in one pass.

    Args:
        tensors: a Tensor or a sequence of Tensors.
        grad_tensors: one gradient per tensor (``None`` for one-element tensors).
        retain_graph: keep the graph for another backward.
        create_graph: refused when True (see the module notes).
        inputs: accumulate only into these tensors' ``.grad`` (leaves or not).

    Example:
        >>> pn.autograd.backward([loss1, loss2])        # same as (loss1 + loss2).backward()
    """
    who = "pn.autograd.backward"
    _refuse_create_graph(who, create_graph)
    outs = _as_seq(who, "tensors", tensors)
    grads = _root_grads(who, outs, grad_tensors)
    if inputs is not None:
        ins = list({id(t): t for t in _as_seq(who, "inputs", inputs)}.values())  # each once
        if not ins:
            raise RuntimeError(f"{who}: 'inputs' argument to backward() cannot be empty.")
        for i, t in enumerate(ins):
            if not t.requires_grad:
                raise RuntimeError(f"{who}: inputs[{i}] (shape {t.shape}) does not require grad")
        cap = _Capture(ins)
        _run(who, outs, grads, bool(retain_graph), cap)
        for t, g in zip(ins, cap.values):
            if g is None:
                continue
            t.grad = wrap(g, t._bk, False) if t.grad is None else wrap(t.grad.array + g, t._bk, False)
        return
    _run(who, outs, grads, bool(retain_graph), None)


# ------------------------------------------------------------------ anomaly mode

def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return _fn.ANOMALY.enabled


class set_detect_anomaly:
    """Switch anomaly detection on or off (``torch.autograd.set_detect_anomaly``); a plain
    call, a context manager, or a decorator.

    While on, every backward node's gradients are checked for NaN, and the first node
    that produces one raises ``RuntimeError: Function 'MulBackward' returned nan values
    in its 0th output.``  Each check reads the device: for debugging only.  Departure
    from PyTorch: no traceback of the forward call is recorded; ``check_nan=False``
    makes the mode do nothing.

    Example:
        >>> with pn.autograd.detect_anomaly():
        ...     loss.backward()
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _fn.ANOMALY.enabled
        self.mode = bool(mode) and bool(check_nan)
        _fn.ANOMALY.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> bool:
        _fn.ANOMALY.enabled = self.prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _fn.ANOMALY.enabled
            _fn.ANOMALY.enabled = self.mode
            try:
                return fn(*args, **kwargs)
            finally:
                _fn.ANOMALY.enabled = prev
        _fn.ANOMALY.enabled = self.prev  # used as a decorator: nothing changes until called
        return wrapper


class detect_anomaly(set_detect_anomaly):
    """Context manager (or decorator) that turns anomaly detection on inside
    (``torch.autograd.detect_anomaly``); see :class:`set_detect_anomaly`.

    Example:
        >>> with pn.autograd.detect_anomaly():
        ...     loss.backward()      # RuntimeError naming the node that made a NaN
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = _fn.ANOMALY.enabled
        self.mode = bool(check_nan)

    def __enter__(self) -> None:
        self.prev = _fn.ANOMALY.enabled
        _fn.ANOMALY.enabled = self.mode
