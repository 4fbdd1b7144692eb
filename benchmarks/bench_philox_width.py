"""Why portanet's Philox stream works in int64: a 32-bit-only variant, timed beside it.

JAX and GPUs prefer 32-bit integers, so a Philox4x32-10 that never needs int64 was
tried: 32x32-bit products from 16-bit limbs in int32 arithmetic (PyTorch has no uint32
shifts or additions on CPU, so the words must be int32, which relies on two's-complement
wraparound: implementation-defined in the Array API standard).  It gives the same bits
(checked here against the Random123 known answer and the int64 stream) but needs about
twice as many array operations, so it is slower wherever per-operation overhead counts.
portanet keeps the int64 version; the JAX adapter turns on 64-bit mode instead (it needs
it for float64 and int64 anyway).  Prints the minimum of several runs per size.

    python benchmarks/bench_philox_width.py
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from portanet import philox  # noqa: E402

_M0, _M1, _W0, _W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
KAT = (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)


def _s32(v: int) -> int:
    """The int32 with the bits of ``v mod 2**32``."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _mulhilo32(a: int, b):
    al, ah = a & 0xFFFF, a >> 16
    bl, bh = b & 0xFFFF, (b >> 16) & 0xFFFF          # logical shift of an int32
    ll, lh, hl, hh = al * bl, al * bh, ah * bl, ah * bh  # < 2**32: wrap, bits exact
    mid = ((ll >> 16) & 0xFFFF) + (lh & 0xFFFF) + (hl & 0xFFFF)
    hi = hh + ((lh >> 16) & 0xFFFF) + ((hl >> 16) & 0xFFFF) + ((mid >> 16) & 0xFFFF)
    return hi, (ll & 0xFFFF) | ((mid & 0xFFFF) << 16)


def philox4x32_int32(c0, c1, c2, c3, k0: int, k1: int):
    for _ in range(philox.ROUNDS):
        hi0, lo0 = _mulhilo32(_M0, c0)
        hi1, lo1 = _mulhilo32(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ _s32(k0), lo1, hi0 ^ c3 ^ _s32(k1), lo0
        k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
    return c0, c1, c2, c3


def _best(fn, rounds: int = 7) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    with np.errstate(over="ignore"):
        z = np.zeros(1, np.int32)
        got = tuple(int(w[0]) & 0xFFFFFFFF for w in philox4x32_int32(z, z, z, z, 0, 0))
        print(f"int32 variant, known answer: {'ok' if got == KAT else 'WRONG'}")
        print(f"{'values':>8} {'int64 us':>10} {'int32 us':>10} {'int32/int64':>12}")
        for n in (4, 256, 16384, 1 << 20):
            b64 = np.arange(n // 4, dtype=np.int64)
            z64 = np.zeros_like(b64)
            b32, z32 = b64.astype(np.int32), z64.astype(np.int32)
            r64 = philox.philox4x32(np, b64, z64, z64, z64, 7, 9)
            r32 = philox4x32_int32(b32, z32, z32, z32, 7, 9)
            assert all(np.array_equal(a, b.astype(np.int64) & 0xFFFFFFFF) for a, b in zip(r64, r32))
            t64 = _best(lambda: philox.philox4x32(np, b64, z64, z64, z64, 7, 9))
            t32 = _best(lambda: philox4x32_int32(b32, z32, z32, z32, 7, 9))
            print(f"{n:>8} {t64 * 1e6:>10.0f} {t32 * 1e6:>10.0f} {t32 / t64:>12.2f}")


if __name__ == "__main__":
    main()
