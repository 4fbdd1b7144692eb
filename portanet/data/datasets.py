"""Small datasets for examples and tests: bundled 8x8 digits, two spirals, moons, and a
1-D digit set in the spirit of MNIST-1D.  No downloads.

Each function returns a :class:`Split` ``(x_train, y_train, x_test, y_test)`` of host
NumPy arrays: features float32, labels int64.  The split is a seeded permutation made
on the host, so it is the same whatever the backend.

Example:
    >>> xtr, ytr, xte, yte = pn.data.datasets.two_spirals(n=400, seed=0)
    >>> xtr.shape, ytr.dtype
    ((320, 2), dtype('int64'))
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["Split", "load_digits", "two_spirals", "moons", "mnist1d"]


class Split(NamedTuple):
    """Train and test arrays; unpacks as ``xtr, ytr, xte, yte = split``."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _split(x: np.ndarray, y: np.ndarray, test_size: float, rng: np.random.Generator) -> Split:
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size}")
    order = rng.permutation(len(y))
    n_test = int(round(len(y) * test_size))
    te, tr = order[:n_test], order[n_test:]
    return Split(np.ascontiguousarray(x[tr], np.float32), y[tr].astype(np.int64),
                 np.ascontiguousarray(x[te], np.float32), y[te].astype(np.int64))


def load_digits(test_size: float = 0.2, seed: int = 0, flatten: bool = True) -> Split:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes), scaled to [0, 1].

    Args:
        test_size: fraction held out for testing.
        seed: seed of the train/test permutation.
        flatten: rows of 64 pixels (for an MLP); ``False`` gives ``(n, 1, 8, 8)`` images
            (for a CNN).

    Example:
        >>> xtr, ytr, xte, yte = pn.data.datasets.load_digits()
        >>> xtr.shape, xte.shape
        ((1438, 64), (359, 64))
    """
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("load_digits needs scikit-learn: pip install 'portanet[examples]'") from e
    d = sk_digits()
    x = d.images.astype(np.float32) / np.float32(16.0)
    x = x.reshape(len(x), 64) if flatten else x[:, None, :, :]
    return _split(x, d.target, test_size, np.random.default_rng(seed))


def two_spirals(n: int = 1000, noise: float = 0.05, turns: float = 1.5, test_size: float = 0.2,
                seed: int = 0) -> Split:
    """Two interleaved spirals in the plane (labels 0 and 1), a classic non-linear problem.

    Points lie at radius ``r`` in (0, 1] and angle ``2 pi turns r``; the second spiral is
    the first turned by 180 degrees; Gaussian noise of std ``noise`` is added.

    Example:
        >>> xtr, ytr, xte, yte = pn.data.datasets.two_spirals(n=500)
    """
    rng = np.random.default_rng(seed)
    r = np.sqrt(rng.uniform(0.0025, 1.0, n))       # sqrt: even density along the arm
    y = np.arange(n) % 2
    theta = 2 * math.pi * turns * r + math.pi * y
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    x += rng.normal(0.0, noise, x.shape)
    return _split(x, y, test_size, rng)


def moons(n: int = 1000, noise: float = 0.1, test_size: float = 0.2, seed: int = 0) -> Split:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), labels 0 and 1.

    Example:
        >>> xtr, ytr, xte, yte = pn.data.datasets.moons(n=300, noise=0.2)
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.0, math.pi, n)
    x = np.where(y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
    x += rng.normal(0.0, noise, x.shape)
    return _split(x, y, test_size, rng)


# One hand-drawn 12-point stroke per digit class (our own; Greydanus's MNIST-1D, 2020,
# uses other templates, but the same idea: small 1-D patterns made hard by random
# placement, width, shear and noise).
_TEMPLATES = np.array([
    [0, 2, 3, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3, 2, 0],
    [0, -1, -1, 0, 1, 2, 3, 4, 4, 3, 0, 0],
    [0, 2, 3, 3, 2, 0, -1, -2, -2, -1, 0, 0],
    [0, 2, 3, 2, 0, 2, 3, 2, 0, -1, -1, 0],
    [0, 3, 3, 0, -2, -2, 0, 3, 3, 0, 0, 0],
    [0, -2, -3, -2, 0, 2, 3, 2, 0, 0, 0, 0],
    [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, -1, 0],
    [0, 4, 4, 4, 3, 2, 1, 0, -1, -2, -2, 0],
    [0, 2, 0, -2, 0, 2, 0, -2, 0, 2, 0, 0],
    [0, -3, -3, -3, -2, -1, 0, 1, 2, 3, 3, 0],
], dtype=np.float64)
_TEMPLATES /= np.abs(_TEMPLATES).max(axis=1, keepdims=True)


def mnist1d(n: int = 4000, length: int = 40, noise: float = 0.1, test_size: float = 0.2,
            seed: int = 0) -> Split:
    """A generated 1-D digit set in the spirit of MNIST-1D (Greydanus 2020): 10 classes.

    Each sample is its class's stroke, stretched to a random width (45-70% of
    ``length``), placed at a random offset, scaled, sheared by a random slope, plus
    smooth correlated noise and white noise of std ``noise``.  Shapes ``(n, length)``.

    Example:
        >>> xtr, ytr, xte, yte = pn.data.datasets.mnist1d(n=2000)
        >>> xtr.shape
        (1600, 40)
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    pos = np.arange(length, dtype=np.float64)
    width = rng.uniform(0.45, 0.7, n) * length
    offset = rng.uniform(0.0, 1.0, n) * (length - width)
    # where each output position falls on the 12-point stroke (outside: 0)
    u = (pos[None, :] - offset[:, None]) / width[:, None] * (_TEMPLATES.shape[1] - 1)
    inside = (u >= 0) & (u <= _TEMPLATES.shape[1] - 1)
    i0 = np.clip(np.floor(u).astype(np.int64), 0, _TEMPLATES.shape[1] - 2)
    frac = np.clip(u - i0, 0.0, 1.0)
    t = _TEMPLATES[y]
    stroke = np.take_along_axis(t, i0, 1) * (1 - frac) + np.take_along_axis(t, i0 + 1, 1) * frac
    x = np.where(inside, stroke, 0.0) * rng.uniform(0.8, 1.2, (n, 1))
    x += rng.normal(0.0, 0.5 / length, (n, 1)) * (pos - length / 2)   # shear
    kernel = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
    kernel /= np.sqrt((kernel ** 2).sum())                             # unit-variance smoothing
    smooth = np.stack([np.convolve(r, kernel, mode="same") for r in rng.normal(0.0, 1.0, (n, length))])
    x += 0.25 * smooth + rng.normal(0.0, noise, x.shape)
    return _split(x, y, test_size, rng)
