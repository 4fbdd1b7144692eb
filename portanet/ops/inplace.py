"""In-place operations (``add_``, ``mul_``, ``+=``, ``fill_``, ``normal_`` ...) and item
assignment (``x[i, j] = v``, ``x[mask] = v``, ``x[idx] = t``), as PyTorch does them.

How a change lands depends on the graph, as in PyTorch:

* No graph involved (``no_grad``, or nothing requires grad): the new value is written
  into the tensor's array through the backend's in-place helper (array-api-extra's
  ``at()``), so aliases (``p.data``) and views (``x[0]``) see it; where arrays are
  immutable (JAX) the new array is written back through the same links.
* The tensor or the operand is on the graph: nodes keep raw arrays for backward, so the
  old array is never written into; the tensor is rebound to the result and its history
  rebased onto the new node (``y = x.sigmoid(); y.mul_(2)`` differentiates as
  ``2 * sigmoid(x)``).  A view's base is rebased onto a ``SetItem`` node likewise.
* On a leaf that requires grad, outside ``no_grad``: PyTorch's RuntimeError.

Every change stamps the version counter (``autograd/version.py``), so a tensor saved for
backward and then modified raises at backward instead of giving a wrong gradient.

Example:
    >>> with pn.no_grad():
    ...     for p in model.parameters():
    ...         p -= 0.1 * p.grad
    >>> x = pn.zeros(2, 3); x[0, 1] = 5.0; x[x > 1] = -1.0
"""
from __future__ import annotations

import numbers

from ..autograd.function import GRAD_MODE, Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from ..backend.inplace import set_at
from .util import unbroadcast
from .promote import kind as kind_of

__all__ = ["setitem", "masked_fill"]

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
_KIND = {"bool": 0, "int": 1, "uint": 1, "float": 2, "complex": 3}
_KIND_NAME = {0: "Bool", 1: "Long", 2: "Float", 3: "ComplexFloat"}


def _kind(dt) -> int:
    n = dtype_name(dt)
    return 0 if n == "bool" else _KIND["uint" if n.startswith("uint") else n.rstrip("0123456789")]


def _check(self: Tensor, who: str) -> None:
    if self.requires_grad and self._node is None and GRAD_MODE.enabled:
        raise RuntimeError(_LEAF)


def _commit(self: Tensor, result: Tensor, why: str) -> Tensor:
    """Make ``result`` the new value of ``self`` (same shape and dtype), in place."""
    xp = self._bk.xp
    if result.array.dtype != self.array.dtype:
        k_out, k_self = _kind(result.array.dtype), _kind(self.array.dtype)
        if k_out > k_self:
            raise RuntimeError(f"result type {_KIND_NAME[k_out]} can't be cast to the desired "
                               f"output type {_KIND_NAME[k_self]}")
        result = result.astype(self.array.dtype)
    if result.shape != self.shape:
        try:
            shape = tuple(xp.broadcast_shapes(result.shape, self.shape))
        except (ValueError, RuntimeError):
            shape = None
        if shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(shape or result.shape)}")
        from .api import broadcast_to
        result = broadcast_to(result, self.shape)
    if result._node is not None and GRAD_MODE.enabled:
        base, index = getattr(self, "_base", None), getattr(self, "_vidx", None)
        if base is not None and index is not None:     # a view of a graph tensor
            _check(base, why)
            new = (SetItem.apply(base, result, index=index) if type(index) is tuple
                   else index.base_tensor(base, result))  # reshape/permute/diagonal
            _commit(base, new, why)
        if self._node is None:
            _cut_self_loop(result._node, self)
        self.array, self._node, self.requires_grad = result.array, result._node, True
        from ..autograd.version import bump
        bump(self, why)
        return self
    new = set_at(xp, self.array, Ellipsis, result.array)
    self._set_inplace(new, why)
    return self


def _cut_self_loop(node, self: Tensor) -> None:
    """``self`` (no history, no grad wanted) is about to become ``node``'s output; where
    ``node`` took ``self`` itself as an input, give it a stand-in holding the old value,
    or the node would feed its gradient back into itself and backward would never reach
    the other inputs (``out = zeros(n); out[0] = w * 2``: ``w`` got no gradient)."""
    inputs = node.inputs
    if any(t is self for t in inputs):
        stand_in = Tensor.from_array(self.array, self._bk)
        node.inputs = tuple(stand_in if t is self else t for t in inputs)


def _inplace(fn, why):
    def method(self, *args, **kwargs):
        _check(self, why)
        return _commit(self, fn(self, *args, **kwargs), why)
    method.__name__ = why
    method.__doc__ = f"In-place form of ``{why[:-1]}``: changes this tensor and returns it."
    return method


# ------------------------------------------------------------------ item assignment
class SetItem(Function):
    """``out = a`` with ``out[index] = v``; the gradient of ``a`` is zero at ``index``."""

    saves_inputs = False

    def forward(self, xp, a, v, index):
        import array_api_extra as xpx
        self.index, self.sv = index, v.shape
        return xpx.at(a)[index].set(_fit(xp, v, a, index), copy=True, xp=xp)

    def backward(self, xp, g):
        na, nv = self.needs
        ga = set_at(xp, xp.asarray(g, copy=True), self.index, 0) if na else None
        gv = None
        if nv:
            gv = g[self.index]
            extra = len(self.sv) - gv.ndim     # v may carry leading 1s the slot lacks
            if extra > 0:
                gv = xp.reshape(gv, (1,) * extra + tuple(gv.shape))
            gv = unbroadcast(xp, gv, self.sv)
        return ga, gv


def _fit(xp, v, a, index):
    """``v`` without the leading 1s the selection ``a[index]`` lacks (JAX will not drop them
    when broadcasting)."""
    if v.ndim == 0:
        return v
    tshape = tuple(a[index].shape)
    extra = v.ndim - len(tshape)
    if extra > 0:
        if any(s != 1 for s in v.shape[:extra]):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                               f"broadcast to indexing result of shape {list(tshape)}")
        v = xp.reshape(v, tuple(v.shape[extra:]))
    return v


def _index(self: Tensor, index):
    """``index`` with Tensors and lists as arrays, every axis named (the standard wants it)."""
    if not isinstance(index, tuple):
        index = (index,)
    out, basic = [], True
    for i in index:
        if isinstance(i, Tensor):
            i, basic = i.array, False
        elif isinstance(i, list):
            i, basic = self._bk.asarray(i), False
        elif hasattr(i, "shape"):
            basic = False
        out.append(i)
    if len(out) == 1 and hasattr(out[0], "dtype") and out[0].dtype == self._bk.xp.bool:
        return out[0], False
    if basic and Ellipsis not in out:
        out.append(Ellipsis)
    return tuple(out), basic


def setitem(self: Tensor, index, value) -> None:
    """``self[index] = value``: ints, slices, a bool mask or integer arrays; ``value`` a
    number or a Tensor broadcast to the selection (cast to ``self``'s dtype)."""
    _check(self, "item assignment")
    idx, _ = _index(self, index)
    bk, xp = self._bk, self._bk.xp
    if isinstance(value, Tensor):
        if value.array.dtype != self.array.dtype:
            value = value.astype(self.array.dtype)
    else:
        value = Tensor.from_array(xp.asarray(value, dtype=self.array.dtype, device=bk.device), bk)
    if GRAD_MODE.enabled and (self.requires_grad or value.requires_grad):
        _commit(self, SetItem.apply(self, value, index=idx), "item assignment")
        return
    try:
        new = set_at(xp, self.array, idx, _fit(xp, value.array, self.array, idx))
    except IndexError:   # integer-array assignment the library refuses (the standard lacks it)
        new = _assign_by_mask(self, idx, value.array)
    self._set_inplace(new, "item assignment")


def _assign_by_mask(self: Tensor, idx, v):
    """``a[i0, i1, ...] = v`` for integer arrays on the leading axes, without scatter: a
    one-hot match of flat positions and a matmul (repeated indices: PyTorch leaves the
    winner undefined; here the values add)."""
    xp, bk = self._bk.xp, self._bk
    arrays = [i for i in idx if i is not Ellipsis]
    if not all(hasattr(i, "shape") for i in arrays):
        raise IndexError("item assignment with integer arrays supports arrays in the leading "
                         "positions only, e.g. x[idx] = v or x[rows, cols] = v")
    lead = len(arrays)
    shape = tuple(self.shape)
    n = 1
    for s in shape[:lead]:
        n *= s
    flat = xp.zeros(arrays[0].shape, dtype=xp.int64, device=bk.device)
    for k, i in enumerate(xp.broadcast_arrays(*arrays)):
        i = xp.astype(i, xp.int64)
        flat = flat * shape[k] + xp.where(i < 0, i + shape[k], i)
    flat = xp.reshape(flat, (-1,))
    rest = shape[lead:]
    m = 1
    for s in rest:
        m *= s
    vals = xp.reshape(xp.broadcast_to(xp.astype(v, self.array.dtype),
                                      tuple(arrays[0].shape) + rest), (flat.shape[0], m))
    hit = xp.arange(n, device=bk.device)[:, None] == flat[None, :]            # (n, k)
    f = bk.float_dtype if kind_of(self.array.dtype) < 2 else self.array.dtype
    picked = xp.matmul(xp.astype(hit, f), xp.astype(vals, f))                # (n, m)
    mask = xp.reshape(xp.any(hit, axis=1), (n, 1))
    base = xp.reshape(self.array, (n, m))
    out = xp.where(mask, xp.astype(picked, self.array.dtype), base)
    return xp.reshape(out, shape)


def masked_fill(input: Tensor, mask, value) -> Tensor:
    """``value`` where ``mask`` is True, else ``input`` (``mask`` broadcasts; no gradient
    reaches a Tensor ``value``'s masked positions beyond what ``where`` sends).

    Example:
        >>> pn.tensor([1.0, 2.0]).masked_fill(pn.tensor([True, False]), 0.0)
        tensor([0., 2.])
    """
    from .api import where
    m = mask.array if isinstance(mask, Tensor) else mask
    if not isinstance(value, Tensor):
        xp = input._bk.xp
        value = Tensor.from_array(xp.asarray(value, dtype=input.array.dtype,
                                             device=input._bk.device), input._bk)
    return where(Tensor.from_array(m, input._bk), value, input)


# ------------------------------------------------------------------ methods
def _number_or_tensor(x):
    return isinstance(x, (numbers.Number, Tensor))


def _bind() -> None:
    from . import api as F
    from .. import random as _random
    from ..creation import fill_like_array

    def _scaled(other, alpha):
        if alpha == 1:
            return other
        return other * alpha if isinstance(other, numbers.Number) else F.mul(other, alpha)

    def add_(self, other, *, alpha=1):
        return F.add(self, _scaled(other, alpha))

    def sub_(self, other, *, alpha=1):
        return F.sub(self, _scaled(other, alpha))

    def div_(self, other, *, rounding_mode=None):
        out = F.div(self, other)
        if rounding_mode == "floor":
            out = Tensor.from_array(self._bk.xp.floor(out.array), self._bk)
        elif rounding_mode == "trunc":
            out = Tensor.from_array(self._bk.xp.trunc(out.array), self._bk)
        elif rounding_mode is not None:
            raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
        return out

    def _const(self, array):
        """A value that does not depend on ``self``: on the graph, ``self`` gets no gradient."""
        c = Tensor.from_array(array, self._bk)
        if self.requires_grad and GRAD_MODE.enabled:
            return F.where(Tensor.from_array(self._bk.xp.ones(self.shape, dtype=self._bk.xp.bool,
                                                              device=self._bk.device), self._bk), c, self)
        return c

    def zero_(self):
        return _const(self, fill_like_array(self, 0))

    def fill_(self, value):
        if isinstance(value, Tensor):
            if GRAD_MODE.enabled and value.requires_grad:
                return F.add(F.mul(self, 0), value)
            value = value.item()
        return _const(self, fill_like_array(self, value))

    def copy_(self, src, non_blocking=False):
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        if not src._bk.same_place(self._bk):
            src = src.to(self._bk)
        if src.array.dtype != self.array.dtype:   # copy_ casts freely, unlike other ops
            src = src.astype(self.array.dtype)
        if GRAD_MODE.enabled and (src.requires_grad or self.requires_grad):
            ones = self._bk.xp.ones(self.shape, dtype=self._bk.xp.bool, device=self._bk.device)
            return F.where(Tensor.from_array(ones, self._bk), src, self)
        return src

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _const(self, _random.normal(self.shape, mean, std, dtype=self.array.dtype,
                                           generator=generator, backend=self._bk))

    def uniform_(self, a=0.0, b=1.0, *, generator=None, **kw):
        a, b = kw.pop("from", a), kw.pop("to", b)
        return _const(self, _random.uniform(self.shape, a, b, dtype=self.array.dtype,
                                            generator=generator, backend=self._bk))

    def masked_fill_(self, mask, value):
        return masked_fill(self, mask, value)

    T = Tensor
    T.__setitem__ = setitem
    T.masked_fill = masked_fill
    for name, fn in (("add_", add_), ("sub_", sub_), ("mul_", F.mul), ("div_", div_),
                     ("pow_", F.pow), ("neg_", F.neg), ("sqrt_", F.sqrt), ("exp_", F.exp),
                     ("log_", F.log), ("abs_", F.abs), ("clamp_", F.clamp), ("clip_", F.clamp),
                     ("sigmoid_", F.sigmoid), ("tanh_", F.tanh), ("relu_", F.relu),
                     ("zero_", zero_), ("fill_", fill_), ("copy_", copy_),
                     ("normal_", normal_), ("uniform_", uniform_),
                     ("masked_fill_", masked_fill_)):
        setattr(T, name, _inplace(fn, name))
    # ``x += y``: in place, as PyTorch (without these Python rebinds x to a new tensor)
    T.__iadd__ = _inplace(F.add, "add_")
    T.__isub__ = _inplace(F.sub, "sub_")
    T.__imul__ = _inplace(F.mul, "mul_")
    T.__itruediv__ = _inplace(F.div, "div_")
    T.__ipow__ = _inplace(F.pow, "pow_")


_bind()
