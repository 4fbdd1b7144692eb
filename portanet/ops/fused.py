"""Fused hot paths: one node where the composition would record several.

On a small network every node costs a few microseconds of Python in forward and again
in backward, more than its arithmetic; these nodes compute exactly what the composed
ops compute (the same array operations in the same order, so the same bits) with one
node on the tape instead of three.

Example:
    >>> loss = MSELoss.apply(pred, target, reduction="mean")   # = mean((pred - target)**2)
"""
from __future__ import annotations

from ..autograd.function import Function


class MSELoss(Function):
    """``reduce((a - b)**2)`` for same-shape ``a``, ``b``: Sub, PowScalar and Mean/Sum in one node.

    Params: ``reduction`` ``"mean"``, ``"sum"`` or ``"none"``.
    """

    saves_inputs = False  # keeps the difference, not the inputs

    def forward(self, xp, a, b, reduction):
        d = self.d = a - b
        self.reduction = reduction
        sq = d ** 2  # PowScalar's a ** 2
        if reduction == "none":
            return sq
        total = xp.sum(sq)
        if reduction == "sum":
            return total
        self.n = _numel(d.shape)
        return total / self.n

    def backward(self, xp, g):
        d = self.d
        if self.reduction != "none":
            # Sum's / Mean's backward: g spread over the shape (divided by n for the mean)
            g = xp.reshape(g, (1,) * d.ndim)
            if self.reduction == "mean":
                g = g / self.n
            if g.shape != d.shape:
                g = xp.broadcast_to(g, d.shape)
        ga = g * (2 * d)  # PowScalar's backward for c == 2
        na, nb = self.needs
        return (ga if na else None, -ga if nb else None)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
