"""The array-api-strict backend: the portability referee.  Whatever runs here uses only
the standard; its simulated ``device1`` refuses host conversion as a GPU does.

Example:
    >>> pn.set_backend("array_api_strict", device="device1")
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .generic import Adapter

__all__ = ["StrictAdapter"]


class StrictAdapter(Adapter):
    name = "array_api_strict"
    namespaces = ("array_api_strict",)
    modules = ("array_api_strict",)
    distributions = ("array-api-strict",)
    install_hint = "array-api-strict: pip install 'portanet[test]'"

    def load(self) -> ModuleType:
        return self._import("array_api_strict")

    def parse_device(self, xp: ModuleType, device: Any) -> Any:
        return xp.Device(device) if isinstance(device, str) else device

    def cpu_place(self, bk) -> tuple | None:
        # its simulated devices ("device1") stand in for a GPU; "cpu" is its CPU device
        return None if bk.device is None else ("array_api_strict", None)

    def is_array(self, array: Any) -> bool:
        return type(array).__module__.startswith("array_api_strict")

    def from_host(self, data: Any) -> Any:
        # host NumPy data travels by copy, not by DLPack (which strict refuses off device)
        return np.asarray(data) if isinstance(data, (np.ndarray, np.generic)) else data

    def reads_are_free(self, bk) -> bool:
        # its CPU device is host memory; "device1" (and "device2") simulate an accelerator
        return bk.device is None or bk.device == bk.xp.Device("CPU_DEVICE")

    def reads_countable(self) -> bool:
        return True   # count_host_syncs wraps the read methods of its Array class

    def to_numpy(self, array: Any) -> np.ndarray:
        try:
            return np.from_dlpack(array)
        except Exception:
            # arrays on the simulated devices refuse DLPack export: read the NumPy inside
            return np.asarray(array._array).copy()
