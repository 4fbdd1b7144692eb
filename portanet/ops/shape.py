"""Shape primitives: reshape, permute, broadcast, indexing, concat, stack."""
from __future__ import annotations

from ..autograd.function import Function
from ..fast import lookup


class Reshape(Function):
    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.reshape(a, shape)

    def backward(self, xp, g):
        return (xp.reshape(g, self.shape),)


class Permute(Function):
    def forward(self, xp, a, axes):
        self.axes = axes
        return xp.permute_dims(a, axes)

    def backward(self, xp, g):
        inv = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inv[a] = i
        return (xp.permute_dims(g, tuple(inv)),)


class BroadcastTo(Function):
    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.broadcast_to(a, shape)

    def backward(self, xp, g):
        from ._util import unbroadcast
        return (unbroadcast(xp, g, self.shape),)


class GetItem(Function):
    """Basic indexing (ints, slices, ``None``, ``...``): backward writes into zeros."""

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
        out[index] = g
        return (out,)


class Take(Function):
    """``take(a, idx, axis=0)`` on a flattened leading block: integer-array indexing.

    ``lead`` leading axes of ``a`` are merged into one, indexed by the flat integer
    array ``idx``; backward scatter-adds, so repeated indices sum their gradients.
    """

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
