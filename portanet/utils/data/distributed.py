"""``torch.utils.data.distributed``'s path: ``from portanet.utils.data.distributed import DistributedSampler``."""
from ...data.sampler import DistributedSampler  # noqa: F401

__all__ = ["DistributedSampler"]
