"""``torch.utils.data.dataset``'s path: ``from portanet.utils.data.dataset import Dataset, random_split``."""
from ...data.combined import ChainDataset, ConcatDataset, StackDataset  # noqa: F401
from ...data.dataset import Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "random_split",
           "ConcatDataset", "ChainDataset", "StackDataset"]
