"""Seeded random numbers that are the same on every backend.

``pn.manual_seed(s)`` fixes the global stream.  Each draw takes a fresh block of the
stream (a counter offset), so results depend only on the seed and the order of draws,
never on the backend.

Data-parallel replicas (:func:`set_replica`, called by ``pn.distributed.init()``):
every rank takes the same blocks of the stream, so initialization (``uniform``,
``normal``, ``randint``, ``permutation``) is identical on all ranks, but
:func:`bernoulli`, the source of dropout masks, reads its block under a key forked by
the rank, so each replica drops different units, reproducibly.  Replica 0 keeps the
unforked key: rank 0 of a job sees the masks a single process would.

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
           "set_rng_state", "set_replica", "bits63", "seed", "initial_seed"]


class Generator:
    """A random stream: a 64-bit seed and a counter of values drawn so far.

    Example:
        >>> g = pn.random.Generator(42)
        >>> x = pn.random.uniform((2, 3), generator=g)
    """

    replica = 0  # data-parallel rank: forks the key of per-replica draws (bernoulli)

    def __init__(self, seed: int = 0, device=None):
        from .backend.devices import device as _device
        # PyTorch: Generator(device="cpu"); the stream is the same on every device here
        self.device = _device("cpu" if device is None else device)
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns the generator (chainable, as PyTorch)."""
        self._seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self.offset = 0
        return self

    def seed(self) -> int:
        """Seed the stream from the operating system's entropy; returns the new seed."""
        import os
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    def get_state(self) -> dict:
        return {"seed": self._seed, "offset": self.offset}

    def set_state(self, state: dict) -> None:
        """Restore :meth:`get_state`; a malformed state raises ValueError and changes nothing."""
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state`` (``{"seed": int, "offset": int}``), changing nothing; returns the
        function that applies it (see :mod:`portanet.io.restore`)."""
        ok = isinstance(state, dict) and all(
            type(state.get(k)) is int or (hasattr(state.get(k), "dtype") and getattr(state.get(k), "shape", None) == ())
            for k in ("seed", "offset"))
        if not ok or int(state["offset"]) < 0 or not 0 <= int(state["seed"]) <= 0xFFFFFFFFFFFFFFFF:
            raise ValueError(f"Generator.set_state: expected {{'seed': int, 'offset': int >= 0}}, got {state!r}")
        seed, offset = int(state["seed"]), int(state["offset"])

        def commit():
            self._seed, self.offset = seed, offset
        return commit

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
    """The global stream's state, ``{"seed": int, "offset": int}`` (PyTorch returns a
    ByteTensor; this dict is what ``set_rng_state`` takes back).

    Example:
        >>> state = pn.get_rng_state(); a = pn.rand(2)
        >>> pn.set_rng_state(state); b = pn.rand(2)          # b equals a
    """
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore a state from :func:`get_rng_state` (ValueError for a malformed one).

    Example:
        >>> pn.set_rng_state({"seed": 0, "offset": 0})        # as after pn.manual_seed(0)
    """
    default_generator.set_state(state)


def set_replica(rank: int, generator: Generator | None = None) -> None:
    """Fork the per-replica draws (dropout masks) of ``generator`` (default: the global
    stream) by data-parallel ``rank``; survives ``manual_seed`` and checkpoints.

    Example:
        >>> pn.random.set_replica(1)      # pn.distributed.init() does this on rank 1
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        raise ValueError(f"set_replica: rank must be a non-negative integer, got {rank!r}")
    (generator or default_generator).replica = rank


_M64 = 0xFFFFFFFFFFFFFFFF


def _replica_key(seed: int, replica: int) -> int:
    """The Philox key of ``replica``'s draws: the seed xor a SplitMix64 hash of the
    replica, so distinct replicas read unrelated streams at the same counters."""
    if replica == 0:
        return seed
    z = (replica * 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return seed ^ z ^ (z >> 31)


def _uint32_block(n: int, gen: Generator, bk, per_replica: bool = False):
    """``n`` uint32 values of ``gen``'s stream as an int64 array on ``bk``.

    ``per_replica``: read them under the replica's forked key; the counter advances
    the same either way, so all replicas stay at the same place in the stream.
    """
    from . import philox
    from .backend.fast import lookup
    start = gen._take(n)
    key = _replica_key(gen._seed, gen.replica) if per_replica else gen._seed
    fused = lookup(bk.xp, "philox_uint32")  # NumPy with numba: one loop, same bits
    out = fused(key, start, n) if fused is not None else None
    return out if out is not None else philox.uint32_stream(bk.xp, key, start, n, bk.device)


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
    """Raw boolean array, True with probability ``p`` (generated on the device).

    Per replica: under data parallelism each rank draws its own values (see module doc).
    """
    bk = backend or get_backend()
    xp = bk.xp
    gen = generator or default_generator
    shape = _shape(shape)
    bits = _uint32_block(_numel(shape), gen, bk, per_replica=True)
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


def bits63(shape, generator: Generator | None = None, backend=None):
    """Raw int64 array of uniform integers in ``[0, 2**63)``, from two 32-bit draws per
    value (for ranges wider than :func:`randint`'s multiply-shift covers exactly).

    Example:
        >>> pn.random.bits63((2,))      # int64 values anywhere in [0, 2**63)
    """
    bk = backend or get_backend()
    xp = bk.xp
    shape = _shape(shape)
    n = _numel(shape)
    bits = _uint32_block(2 * n, generator or default_generator, bk)
    hi, lo = bits[:n] // 2, bits[n:]
    return xp.reshape(hi * 4294967296 + lo, shape)


def seed() -> int:
    """Seed the global stream from the operating system's entropy; returns the seed.

    Example:
        >>> s = pn.seed(); pn.initial_seed() == s
        True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global stream started from (``manual_seed``'s or ``seed``'s).

    Example:
        >>> pn.manual_seed(7); pn.initial_seed()
        7
    """
    return default_generator.initial_seed()


def permutation(n: int, generator: Generator | None = None):
    """Host NumPy permutation of ``range(n)`` (for shuffling), the same on every backend."""
    import numpy as np
    gen = generator or default_generator
    from . import philox
    start = gen._take(n)
    keys = philox.uint32_stream(np, gen._seed, start, n, None)
    return np.argsort(keys, kind="stable")
