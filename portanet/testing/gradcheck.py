"""Numerical gradient checking: backprop against central finite differences."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import to_numpy

__all__ = ["gradcheck", "GradcheckError", "numerical_grad"]


class GradcheckError(AssertionError):
    """Backprop and finite differences disagree; the message names input and element."""


def _as_scalar_fn(fn, inputs, proj):
    def f():
        out = fn(*inputs)
        if out.ndim == 0:
            return out
        return (out * proj).sum()
    return f


def numerical_grad(f: Callable[[], Tensor], t: Tensor, eps: float) -> np.ndarray:
    """Central differences ``(f(x+e) - f(x-e)) / 2e`` for every element of ``t``."""
    base = to_numpy(t.array).astype(np.float64)
    grad = np.zeros_like(base)
    flat = base.reshape(-1)
    bk = t._bk
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        t.array = bk.asarray(base, t.dtype)
        fp = float(f().item())
        flat[i] = orig - eps
        t.array = bk.asarray(base, t.dtype)
        fm = float(f().item())
        flat[i] = orig
        grad.reshape(-1)[i] = (fp - fm) / (2 * eps)
    t.array = bk.asarray(base, t.dtype)
    return grad


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Compare backprop with central finite differences (use float64 inputs).

    A non-scalar output is reduced by a fixed random projection ``sum(out * r)``, so every
    output element contributes.  Inputs that do not require grad are held constant.

    Args:
        fn: function of the Tensors in ``inputs`` returning a Tensor.
        inputs: the Tensors; those with ``requires_grad=True`` are checked.
        eps: finite-difference step.
        atol, rtol: tolerance ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Returns:
        True when every element agrees.

    Raises:
        GradcheckError: naming the input, the element and both values.

    Example:
        >>> x = pn.tensor([[0.5, -1.0]], dtype="float64", requires_grad=True)
        >>> pn.testing.gradcheck(lambda x: pn.tanh(x) * x, [x])
        True
    """
    inputs = list(inputs)
    out = fn(*inputs)
    proj = None
    if out.ndim != 0:
        r = np.random.default_rng(seed).standard_normal(out.shape)
        proj = Tensor(out._bk.asarray(r, out.dtype), backend=out._bk)
    f = _as_scalar_fn(fn, inputs, proj)
    for t in inputs:
        if isinstance(t, Tensor):
            t.grad = None
    f().backward()
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            continue
        analytic = np.zeros(t.shape) if t.grad is None else to_numpy(t.grad.array).astype(np.float64)
        numeric = numerical_grad(f, t, eps)
        bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck failed for input {k} (shape {t.shape}) at element {idx}: "
                f"backprop {analytic[idx]!r}, finite differences {numeric[idx]!r} "
                f"({int(bad.sum())} of {bad.size} elements differ)")
    return True
