"""Datasets and mini-batch loading; ``pn.data.datasets`` holds small bundled/generated sets.

Example:
    >>> from portanet.data import DataLoader, TensorDataset, datasets
    >>> xtr, ytr, xte, yte = datasets.load_digits()
    >>> for xb, yb in DataLoader(TensorDataset(xtr, ytr), batch_size=32, shuffle=True):
    ...     pass
"""
from . import datasets  # noqa: F401
from .combined import ChainDataset, ConcatDataset, StackDataset  # noqa: F401
from .collate import default_collate, default_convert  # noqa: F401
from .dataset import Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401
from .loader import DataLoader  # noqa: F401
from .sampler import DistributedSampler  # noqa: F401
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401
                       SubsetRandomSampler, WeightedRandomSampler)
from .worker import WorkerInfo, get_worker_info  # noqa: F401

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate",
           "DistributedSampler", "datasets", "get_worker_info",
           # dataapi: torch.utils.data's surface
           "IterableDataset", "ConcatDataset", "ChainDataset", "StackDataset", "default_convert",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "WorkerInfo"]
