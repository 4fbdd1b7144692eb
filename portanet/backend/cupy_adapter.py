"""The CuPy backend (NVIDIA GPUs), through array-api-compat's wrapper: CuPy arrays have no
``__array_namespace__``.  Loading fails with a clear error when no CUDA GPU answers.

Example:
    >>> pn.set_backend("cupy", device="cuda:0")
"""
from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any, Callable

import array_api_compat
import numpy as np

from .generic import Adapter, BackendError

__all__ = ["CupyAdapter"]


class CupyAdapter(Adapter):
    name = "cupy"
    namespaces = ("cupy", "array_api_compat.cupy")
    modules = ("cupy",)
    # cupy ships one distribution per CUDA major version
    distributions = ("cupy-cuda13x", "cupy-cuda12x", "cupy-cuda11x", "cupy")
    install_hint = ("CuPy and a CUDA GPU: pip install 'portanet[cuda12]' "
                    "(or 'portanet[cuda13]' for CUDA 13)")

    def load(self) -> ModuleType:
        cupy = self._import("cupy")
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA driver missing or broken
            raise BackendError(f"backend 'cupy' is installed but no CUDA GPU answers: {e}") from e
        if count < 1:
            raise BackendError("backend 'cupy' is installed but no CUDA GPU is visible")
        return self._import("array_api_compat.cupy")

    def parse_device(self, xp: ModuleType, device: Any) -> Any:
        if isinstance(device, (str, int)):
            import cupy
            return cupy.cuda.Device(int(str(device).split(":")[-1]))
        return device

    def describe_device(self, bk) -> str:
        text = super().describe_device(bk)
        try:  # cupy was imported by load(); reading it here imports nothing new
            cupy = sys.modules["cupy"]
            props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
            gpu = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            return f"{text} ({gpu})"
        except Exception as e:  # doctor's training check still tells whether it works
            return f"{text} (GPU name unknown: {e})"

    def torch_device(self, bk) -> tuple:
        return ("cuda", int(getattr(bk.device, "id", 0) or 0))

    def cpu_place(self, bk) -> tuple:
        return ("numpy", None)

    def is_array(self, array: Any) -> bool:
        return array_api_compat.is_cupy_array(array)

    def reads_are_free(self, bk) -> bool:
        return False

    def reads_countable(self) -> bool:
        # cupy.ndarray's methods cannot be wrapped; allow_synchronize(False) (deprecated,
        # still in CuPy 14) makes every other sync raise while portanet's own are counted
        import cupyx
        return hasattr(cupyx, "allow_synchronize")

    def to_numpy(self, array: Any) -> np.ndarray:
        return array.get()

    def fast_paths(self, xp: ModuleType) -> dict[str, Callable]:
        import cupy

        import warnings

        import cupyx

        # cupyx.scatter_add warns that it is deprecated for cupy.add.at, but measured on an
        # H200 (benchmarks/RESULTS.md) cupy.add.at made the CNN step 1.3 ms slower than even
        # the generic path: keep scatter_add while it exists, without its warning
        warnings.filterwarnings("ignore", message=r".*scatter_add.* is deprecated",
                                category=DeprecationWarning)

        def index_add(n, idx, values):
            out = cupy.zeros((n,) + values.shape[1:], dtype=values.dtype)
            cupyx.scatter_add(out, idx, values)
            return out

        # the fused CUDA kernels (Adam, SGD, the LSTM cell); PORTANET_CUPY_KERNELS=0 leaves
        # them out and the generic code runs
        from ..kernels.cupy_kernels import paths
        kernels = paths() if os.environ.get("PORTANET_CUPY_KERNELS", "1") != "0" else {}
        return {"index_add": index_add, **kernels}
