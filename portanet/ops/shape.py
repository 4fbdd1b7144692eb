"""Shape primitives: reshape, permute, broadcast, indexing, concat, stack."""
from __future__ import annotations

from ..autograd.function import Function
from ..backend.fast import lookup
from ..backend.inplace import set_at


class Reshape(Function):
    saves_inputs = False

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.reshape(a, shape)

    def backward(self, xp, g):
        return (xp.reshape(g, self.shape),)


class Permute(Function):
    saves_inputs = False

    def forward(self, xp, a, axes):
        self.axes = axes
        return xp.permute_dims(a, axes)

    def backward(self, xp, g):
        inv = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inv[a] = i
        return (xp.permute_dims(g, tuple(inv)),)


class BroadcastTo(Function):
    saves_inputs = False

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.broadcast_to(a, shape)

    def backward(self, xp, g):
        from ._util import unbroadcast
        return (unbroadcast(xp, g, self.shape),)


class GetItem(Function):
    """Basic indexing (ints, slices, ``None``, ``...``): backward writes into zeros."""

    saves_inputs = False

    def forward(self, xp, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return a[index]

    def backward(self, xp, g):
        out = xp.zeros(self.shape, dtype=self.dtype, device=_device(g))
        index = self.index
        if isinstance(index, tuple) and None in index:
            # the standard allows None in __getitem__ only: drop the new axes for __setitem__
            index = tuple(i for i in index if i is not None)
            g = xp.reshape(g, out[index].shape)
        return (set_at(xp, out, index, g),)


class Take(Function):
    """``take(a, idx, axis=0)`` on a flattened leading block: integer-array indexing.

    ``lead`` leading axes of ``a`` are merged into one, indexed by the flat integer
    array ``idx``; backward scatter-adds, so repeated indices sum their gradients.
    """

    saves_inputs = False

    def forward(self, xp, a, idx, lead, out_shape):
        self.shape, self.idx = a.shape, idx
        rest = a.shape[lead:]
        n = 1
        for s in a.shape[:lead]:
            n *= s
        self.n, self.rest = n, rest
        flat = xp.reshape(a, (n,) + tuple(rest)) if lead != 1 else a
        return xp.reshape(xp.take(flat, xp.reshape(idx, (-1,)), axis=0), out_shape)

    def backward(self, xp, g):
        g2 = xp.reshape(g, (-1,) + tuple(self.rest))
        out = index_add(xp, self.n, xp.reshape(self.idx, (-1,)), g2)
        return (xp.reshape(out, self.shape),)


def index_add(xp, n, idx, values):
    """``out[idx[k]] += values[k]`` into zeros of length ``n`` along axis 0.

    Generic path: a one-hot matrix product (exact, portable); backends may register a
    faster ``index_add`` (``np.add.at``, ``cupyx.scatter_add``, ``Tensor.index_add_``).
    """
    fast = lookup(xp, "index_add")
    if fast is not None:
        return fast(n, idx, values)
    flat = xp.reshape(values, (values.shape[0], -1))
    onehot = xp.astype(xp.arange(n, device=_device(values))[:, None] == idx[None, :], values.dtype)
    return xp.reshape(onehot @ flat, (n,) + tuple(values.shape[1:]))


class Concat(Function):
    saves_inputs = False

    def forward(self, xp, *arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return xp.concat(arrays, axis=axis)

    def backward(self, xp, g):
        out, start = [], 0
        ax = self.axis % g.ndim
        for n, need in zip(self.sizes, self.needs):
            if need:
                sl = (slice(None),) * ax + (slice(start, start + n), ...)
                out.append(g[sl])
            else:
                out.append(None)
            start += n
        return tuple(out)


class Stack(Function):
    saves_inputs = False

    def forward(self, xp, *arrays, axis):
        self.axis = axis
        return xp.stack(arrays, axis=axis)

    def backward(self, xp, g):
        ax = self.axis % g.ndim
        return tuple(g[(slice(None),) * ax + (i, ...)] if need else None
                     for i, need in enumerate(self.needs))


def _device(a):
    import array_api_compat
    return array_api_compat.device(a)


class Split(Function):
    """``a`` cut along ``axis`` into pieces of ``sizes``: one node, one output per piece.

    Backward joins the pieces' gradients with one ``concat`` (zeros for pieces that got
    none), so each slice of the input gradient is written once.
    """

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, sizes, axis):
        self.axis, self.sizes = axis, sizes
        self.shape, self.dtype = a.shape, a.dtype
        out, start = [], 0
        lead = (slice(None),) * axis
        for n in sizes:
            out.append(a[lead + (slice(start, start + n), ...)])
            start += n
        return tuple(out)

    def backward(self, xp, *grads):
        ref = next(g for g in grads if g is not None)
        parts = []
        for n, g in zip(self.sizes, grads):
            if g is None:
                shape = self.shape[:self.axis] + (n,) + self.shape[self.axis + 1:]
                g = xp.zeros(shape, dtype=ref.dtype, device=_device(ref))
            parts.append(g)
        return (xp.concat(parts, axis=self.axis) if len(parts) > 1 else parts[0],)


class Unbind(Function):
    """The slices ``a[..., i, ...]`` along ``axis``, one output each; backward stacks them."""

    multi_output = True
    saves_inputs = False

    def forward(self, xp, a, axis):
        self.axis, self.shape = axis, a.shape
        lead = (slice(None),) * axis
        return tuple(a[lead + (i, ...)] for i in range(a.shape[axis]))

    def backward(self, xp, *grads):
        ref = next(g for g in grads if g is not None)
        zero = None
        parts = []
        for g in grads:
            if g is None:
                if zero is None:
                    zero = xp.zeros(ref.shape, dtype=ref.dtype, device=_device(ref))
                g = zero
            parts.append(g)
        return (xp.stack(parts, axis=self.axis),)
