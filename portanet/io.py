"""Checkpoints in safetensors: no pickle, loading runs no code, writes are atomic.

Example:
    >>> pn.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(pn.load("model.safetensors"))
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

from .autograd.tensor import Tensor
from .backend import get_backend, to_numpy

__all__ = ["save", "load", "CheckpointError"]

_MAGIC_HINT = {b"\x80": "a Python pickle", b"PK": "a zip archive (.npz or a PyTorch .pt file)",
               b"\x93NUMPY": "a NumPy .npy file"}


class CheckpointError(ValueError):
    """A file that is not a valid portanet/safetensors checkpoint."""


def save(obj: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a flat dict of Tensors/arrays to ``path`` in safetensors format, atomically.

    The file is written to a temporary sibling and renamed over ``path`` only when
    complete, so a failed save leaves any previous file intact.
    """
    from safetensors.numpy import save as st_save
    from . import __version__
    arrays = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"pn.save: keys must be strings, got {k!r}")
        arr = to_numpy(v) if (isinstance(v, Tensor) or hasattr(v, "shape")) else None
        if arr is None:
            raise TypeError(f"pn.save: value for {k!r} is a {type(v).__name__}, not a tensor")
        arrays[k] = np.ascontiguousarray(arr)
    meta = {"format": "portanet", "portanet_version": __version__,
            "backend": get_backend().name,
            "dtypes": json.dumps({k: a.dtype.name for k, a in arrays.items()})}
    for k, v in (metadata or {}).items():
        meta[str(k)] = v if isinstance(v, str) else json.dumps(v)
    blob = st_save(arrays, metadata=meta)
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike, backend: Any = None) -> dict:
    """Read a safetensors file into ``{name: host NumPy array}``.

    Nothing in the file is executed; pickles, zip archives and corrupt or truncated
    files are refused with a :class:`CheckpointError` that says what the file looks like.
    """
    from safetensors.numpy import load as st_load
    path = os.fspath(path)
    with open(path, "rb") as f:
        blob = f.read()
    for magic, what in _MAGIC_HINT.items():
        if blob.startswith(magic):
            raise CheckpointError(f"pn.load: {path!r} looks like {what}, not a safetensors file; "
                                  "portanet never unpickles (that would run code from the file)")
    if len(blob) < 8:
        raise CheckpointError(f"pn.load: {path!r} is too short to be a safetensors file ({len(blob)} bytes)")
    try:
        return dict(st_load(blob))
    except Exception as e:
        raise CheckpointError(f"pn.load: {path!r} is not a valid safetensors file "
                              f"(truncated or corrupt): {e}") from None
