"""Matrix products: ``matmul`` and the fused ``linear`` (x @ W.T + b)."""
from __future__ import annotations

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .util import lift, register_methods, unbroadcast

__all__ = ["matmul", "linear"]


class MatMul(Function):
    def forward(self, xp, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, xp, g):
        a, b = self.a, self.b
        na, nb = self.needs
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if na else None, g * a if nb else None)
        if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            if na:
                ga = unbroadcast(xp, xp.matmul(b, g[..., :, None])[..., 0], a.shape)
            if nb:
                gb = unbroadcast(xp, a[:, None] * g[..., None, :], b.shape)
            return ga, gb
        if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            if na:
                ga = unbroadcast(xp, g[..., :, None] * b, a.shape)
            if nb:
                gb = unbroadcast(xp, xp.matmul(xp.matrix_transpose(a), g[..., :, None])[..., 0], b.shape)
            return ga, gb
        if na:
            ga = unbroadcast(xp, g @ xp.matrix_transpose(b), a.shape)
        if nb:
            gb = unbroadcast(xp, xp.matrix_transpose(a) @ g, b.shape)
        return ga, gb


class Linear(Function):
    """``y = x @ W.T + b`` in one node (PyTorch's weight layout ``(out, in)``).

    Inputs of any leading shape ``(..., in)`` are flattened to 2-D for the two
    gradient products, so the backward is exactly two matmuls and one sum.
    """

    def forward(self, xp, x, w, b=None):
        self.x, self.w = x, w
        if x.ndim > 2:  # one large product, not one per leading index (NumPy loops over them)
            y = xp.reshape(xp.reshape(x, (-1, x.shape[-1])) @ w.T, x.shape[:-1] + (w.shape[0],))
        else:
            y = x @ w.T  # w is 2-D, where .T is the standard's (and cheaper than matrix_transpose)
        if b is not None:
            y = y + b
        return y

    def backward(self, xp, g):
        x, w = self.x, self.w
        needs = self.needs
        gx = g @ w if needs[0] else None
        gw = gb = None
        if len(needs) > 1 and (needs[1] or (len(needs) > 2 and needs[2])):
            if g.ndim > 2:
                g2 = xp.reshape(g, (-1, g.shape[-1]))
                x2 = xp.reshape(x, (-1, x.shape[-1]))
            else:
                g2, x2 = g, x
            if needs[1]:
                gw = g2.T @ x2 if g2.ndim == 2 else g2[:, None] * x2[None, :]
            if len(needs) > 2 and needs[2]:
                gb = xp.sum(g2, axis=0) if g2.ndim == 2 else g2
        return (gx, gw, gb) if len(needs) > 2 else (gx, gw)


# ------------------------------------------------------------------ functions
def matmul(a, b) -> Tensor:
    """Matrix product with the Array API's ``matmul`` broadcasting rules."""
    if not isinstance(a, Tensor):
        a = lift(a, b)
    return MatMul.apply(a, lift(b, a))


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one fused node (weight shape ``(out, in)``)."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


register_methods(matmul, __matmul__=matmul, __rmatmul__=lambda self, o: matmul(o, self))
