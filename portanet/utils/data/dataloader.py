"""``torch.utils.data.dataloader``'s path: ``from portanet.utils.data.dataloader import default_collate``."""
from ...data.collate import default_collate, default_convert  # noqa: F401
from ...data.loader import DataLoader  # noqa: F401
from ...data.worker import get_worker_info  # noqa: F401

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
