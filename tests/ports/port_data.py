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


def mnist(train: bool, transform=None, n: int | None = None, normalize: bool = True) -> ImageSet:
    """MNIST-shaped: (1, 28, 28) float32, normalized as ``Normalize((0.1307,), (0.3081,))`` would
    (``normalize=False``: in (0, 1), as ``ToTensor()`` alone gives)."""
    n = n or 16
    x, y = _images(n, (1, 28, 28), 1 if train else 2, 0.5)
    x = 1.0 / (1.0 + np.exp(-x))                       # pixel values in (0, 1)
    if not normalize:
        return ImageSet(x.astype(np.float32), y, transform)
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


def faces(n: int = 16, image_size: int = 16, transform=None) -> ImageSet:
    """CelebA-shaped for the DCGAN port: (3, image_size, image_size) float32 in (-1, 1), as
    ``ImageFolder`` with ``Normalize((0.5,)*3, (0.5,)*3)`` gives; labels are all 0 (one folder)."""
    x, _ = _images(n, (3, image_size, image_size), 7, 0.6)
    return ImageSet(np.tanh(x).astype(np.float32), np.zeros(n, np.int64), transform)


def save_image(tensor, fp, nrow: int = 8, **kwargs) -> None:
    """Stands in for ``torchvision.utils.save_image``: checks the batch is images, writes nothing."""
    if len(tensor.shape) not in (3, 4):
        raise ValueError(f"save_image: expected (C, H, W) or (N, C, H, W), got {tuple(tensor.shape)}")


# A stand-in for torchtext's WikiText2: sentences from a small grammar, so that the next
# word is partly predictable and a language model's loss goes down in a few steps.
_SUBJ = ["the cat", "a dog", "the old man", "my sister", "the bird", "a child"]
_VERB = ["sees", "likes", "finds", "follows", "hears"]
_OBJ = ["the ball", "a tree", "the river", "an apple", "the house", "a song"]


def WikiText2(split=("train", "valid", "test")):
    """Lists of text lines (``split`` one name: that split; else a tuple of the three)."""
    if not isinstance(split, str):
        return tuple(WikiText2(s) for s in split)
    rng = np.random.default_rng({"train": 11, "valid": 12, "test": 13}[split])
    n = {"train": 24, "valid": 8, "test": 8}[split]
    lines = []
    for _ in range(n):
        lines.append(f"{_SUBJ[rng.integers(6)]} {_VERB[rng.integers(5)]} {_OBJ[rng.integers(6)]} .")
        if rng.random() < 0.2:
            lines.append("")                            # WikiText2 has empty lines
    return lines


def get_tokenizer(name: str):
    """``basic_english``: lower case, split on spaces."""
    if name != "basic_english":
        raise ValueError(f"get_tokenizer: only 'basic_english' here, got {name!r}")
    return lambda line: line.lower().split()


class Vocab:
    """torchtext's ``Vocab``: ``vocab(tokens)`` -> ids, ``vocab[token]``, ``len(vocab)``."""

    def __init__(self, itos):
        self.itos, self.stoi, self.default = list(itos), {w: i for i, w in enumerate(itos)}, None

    def set_default_index(self, i: int) -> None:
        self.default = i

    def __getitem__(self, token: str) -> int:
        return self.stoi.get(token, self.default)

    def __call__(self, tokens):
        return [self[t] for t in tokens]

    def __len__(self) -> int:
        return len(self.itos)


def build_vocab_from_iterator(iterator, specials=()):
    """Specials first, then tokens by decreasing frequency (ties: first seen), as torchtext."""
    counts: dict[str, int] = {}
    for tokens in iterator:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    return Vocab(list(specials) + [w for w in words if w not in specials])


# A stand-in for the seq2seq tutorial's data/eng-fra.txt: French sentences and their
# English translations, built from small phrase tables (tab separated, as the file).
_FRA = [("je suis", "i am"), ("il est", "he is"), ("elle est", "she is"), ("nous sommes", "we are"),
        ("tu es", "you are")]
_ADJ = [("grand", "tall"), ("fatigue", "tired"), ("content", "happy"), ("pret", "ready"),
        ("malade", "sick"), ("en retard", "late")]


def eng_fra_lines() -> list[str]:
    """``english\\tfrench`` lines, as the tutorial's ``data/eng-fra.txt``."""
    lines = []
    for fr, en in _FRA:
        for afr, aen in _ADJ:
            lines.append(f"{en.capitalize()} {aen}.\t{fr.capitalize()} {afr}.")
    return lines
