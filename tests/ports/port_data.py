"""Small offline stand-ins for the datasets the ported scripts download (NumPy only).

The only change the ports make beyond their import lines is to load these instead of
torchvision's MNIST, FashionMNIST and CIFAR-10 or the tutorial's name files.  Images
are class templates (smooth random patterns, one per class) plus noise, so a model
learns something in a few steps; everything is generated from fixed seeds.

A dataset's ``transform`` (``torch.tensor`` in the ports, as ``ToTensor()`` there) is
applied to each image, so samples are the library's tensors as in the originals.
"""
from __future__ import annotations

import numpy as np


class ImageSet:
    """Map-style dataset of ``(image, label)``; ``label`` is a Python int."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        x = self.images[i]
        return (self.transform(x) if self.transform is not None else x), int(self.labels[i])


def _images(n: int, shape: tuple, seed: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1234)                   # the same templates for train and test
    c, h, w = shape
    coarse = rng.normal(size=(10, c, h // 4 + 1, w // 4 + 1))
    templates = coarse.repeat(4, axis=2).repeat(4, axis=3)[:, :, :h, :w]
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    x = templates[labels] + noise * rng.normal(size=(n, c, h, w))
    return x, labels


def mnist(train: bool, transform=None, n: int | None = None) -> ImageSet:
    """MNIST-shaped: (1, 28, 28) float32, normalized as ``Normalize((0.1307,), (0.3081,))`` would."""
    n = n or 16
    x, y = _images(n, (1, 28, 28), 1 if train else 2, 0.5)
    x = 1.0 / (1.0 + np.exp(-x))                       # pixel values in (0, 1)
    return ImageSet(((x - 0.1307) / 0.3081).astype(np.float32), y, transform)


def fashion_mnist(train: bool, transform=None, n: int | None = None) -> ImageSet:
    """FashionMNIST-shaped: (1, 28, 28) float32 in (0, 1), as ``ToTensor()`` gives."""
    n = n or (128 if train else 32)
    x, y = _images(n, (1, 28, 28), 3 if train else 4, 0.7)
    return ImageSet((1.0 / (1.0 + np.exp(-x))).astype(np.float32), y, transform)


def cifar10(train: bool, transform=None, n: int | None = None) -> ImageSet:
    """CIFAR-10-shaped: (3, 32, 32) float32 in (-1, 1), as ``Normalize((0.5,)*3, (0.5,)*3)`` gives."""
    n = n or (16 if train else 20)
    x, y = _images(n, (3, 32, 32), 5 if train else 6, 0.8)
    return ImageSet(np.tanh(x).astype(np.float32), y, transform)


# A few surnames per language: a stand-in for the tutorial's data/names/*.txt.
NAMES = {
    "English": ["Smith", "Jones", "Taylor", "Brown", "Walker", "Wright", "Hughes", "Green"],
    "French": ["Martin", "Bernard", "Dubois", "Lefebvre", "Moreau", "Laurent", "Fournier", "Girard"],
    "German": ["Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"],
    "Italian": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"],
    "Japanese": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"],
}
