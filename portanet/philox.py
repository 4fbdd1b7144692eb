"""Philox4x32-10 counter-based generator in Array API integer arithmetic.

Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC'11).  Being
counter-based, value number ``p`` of a stream depends only on (key, p): any backend,
any device, any slicing of the stream gives the same bits, and a GPU generates them
where they are used.  Arithmetic is done in int64 on values below 2**32; the 32x32-bit
products are split in 16-bit halves so nothing overflows and no backend needs uint64
multiplication (PyTorch has none on CPU).

Known answer (Random123): key=(0,0), counter=(0,0,0,0) ->
``6627e8d5 e169c58d bc57ac4c 9b00dbd8``.

Example:
    >>> uint32_stream(numpy, seed=0, start=0, n=4, device=None)   # the known answer
"""
from __future__ import annotations

_M0, _M1 = 0xD2511F53, 0xCD9E8D57
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = 0xFFFFFFFF
ROUNDS = 10


def _mulhilo(xp, a: int, b):
    """(hi, lo) 32-bit halves of the 64-bit product of constant ``a`` and array ``b``."""
    x = a * (b >> 16)                    # < 2**48
    y = ((x & 0xFFFF) << 16) + a * (b & 0xFFFF)   # < 2**49
    return (x >> 16) + (y >> 32), y & _MASK32


def philox4x32(xp, c0, c1, c2, c3, k0: int, k1: int, rounds: int = ROUNDS):
    """Apply Philox4x32 to counter words ``c0..c3`` (int64 arrays) with key ``(k0, k1)``."""
    for _ in range(rounds):
        hi0, lo0 = _mulhilo(xp, _M0, c0)
        hi1, lo1 = _mulhilo(xp, _M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 = (k0 + _W0) & _MASK32
        k1 = (k1 + _W1) & _MASK32
    return c0, c1, c2, c3


def uint32_stream(xp, seed: int, start: int, n: int, device):
    """Values ``start .. start+n-1`` of the stream keyed by ``seed``, as int64 in [0, 2**32)."""
    if n == 0:
        return xp.zeros((0,), dtype=xp.int64, device=device)
    first, last = start // 4, (start + n - 1) // 4
    block = xp.arange(first, last + 1, dtype=xp.int64, device=device)
    zero = xp.zeros_like(block)
    k0, k1 = seed & _MASK32, (seed >> 32) & _MASK32
    r = philox4x32(xp, block & _MASK32, block >> 32, zero, zero, k0, k1)
    out = xp.reshape(xp.stack(r, axis=1), (-1,))
    off = start - 4 * first
    return out[off:off + n]
