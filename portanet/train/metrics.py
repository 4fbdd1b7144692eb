"""Metrics for :func:`portanet.train.fit`: batch means computed on the device.

A metric is any callable ``metric(output, target)`` returning the batch mean as a
Tensor, a 0-d array or a float; ``fit`` weights batches by their size.  Built-ins are
named by string in ``metrics=("accuracy",)``.

Example:
    >>> float(pn.train.metrics.accuracy(pn.tensor([[2.0, 1.0], [0.0, 3.0]]), pn.tensor([0, 0])))
    0.5
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.tensor import Tensor

__all__ = ["accuracy", "BinaryAccuracy", "mse", "mae", "get"]


def _raw(t: Any):
    return t.array if isinstance(t, Tensor) else t


def accuracy(output: Tensor, target: Tensor):
    """Fraction of correct predictions (float64, on the device).

    ``output`` of shape ``(N, C)`` with ``C > 1``: the class is the argmax; ``target``
    holds class indices, or one-hot/probability rows.  ``output`` of shape ``(N,)`` or
    ``(N, 1)``: a probability, predicted positive above 0.5 (for logits use
    ``BinaryAccuracy(threshold=0.0)``).
    """
    xp = output._bk.xp
    o, t = output.array, _raw(target)
    if o.ndim >= 2 and o.shape[-1] > 1:
        pred = xp.argmax(o, axis=-1)
        if t.ndim == o.ndim:
            t = xp.argmax(t, axis=-1)
        hits = pred == xp.astype(t, pred.dtype)
    else:
        return BinaryAccuracy(0.5)(output, target)
    return xp.mean(xp.astype(hits, xp.float64))


class BinaryAccuracy:
    """Accuracy of one-output binary classifiers: positive when ``output > threshold``.

    Example:
        >>> pn.train.fit(model, F.binary_cross_entropy_with_logits, opt, data, 10,
        ...              metrics=[pn.train.metrics.BinaryAccuracy(threshold=0.0)])
    """

    def __init__(self, threshold: float = 0.5):
        self.threshold = float(threshold)
        self.__name__ = "accuracy"

    def __call__(self, output: Tensor, target: Tensor):
        xp = output._bk.xp
        o = xp.reshape(output.array, (-1,))
        t = xp.reshape(_raw(target), (-1,))
        hits = (o > self.threshold) == (xp.astype(t, xp.float64) > 0.5)
        return xp.mean(xp.astype(hits, xp.float64))


def mse(output: Tensor, target: Tensor):
    """Mean squared error over all elements (float64)."""
    xp = output._bk.xp
    d = xp.astype(output.array, xp.float64) - xp.astype(xp.reshape(_raw(target), output.shape), xp.float64)
    return xp.mean(d * d)


def mae(output: Tensor, target: Tensor):
    """Mean absolute error over all elements (float64)."""
    xp = output._bk.xp
    d = xp.astype(output.array, xp.float64) - xp.astype(xp.reshape(_raw(target), output.shape), xp.float64)
    return xp.mean(xp.abs(d))


_NAMED = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mae": mae}


def get(metric: str | Callable) -> tuple[str, Callable]:
    """``(name, function)`` for a metric name or callable (its ``__name__`` names it)."""
    if isinstance(metric, str):
        if metric not in _NAMED:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(_NAMED)}, or pass a callable")
        return ("accuracy" if metric == "acc" else metric), _NAMED[metric]
    if not callable(metric):
        raise TypeError(f"a metric is a name or a callable(output, target), got {metric!r}")
    return getattr(metric, "__name__", type(metric).__name__), metric
