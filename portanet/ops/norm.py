"""Fused normalization: ``(x - mean) / sqrt(var + eps) * weight + bias`` in one node.

Batch norm, layer norm and group norm differ only in the axes they average over and
in the shape of the affine parameters, so one primitive serves all three.  Its
backward is the closed form (Ioffe & Szegedy 2015, sec. 3)::

    gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)),  gxhat = g * weight

when the statistics come from the batch itself, and ``gx = g * weight * invstd`` when
they are constants (running statistics in eval mode).

Example:
    >>> y = Normalize.apply(x, w, b, axes=(0, 2, 3), eps=1e-5, pshape=(1, 3, 1, 1))
"""
from __future__ import annotations

from ..autograd.function import Function
from ._util import unbroadcast


def moments(xp, x, axes):
    """Mean and biased variance over ``axes`` (kept as size-1 axes).

    Two passes (mean first, then the mean of squared deviations): no cancellation.
    """
    mean = xp.mean(x, axis=axes, keepdims=True)
    d = x - mean
    return mean, xp.mean(d * d, axis=axes, keepdims=True)


class Normalize(Function):
    """Normalize ``x`` over ``axes``; optional affine ``weight``/``bias`` reshaped to ``pshape``.

    Params:
        axes: the reduced axes.  eps: added to the variance.
        pshape: broadcast shape of weight and bias (ignored without them).
        stats: ``None`` (compute from ``x``), or ``(mean, var, from_batch)`` with keepdims
            shapes; ``from_batch=True`` means they are ``x``'s own batch moments (so the
            full backward applies), ``False`` that they are constants.
    Inputs: ``x`` and, when affine, ``weight`` and ``bias`` (bias may be left out).
    """

    def forward(self, xp, x, *wb, axes, eps, pshape=None, stats=None):
        if stats is None:
            mean, var = moments(xp, x, axes)
            self.batch = True
        else:
            mean, var, self.batch = stats
        invstd = 1.0 / xp.sqrt(var + eps)
        xhat = (x - mean) * invstd
        self.xhat, self.invstd, self.axes, self.pshape = xhat, invstd, axes, pshape
        self.w = xp.reshape(wb[0], pshape) if wb else None
        self.wshape = wb[0].shape if wb else None
        if not wb:
            return xhat
        y = xhat * self.w
        if len(wb) > 1:
            y = y + xp.reshape(wb[1], pshape)
        return y

    def backward(self, xp, g):
        xhat, axes, needs = self.xhat, self.axes, self.needs
        gxhat = g if self.w is None else g * self.w
        grads = [None] * len(needs)
        if needs[0]:
            if self.batch:
                m1 = xp.mean(gxhat, axis=axes, keepdims=True)
                m2 = xp.mean(gxhat * xhat, axis=axes, keepdims=True)
                grads[0] = self.invstd * (gxhat - m1 - xhat * m2)
            else:
                grads[0] = gxhat * self.invstd
        if len(needs) > 1 and needs[1]:
            grads[1] = xp.reshape(unbroadcast(xp, g * xhat, self.pshape), self.wshape)
        if len(needs) > 2 and needs[2]:
            grads[2] = xp.reshape(unbroadcast(xp, g, self.pshape), self.wshape)
        return tuple(grads)
