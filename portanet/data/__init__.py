"""Datasets and mini-batch loading; ``pn.data.datasets`` holds small bundled/generated sets.

Example:
    >>> from portanet.data import DataLoader, TensorDataset, datasets
    >>> xtr, ytr, xte, yte = datasets.load_digits()
    >>> for xb, yb in DataLoader(TensorDataset(xtr, ytr), batch_size=32, shuffle=True):
    ...     pass
"""
from . import datasets  # noqa: F401
from .dataset import Dataset, Subset, TensorDataset, random_split  # noqa: F401
from .loader import DataLoader, default_collate  # noqa: F401
from .sampler import DistributedSampler  # noqa: F401
from .worker import get_worker_info  # noqa: F401

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate",
           "DistributedSampler", "datasets", "get_worker_info"]
