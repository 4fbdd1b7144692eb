"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (``torch.nn.utils``'s).

Both change the ``.grad`` of the given parameters and are called between
``loss.backward()`` and ``optimizer.step()``.

Example:
    >>> loss.backward()
    >>> pn.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> opt.step()
"""
from __future__ import annotations

import math

from ...autograd.tensor import Tensor, wrap
from ...backend.inplace import imul
from ...ops.util import clip_bounds

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _grads(parameters) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    r"""Scale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm is the ``norm_type``-norm of the vector of every gradient's norm
    (``math.inf`` for the largest absolute entry).  Every gradient is multiplied by
    :math:`\min(1, \text{max\_norm} / (\text{norm} + 10^{-6}))`, exactly as PyTorch does.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without ``.grad`` are skipped.
        max_norm: the largest allowed norm.
        norm_type: order of the norm (2.0, 1.0, ``math.inf``, ...).
        error_if_nonfinite: raise RuntimeError when the norm is NaN or infinite (this
            reads the norm back from the device, as in PyTorch).
        foreach: accepted (PyTorch's choice of kernel; the result is the same).

    Returns:
        The joint norm before clipping, as a 0-d Tensor.

    Example:
        >>> total = pn.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(0.0)
    bk = grads[0]._bk
    xp = bk.xp
    norms = [xp.linalg.vector_norm(g.array, ord=norm_type) for g in grads]
    dtype = xp.result_type(*norms)
    total = xp.linalg.vector_norm(xp.stack([xp.astype(n, dtype) for n in norms]), ord=norm_type)
    if error_if_nonfinite and not bool(xp.all(xp.isfinite(total))):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = clip_bounds(xp, max_norm / (total + 1e-6), hi=1.0)  # (not xp.clip: see ops.util.clip_bounds)
    for g in grads:
        g.array = imul(g.array, xp.astype(coef, g.array.dtype))
    return wrap(total, bk, False)


def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient entry into ``[-clip_value, clip_value]``.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without ``.grad`` are skipped.
        clip_value: the largest allowed absolute value.  Departure from PyTorch: a value
            that is not positive raises ValueError instead of clamping every entry to it.

    Example:
        >>> pn.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    c = float(clip_value)
    if not c > 0 or math.isnan(c):
        raise ValueError(f"clip_value must be positive, got clip_value={clip_value}")
    for g in _grads(parameters):
        g.array = clip_bounds(g._bk.xp, g.array, -c, c)


from . import rnn  # noqa: E402,F401  (pn.nn.utils.rnn: packed sequences)
# trainapi: parameters <-> one vector
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: E402,F401
