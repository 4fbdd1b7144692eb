"""PyTorch's ``torch.utils`` paths: ``portanet.utils.data`` is :mod:`portanet.data`.

Example:
    >>> from portanet.utils.data import DataLoader, TensorDataset
"""
from . import data  # noqa: F401
