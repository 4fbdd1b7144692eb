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
from ..autograd.tensor import Tensor
from .shape import reshape
from .util import unbroadcast

__all__ = ["batch_norm", "layer_norm", "group_norm"]


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


# ------------------------------------------------------------------ functions
def _affine(weight, bias, x):
    """The affine inputs of :class:`Normalize`: (), (w,), or (w, b); a lone bias gets w = 1."""
    if weight is None and bias is None:
        return ()
    if weight is None:
        weight = Tensor.from_array(x._bk.xp.ones(bias.shape, dtype=bias.array.dtype, device=x._bk.device),
                                   x._bk)
    return (weight,) if bias is None else (weight, bias)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over all axes but 1 of ``(N, C, *)``.

    In training mode the batch's statistics normalize ``input`` and, when given, the
    running buffers are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat``.
    In eval mode the running statistics normalize.

    Example:
        >>> F.batch_norm(x, rm, rv, training=True)
    """
    x = input
    axes = (0,) + tuple(range(2, x.ndim))
    pshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xp = x._bk.xp
    if training:
        count = x.numel() // x.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        mean, var = moments(xp, x.array, axes)
        if running_mean is not None:
            m = float(momentum)
            running_mean.array = (1.0 - m) * running_mean.array + m * xp.reshape(mean, (-1,))
        if running_var is not None:
            m = float(momentum)
            unbiased = xp.reshape(var, (-1,)) * (count / (count - 1))
            running_var.array = (1.0 - m) * running_var.array + m * unbiased
        stats = (mean, var, True)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        stats = (xp.reshape(running_mean.array, pshape), xp.reshape(running_var.array, pshape), False)
    return Normalize.apply(x, *_affine(weight, bias, x), axes=axes, eps=eps, pshape=pshape,
                             stats=stats)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing ``normalized_shape`` axes of each sample.

    Example:
        >>> F.layer_norm(pn.randn(2, 5, 8), (8,)).shape
        (2, 5, 8)
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise ValueError(f"layer_norm: normalized_shape {shape} does not match the trailing "
                         f"dimensions of input of shape {input.shape}")
    axes = tuple(range(input.ndim - k, input.ndim))
    return Normalize.apply(input, *_affine(weight, bias, input), axes=axes, eps=eps, pshape=shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each sample over groups of ``C / num_groups`` channels (Wu & He 2018).

    Example:
        >>> F.group_norm(pn.randn(2, 6, 4, 4), 3).shape
        (2, 6, 4, 4)
    """
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise ValueError(f"group_norm: {c} channels (input shape {input.shape}) are not "
                         f"divisible into {num_groups} groups")
    xg = reshape(input, (n, num_groups, -1))
    y = reshape(Normalize.apply(xg, axes=(2,), eps=eps), input.shape)
    pshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, pshape)
    if bias is not None:
        y = y + reshape(bias, pshape)
    return y
