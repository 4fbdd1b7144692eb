"""Sampling from tensors of parameters: bernoulli, multinomial, randint_like, and the
in-place fills ``bernoulli_``, ``exponential_``, ``geometric_``, ``random_``.

Every draw comes from portanet's counter-based stream (Philox, ``portanet.random``) on the
tensor's own device, so it is the same on every backend for the same seed; the numbers
differ from PyTorch's (another generator), the distributions do not.  Checks on the
probabilities (in [0, 1], a distribution with positive mass) are value checks: immediate
on the host, deferred to the next synchronization on an accelerator (``portanet.checks``).

Example:
    >>> pn.manual_seed(0)
    >>> mask = pn.bernoulli(pn.full((2, 3), 0.8))
    >>> idx = pn.multinomial(pn.tensor([0.1, 0.0, 0.9]), 4, replacement=True)
"""
from __future__ import annotations

import math

from .. import argcheck, checks
from .. import random as _random
from ..autograd.tensor import Tensor
from ..backend import resolve_dtype
from . import promote as P
from .mathargs import dname, tensor_arg
from .util import register_methods

__all__ = ["bernoulli", "multinomial", "randint_like"]


def _generator(who, generator):
    if generator is not None and not isinstance(generator, _random.Generator):
        raise TypeError(f"{who}(): argument 'generator' must be Generator, not "
                        f"{type(generator).__name__}")
    return generator


def _float_input(who, t):
    if P.kind(t.array.dtype) < 2:
        raise RuntimeError(f"{who}(): expected a floating point tensor, got {dname(t)}")


def _uniform64(t: Tensor, shape, generator):
    """U[0, 1) in float64 on ``t``'s backend (24 random bits: exactly representable)."""
    return _random.uniform(shape, dtype="float64", generator=generator, backend=t._bk)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """0/1 draws, 1 with probability ``input`` (elementwise), or ``p`` when given; the
    result has ``input``'s shape and dtype and no gradient.

    Example:
        >>> pn.bernoulli(pn.tensor([0.0, 1.0, 0.5]))               # tensor([0., 1., 0. or 1.])
    """
    tensor_arg("bernoulli", input)
    _generator("bernoulli", generator)
    bk = input._bk
    xp = bk.xp
    if p is None:
        _float_input("bernoulli", input)
        prob = xp.astype(input.array, xp.float64)
        checks.check(bk, xp.all(xp.logical_and(prob >= 0, prob <= 1)), RuntimeError,
                     "bernoulli(): expected all probabilities in [0, 1]")
    else:
        prob = argcheck.real("bernoulli", "p", p, lo=0, hi=1)
    u = _uniform64(input, input.shape, generator)
    return Tensor.from_array(xp.astype(u < prob, input.array.dtype), bk)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:  # noqa: A002
    """Category indices (int64) drawn from the rows of ``input`` (weights, need not sum to
    1): shape ``(num_samples,)`` for a vector, ``(rows, num_samples)`` for a matrix.

    With replacement: inverse transform sampling on the running sum (memory
    ``rows * num_samples * categories``).  Without: the exponential race (Efraimidis and
    Spirakis 2006): the ``num_samples`` smallest of ``Exp(1) / w`` are a draw without
    replacement in the order drawn.

    Example:
        >>> pn.multinomial(pn.tensor([[0.2, 0.8], [1.0, 0.0]]), 3, replacement=True).shape
        (2, 3)
    """
    tensor_arg("multinomial", input)
    _generator("multinomial", generator)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): prob_dist must be 1 or 2 dim, got {input.ndim}")
    _float_input("multinomial", input)
    k = argcheck.positive_int("multinomial", "num_samples", num_samples)
    n = input.shape[-1]
    if not replacement and k > n:
        raise RuntimeError(f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={k}, categories={n})")
    bk = input._bk
    xp = bk.xp
    w = xp.astype(xp.reshape(input.array, (-1, n)), xp.float64)
    rows = w.shape[0]
    checks.check(bk, xp.all(xp.logical_and(xp.isfinite(w), w >= 0)), RuntimeError,
                 "multinomial(): probability tensor contains either `inf`, `nan` or element < 0")
    total = xp.sum(w, axis=-1, keepdims=True)
    checks.check(bk, xp.all(total > 0), RuntimeError,
                 "multinomial(): invalid multinomial distribution (sum of probabilities <= 0)")
    if replacement:
        cdf = xp.cumulative_sum(w, axis=-1)
        u = _uniform64(input, (rows, k), generator) * total
        idx = xp.sum(xp.astype(cdf[:, None, :] <= u[:, :, None], xp.int64), axis=-1)
        idx = xp.minimum(idx, xp.full((), n - 1, dtype=xp.int64, device=bk.device))
    else:
        positive = xp.sum(xp.astype(w > 0, xp.int64), axis=-1)
        checks.check(bk, xp.all(positive >= k), RuntimeError,
                     "multinomial(): invalid multinomial distribution (with replacement=False, "
                     "not enough non-negative category to sample)")
        e = -xp.log1p(-_uniform64(input, (rows, n), generator))       # Exp(1), finite
        live = w > 0
        key = xp.where(live, e / xp.where(live, w, xp.ones_like(w)), xp.full_like(w, float("inf")))
        idx = xp.argsort(key, axis=-1, stable=True)[:, :k]
        idx = xp.astype(idx, xp.int64)
    if input.ndim == 1:
        idx = xp.reshape(idx, (k,))
    return Tensor.from_array(idx, bk)


def randint_like(input: Tensor, low: int = 0, high=None, *, dtype=None, generator=None) -> Tensor:  # noqa: A002
    """Integers in ``[low, high)`` with ``input``'s shape and dtype (``randint_like(x, high)``
    as PyTorch too).

    Example:
        >>> pn.randint_like(pn.zeros(2, 3), 10).dtype               # portanet.float32
    """
    tensor_arg("randint_like", input)
    _generator("randint_like", generator)
    if high is None:
        low, high = 0, low
    for name, v in (("low", low), ("high", high)):
        if not argcheck.is_int(v):
            raise TypeError(f"randint_like(): argument '{name}' must be int, not {type(v).__name__}")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    bk = input._bk
    dt = input.array.dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    vals = _draw_ints(input, int(low), int(high), generator)
    return Tensor.from_array(bk.xp.astype(vals, dt), bk)


def _draw_ints(t: Tensor, low: int, high: int, generator):
    """int64 integers in ``[low, high)`` with ``t``'s shape."""
    span = high - low
    if span <= 2 ** 31:
        return _random.randint(low, high, t.shape, generator=generator, backend=t._bk)
    if span > 2 ** 63:
        raise NotImplementedError(f"random_(): ranges wider than 2**63 are not supported, got "
                                  f"[{low}, {high})")
    bits = _random.bits63(t.shape, generator=generator, backend=t._bk)
    if span == 2 ** 63:
        return bits + low
    # wider ranges: 63 random bits modulo the span (bias below span / 2**63)
    return bits % span + low


_TOP = {"float16": 2 ** 11, "float32": 2 ** 24, "float64": 2 ** 53, "bool": 1, "uint8": 255,
        "int8": 127, "int16": 2 ** 15 - 1, "int32": 2 ** 31 - 1, "int64": 2 ** 63 - 1}


# ------------------------------------------------------------------ in-place fills
def _bind() -> None:
    from .inplace import _inplace

    def fill(self, array):
        return Tensor.from_array(self._bk.xp.astype(array, self.array.dtype), self._bk)

    def bernoulli_(self, p=0.5, *, generator=None):
        _generator("bernoulli_", generator)
        if isinstance(p, Tensor):
            return fill(self, bernoulli(p.broadcast_to(self.shape) if p.shape != self.shape
                                        else p, generator=generator).array)
        return fill(self, bernoulli(self, p, generator=generator).array)

    def exponential_(self, lambd=1.0, *, generator=None):
        _generator("exponential_", generator)
        lam = argcheck.real("exponential_", "lambd", lambd)
        if not lam > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        xp = self._bk.xp
        return fill(self, -xp.log1p(-_uniform64(self, self.shape, generator)) / lam)

    def geometric_(self, p, *, generator=None):
        _generator("geometric_", generator)
        q = argcheck.real("geometric_", "p", p)
        if not 0 < q < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        xp = self._bk.xp
        u = _uniform64(self, self.shape, generator) + 2.0 ** -25      # in (0, 1)
        return fill(self, xp.ceil(xp.log(u) / math.log1p(-q)))

    def random_(self, *args, generator=None):
        """``random_()``: [0, top] (floats: 2**mantissa; ints: the dtype's max);
        ``random_(to)``: [0, to); ``random_(from, to)``: [from, to), ``to=None``: [from, top]."""
        _generator("random_", generator)
        if len(args) > 2:
            raise TypeError(f"random_() takes at most 2 arguments ({len(args)} given)")
        top = _TOP.get(dname(self))
        low, high = (0, None) if not args else ((0, args[0]) if len(args) == 1 else args)
        if high is None:
            if top is None:
                raise NotImplementedError(f"random_(): not implemented for {dname(self)}")
            high = top + 1
        for name, v in (("from", low), ("to", high)):
            if not argcheck.is_int(v):
                raise TypeError(f"random_(): argument '{name}' must be int, not {type(v).__name__}")
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        return fill(self, _draw_ints(self, int(low), int(high), generator))

    for name, fn in (("bernoulli_", bernoulli_), ("exponential_", exponential_),
                     ("geometric_", geometric_), ("random_", random_)):
        method = _inplace(fn, name)
        method.__doc__ = fn.__doc__ or method.__doc__
        setattr(Tensor, name, method)


register_methods(bernoulli, multinomial)
_bind()
