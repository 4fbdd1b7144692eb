"""Host staging of flat buffers: how a bucket's gradients reach MPI and come back.

MPI here works on host memory (NCCL is out of scope), so a bucket crosses to the host
and back once each way, as one flat array:

* generic path, any backend: :func:`portanet.backend.to_numpy` on the way out (no copy
  for NumPy and CPU torch, whose arrays already live on the host) and
  ``backend.asarray`` on the way back;
* CuPy: the device-to-host copy goes into a page-locked ("pinned") host buffer owned
  by the bucket and reused every step, and the host-to-device copy reads from one, so
  both transfers run at full PCIe speed without a pageable bounce.  This path is
  written from CuPy's documentation and has NOT been run on a GPU yet.

Example:
    >>> stage = stage_for(flat_grads, bk)
    >>> host = stage.to_host(flat_grads); out = stage.recv_buffer(host)
    >>> ...  # MPI reduces host into out
    >>> flat = stage.from_host(out)
"""
from __future__ import annotations

import numpy as np
from array_api_compat import is_cupy_array

from ..backend import to_numpy

__all__ = ["HostStage", "PinnedStage", "stage_for"]


class HostStage:
    """Generic staging through the backend's own host conversion."""

    def __init__(self, bk):
        self.bk = bk

    def to_host(self, flat) -> np.ndarray:
        return np.ascontiguousarray(to_numpy(flat))

    def recv_buffer(self, host: np.ndarray) -> np.ndarray:
        # fresh each time: the gradients written back may alias it (NumPy, torch CPU),
        # and the next step must not overwrite what a caller still holds
        return np.empty_like(host)

    def from_host(self, host: np.ndarray):
        return self.bk.asarray(host)


class PinnedStage(HostStage):
    """CuPy: one pinned send and one pinned receive buffer per bucket, reused.

    Untested on a GPU (none was available): written against CuPy 13's API,
    ``cupyx.empty_pinned`` and ``ndarray.get(out=...)``.
    """

    def __init__(self, bk, n: int, dtype):
        super().__init__(bk)
        import cupyx
        self.send = cupyx.empty_pinned((n,), dtype=np.dtype(dtype))
        self.recv = cupyx.empty_pinned((n,), dtype=np.dtype(dtype))

    def to_host(self, flat) -> np.ndarray:
        flat.get(out=self.send)            # one device-to-host copy into pinned memory
        return self.send

    def recv_buffer(self, host: np.ndarray) -> np.ndarray:
        return self.recv

    def from_host(self, host: np.ndarray):
        return self.bk.asarray(host)       # one host-to-device copy (a new device array)


def stage_for(flat, bk) -> HostStage:
    """The staging of a flat array of ``bk``: pinned buffers for CuPy, generic otherwise."""
    if is_cupy_array(flat):
        return PinnedStage(bk, flat.shape[0], flat.dtype)
    return HostStage(bk)
