"""``torch.utils.data``'s path to :mod:`portanet.data`: the same objects, under PyTorch's names.

Example:
    >>> from portanet.utils.data import DataLoader, Dataset, TensorDataset, random_split
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, num_workers=2)
"""
from ...data import (DataLoader, Dataset, DistributedSampler, Subset, TensorDataset,  # noqa: F401
                     default_collate, random_split)
from ...data.worker import WorkerInfo, get_worker_info  # noqa: F401
# dataapi: torch.utils.data's samplers, datasets and collation
from ...data import (BatchSampler, ChainDataset, ConcatDataset, IterableDataset,  # noqa: F401
                     RandomSampler, Sampler, SequentialSampler, StackDataset, SubsetRandomSampler,
                     WeightedRandomSampler, default_convert)
from . import dataloader, dataset, distributed, sampler  # noqa: F401

__all__ = ["DataLoader", "Dataset", "TensorDataset", "Subset", "random_split", "default_collate",
           "DistributedSampler", "get_worker_info", "WorkerInfo",
           "IterableDataset", "ConcatDataset", "ChainDataset", "StackDataset", "default_convert",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]
