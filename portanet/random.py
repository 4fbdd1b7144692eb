"""Seeded random numbers that are the same on every backend.

``pn.manual_seed(s)`` fixes the global stream.  Each draw takes a fresh block of the
stream (a counter offset), so results depend only on the seed and the order of draws,
never on the backend.

Example:
    >>> pn.manual_seed(0)
    >>> w = pn.randn(3, 4)
"""
from __future__ import annotations

import math
from typing import Any

from .backend import get_backend, resolve_dtype

__all__ = ["Generator", "manual_seed", "default_generator", "uniform", "normal",
           "bernoulli", "randint", "permutation", "get_rng_state",
           "set_rng_state"]


class Generator:
    """A random stream: a 64-bit seed and a counter of values drawn so far.

    Example:
        >>> g = pn.random.Generator(42)
        >>> x = pn.random.uniform((2, 3), generator=g)
    """

    def __init__(self, seed: int = 0):
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> "Generator":
        self.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self.offset = 0
        return self

    def get_state(self) -> dict:
        return {"seed": self.seed, "offset": self.offset}

    def set_state(self, state: dict) -> None:
        self.seed = int(state["seed"])
        self.offset = int(state["offset"])

    def _take(self, n: int) -> int:
        """Reserve ``n`` values of the stream; returns the starting counter."""
        start = self.offset
        self.offset += n
        return start


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the global stream used by initialization, dropout and ``pn.rand``/``pn.randn``."""
    return default_generator.manual_seed(seed)


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def _uint32_block(n: int, gen: Generator, bk):
    """``n`` uint32 values of ``gen``'s stream as an int64 array on ``bk``."""
    from . import philox
    start = gen._take(n)
    return philox.uint32_stream(bk.xp, gen.seed, start, n, bk.device)


def _shape(shape) -> tuple:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def uniform(shape, low: float = 0.0, high: float = 1.0, dtype: Any = None,
            generator: Generator | None = None, backend=None):
    """Raw array of U[low, high) values, identical on every backend for the same seed."""
    bk = backend or get_backend()
    xp = bk.xp
    gen = generator or default_generator
    shape = _shape(shape)
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, xp)
    n = _numel(shape)
    bits = _uint32_block(n, gen, bk)
    # 24 high bits -> exactly representable float32 in [0, 1): same value on every library
    u = xp.astype(bits // 256, xp.float64) * (1.0 / 16777216.0)
    u = xp.reshape(u, shape)
    if low != 0.0 or high != 1.0:
        u = low + (high - low) * u
    return xp.astype(u, dt)


def normal(shape, mean: float = 0.0, std: float = 1.0, dtype: Any = None,
           generator: Generator | None = None, backend=None):
    """Raw array of N(mean, std^2) values by Box-Muller in float64, then cast."""
    bk = backend or get_backend()
    xp = bk.xp
    gen = generator or default_generator
    shape = _shape(shape)
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, xp)
    n = _numel(shape)
    m = (n + 1) // 2
    bits = _uint32_block(2 * m, gen, bk)
    u = (xp.astype(bits, xp.float64) + 0.5) * (1.0 / 4294967296.0)  # in (0, 1)
    u1, u2 = u[:m], u[m:]
    r = xp.sqrt(-2.0 * xp.log(u1))
    z = xp.concat([r * xp.cos(2 * math.pi * u2), r * xp.sin(2 * math.pi * u2)])[:n]
    z = xp.reshape(z, shape)
    if std != 1.0 or mean != 0.0:
        z = mean + std * z
    return xp.astype(z, dt)


def bernoulli(shape, p: float, generator: Generator | None = None, backend=None):
    """Raw boolean array, True with probability ``p`` (generated on the device)."""
    bk = backend or get_backend()
    xp = bk.xp
    gen = generator or default_generator
    shape = _shape(shape)
    bits = _uint32_block(_numel(shape), gen, bk)
    thresh = int(round(p * 4294967296.0))
    return xp.reshape(bits < thresh, shape)


def randint(low: int, high: int, shape, generator: Generator | None = None, backend=None):
    """Raw int64 array of integers in ``[low, high)``."""
    bk = backend or get_backend()
    xp = bk.xp
    gen = generator or default_generator
    shape = _shape(shape)
    bits = _uint32_block(_numel(shape), gen, bk)
    # multiply-shift maps 32 random bits onto the range without a modulo bias worth noting
    span = high - low
    vals = (bits * span) // 4294967296 + low
    return xp.reshape(vals, shape)


def permutation(n: int, generator: Generator | None = None):
    """Host NumPy permutation of ``range(n)`` (for shuffling), the same on every backend."""
    import numpy as np
    gen = generator or default_generator
    from . import philox
    start = gen._take(n)
    keys = philox.uint32_stream(np, gen.seed, start, n, None)
    return np.argsort(keys, kind="stable")
