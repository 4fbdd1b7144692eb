"""``torch.nn.parallel``'s names, for scripts that import or wrap with them.

``DataParallel`` on one device is PyTorch's own behaviour on a machine with one GPU (or
none): it calls the module, and its ``state_dict`` keys gain the ``module.`` prefix.
Splitting a batch over several GPUs in one process is not supported: more than one device
in ``device_ids`` is refused, pointing to :mod:`portanet.distributed` (one process per
device, as PyTorch recommends over ``DataParallel``).
``DistributedDataParallel`` is :class:`portanet.distributed.DistributedDataParallel`.

Example:
    >>> net = pn.nn.DataParallel(pn.nn.Linear(2, 1))    # one device: the module itself
    >>> list(net.state_dict())
    ['module.weight', 'module.bias']
"""
from __future__ import annotations

from typing import Any

from .module import Module

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]

_MANY = ("{who}: splitting a batch over {n} devices in one process is not supported; run "
         "one process per device with portanet.distributed.DistributedDataParallel")


def _one_device(who: str, device_ids) -> None:
    if device_ids is not None and len(set(map(str, device_ids))) > 1:
        raise NotImplementedError(_MANY.format(who=who, n=len(set(map(str, device_ids)))))


class DataParallel(Module):
    """``nn.DataParallel(module, device_ids=None, output_device=None, dim=0)`` on one
    device: calls ``module`` (its parameters stay where they are)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be a Module, got {type(module).__name__}")
        _one_device("DataParallel", device_ids)
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device, self.dim = output_device, dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs: dict | None = None) -> Any:
    """``nn.parallel.data_parallel`` on one device: ``module(*inputs, **module_kwargs)``."""
    _one_device("data_parallel", device_ids)
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))


def __getattr__(name: str):
    if name == "DistributedDataParallel":      # imported late: distributed imports nn
        from ..distributed import DistributedDataParallel
        return DistributedDataParallel
    raise AttributeError(f"module 'portanet.nn.parallel' has no attribute {name!r}")
