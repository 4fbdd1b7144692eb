"""``torch.utils.data.sampler``'s path: ``from portanet.utils.data.sampler import SubsetRandomSampler``."""
from ...data.sampler import DistributedSampler  # noqa: F401
from ...data.samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401
                              SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]
