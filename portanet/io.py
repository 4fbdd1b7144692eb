"""Checkpoints in safetensors: no pickle, loading runs no code, writes are atomic.

Two kinds of file, both plain safetensors (readable by any safetensors library):

* :func:`save` / :func:`load`: a flat ``{name: tensor}`` dict, e.g. ``model.state_dict()``.
* :func:`save_checkpoint` / :func:`load_checkpoint`: a whole training state (model,
  optimizer, scheduler, data-loader position, random stream, epoch, anything else),
  a nested structure whose arrays are stored under dotted names
  (``"optimizer.state.0.exp_avg"``) and whose other values (numbers, strings, lists,
  tuples) go into the file's JSON metadata.  A run resumed from it continues exactly
  as if it had never stopped.

Loading returns host NumPy arrays and never imports the backend that wrote the file.

Example:
    >>> pn.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(pn.load("model.safetensors"))
    >>> pn.save_checkpoint("ckpt.safetensors", model=model, optimizer=opt, epoch=3)
    >>> state = pn.load_checkpoint("ckpt.safetensors", model=model, optimizer=opt)
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from typing import Any

import numpy as np

from .autograd.tensor import Tensor
from .backend import get_backend, to_numpy
from .nn.parameter import is_lazy

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint", "CheckpointError"]

_MAGIC_HINT = {b"\x80": "a Python pickle", b"PK": "a zip archive (.npz or a PyTorch .pt file)",
               b"\x93NUMPY": "a NumPy .npy file"}
_TREE_KEY = "portanet.tree"


class CheckpointError(ValueError):
    """A file that is not a valid portanet/safetensors checkpoint."""


def _is_array(v: Any) -> bool:
    return isinstance(v, (Tensor, np.generic)) or (hasattr(v, "shape") and hasattr(v, "dtype"))


def _host(v: Any) -> np.ndarray:
    # not np.ascontiguousarray: it turns 0-d arrays (e.g. BatchNorm's num_batches_tracked)
    # into shape (1,), and the checkpoint would then not load into the model
    return np.require(to_numpy(v), requirements="C")


def _write(arrays: dict, path: str | os.PathLike, metadata: dict) -> None:
    """Serialize, then write to a temporary sibling and rename it over ``path``: a failed
    save (bad value, full disk, crash) leaves any previous file intact."""
    from safetensors.numpy import save as st_save
    from . import __version__
    meta = {"format": "portanet", "portanet_version": __version__, "backend": get_backend().name,
            "dtypes": json.dumps({k: a.dtype.name for k, a in arrays.items()}), **metadata}
    blob = st_save(arrays, metadata=meta)
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors",
                               dir=os.path.dirname(os.path.abspath(path)))
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


def save(obj: dict, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a flat dict of Tensors/arrays to ``path`` in safetensors format, atomically.

    Args:
        obj: ``{name: Tensor or array}``, e.g. ``model.state_dict()``.
        metadata: extra ``{key: value}`` stored in the header (non-strings as JSON).

    The file also records the portanet version, each tensor's dtype and the backend
    that wrote it.  The file is written to a temporary sibling and renamed over
    ``path`` only when complete, so a failed save leaves any previous file intact.

    Example:
        >>> pn.save(model.state_dict(), "model.safetensors")
    """
    arrays = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"pn.save: keys must be strings, got {k!r}")
        if is_lazy(v):   # PyTorch pickles the placeholder; safetensors holds only values
            raise ValueError(f"pn.save: {k!r} is an uninitialized parameter of a lazy module; "
                             "run one forward pass (a dry run) before saving")
        if not _is_array(v):
            raise TypeError(f"pn.save: value for {k!r} is a {type(v).__name__}, not a tensor "
                            "(use pn.save_checkpoint for nested or non-tensor values)")
        arrays[k] = _host(v)
    _write(arrays, path, {str(k): v if isinstance(v, str) else json.dumps(v)
                          for k, v in (metadata or {}).items()})


def _read(path: str | os.PathLike) -> tuple[bytes, dict]:
    """The file's bytes and its parsed safetensors header, after every safety check."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        blob = f.read()
    for magic, what in _MAGIC_HINT.items():
        if blob.startswith(magic):
            raise CheckpointError(f"pn.load: {path!r} looks like {what}, not a safetensors file; "
                                  "portanet never unpickles (that would run code from the file)")
    if len(blob) < 8:
        raise CheckpointError(f"pn.load: {path!r} is too short to be a safetensors file ({len(blob)} bytes)")
    n = int.from_bytes(blob[:8], "little")
    if n > len(blob) - 8:
        raise CheckpointError(f"pn.load: {path!r} is not a valid safetensors file (truncated or "
                              f"corrupt): its header claims {n} bytes, the file holds {len(blob) - 8}")
    try:
        header = json.loads(blob[8:8 + n])
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except Exception as e:
        raise CheckpointError(f"pn.load: {path!r} is not a valid safetensors file (corrupt header): {e}") from None
    if 8 + n + end > len(blob):
        raise CheckpointError(f"pn.load: {path!r} is truncated: its tensors need {end} bytes of data, "
                              f"the file holds {len(blob) - 8 - n}")
    return blob, header


def _arrays(blob: bytes, path: Any) -> dict:
    from safetensors.numpy import load as st_load
    try:
        return dict(st_load(blob))
    except Exception as e:
        raise CheckpointError(f"pn.load: {os.fspath(path)!r} is not a valid safetensors file "
                              f"(truncated or corrupt): {e}") from None


def load(path: str | os.PathLike, map_location: Any = None, *, weights_only: bool = True) -> dict:
    """Read a safetensors file into ``{name: host NumPy array}``.

    Nothing in the file is executed; pickles, zip archives (``.npz``, PyTorch ``.pt``)
    and corrupt or truncated files are refused with a :class:`CheckpointError` that says
    what the file looks like.  A :func:`save_checkpoint` file loads too, flat, with its
    dotted names.

    Args:
        map_location, weights_only: accepted so that ``torch.load(PATH, weights_only=True)``
            and ``map_location="cpu"`` run unchanged; the arrays are always host arrays
            (``load_state_dict`` moves them to the model's backend) and nothing but
            tensors is ever read, whatever ``weights_only`` says.

    Example:
        >>> model.load_state_dict(pn.load("model.safetensors"))
    """
    blob, _ = _read(path)
    return _arrays(blob, path)


# ---------------------------------------------------------------- nested checkpoints
# JSON nodes: numbers, strings, booleans, null and lists stand for themselves; every
# other value is an object with one tag, so int keys, tuples and Counters (an
# optimizer's state indices, Adam's betas, MultiStepLR's milestones) come back as
# they were, and an array is a reference to its dotted name in the tensor table.

def _encode(v: Any, name: str, arrays: dict) -> Any:
    if _is_array(v):
        if name in arrays:
            raise ValueError(f"pn.save_checkpoint: two values would be stored under {name!r}")
        arrays[name] = _host(v)
        return {"tensor": name}
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, (dict, Counter)):
        for k in v:
            if not (k is None or isinstance(k, (bool, int, float, str))):
                raise TypeError(f"pn.save_checkpoint: {name or 'the checkpoint'} has a key of type "
                                f"{type(k).__name__} ({k!r}); keys must be str, int, float, bool or None")
        items = [[k, _encode(x, f"{name}.{k}" if name else str(k), arrays)] for k, x in v.items()]
        return {"counter" if isinstance(v, Counter) else "dict": items}
    if isinstance(v, tuple):
        return {"tuple": [_encode(x, f"{name}.{i}", arrays) for i, x in enumerate(v)]}
    if isinstance(v, list):
        return [_encode(x, f"{name}.{i}", arrays) for i, x in enumerate(v)]
    raise TypeError(f"pn.save_checkpoint: cannot store {name or 'the checkpoint'!r}, a "
                    f"{type(v).__name__}; a checkpoint holds tensors, numbers, strings, None "
                    "and lists/tuples/dicts of them (no pickle, so no arbitrary objects)")


def _decode(node: Any, arrays: dict) -> Any:
    if isinstance(node, list):
        return [_decode(x, arrays) for x in node]
    if not isinstance(node, dict):
        return node
    (tag, val), = node.items()
    if tag == "tensor":
        return arrays[val]
    if tag == "float":
        return float(val)
    if tag == "tuple":
        return tuple(_decode(x, arrays) for x in val)
    items = {k: _decode(x, arrays) for k, x in val}
    return Counter(items) if tag == "counter" else items


def save_checkpoint(path: str | os.PathLike, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, loader: Any = None, epoch: int | None = None,
                    rng: bool = True, **extra: Any) -> None:
    """Write a full training state to ``path`` (safetensors, atomic, no pickle).

    Args:
        model, optimizer, scheduler, loader: objects with ``state_dict()``; each given
            one is stored under its name.
        epoch: the number of finished epochs (or any position you want back).
        rng: also store the global random stream (``pn.random.get_rng_state()``).
        **extra: more values: tensors, numbers, strings, None, lists/tuples/dicts of them.

    Everything is checked and serialized before the file is touched: an unstorable
    value raises ``TypeError`` and any previous file stays as it was.

    Example:
        >>> pn.save_checkpoint("ckpt.safetensors", model=model, optimizer=opt,
        ...                    scheduler=sched, loader=loader, epoch=epoch)
    """
    from . import random as _random
    state = {k: o.state_dict() for k, o in
             (("model", model), ("optimizer", optimizer), ("scheduler", scheduler), ("loader", loader))
             if o is not None}
    if epoch is not None:
        state["epoch"] = int(epoch)
    if rng:
        state["rng"] = _random.get_rng_state()
    clash = set(state) & set(extra)
    if clash:
        raise TypeError(f"pn.save_checkpoint: {sorted(clash)} given twice")
    state.update(extra)
    arrays: dict = {}
    tree = _encode(state, "", arrays)
    _write(arrays, path, {_TREE_KEY: json.dumps(tree, allow_nan=False)})


def load_checkpoint(path: str | os.PathLike, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, loader: Any = None, rng: bool | None = None) -> dict:
    """Read a :func:`save_checkpoint` file; optionally restore objects from it in place.

    Args:
        model, optimizer, scheduler, loader: objects to restore with ``load_state_dict``
            from the entries of the same name (in this order; each validates its entry).
        rng: restore the global random stream; default: when any object is restored.

    Returns:
        The nested state as saved, arrays as host NumPy arrays.

    Example:
        >>> state = pn.load_checkpoint("ckpt.safetensors", model=model, optimizer=opt)
        >>> start = state["epoch"]
    """
    from . import random as _random
    blob, header = _read(path)
    meta = header.get("__metadata__") or {}
    if _TREE_KEY not in meta:
        raise CheckpointError(f"pn.load_checkpoint: {os.fspath(path)!r} holds a flat state dict "
                              "(written by pn.save), not a training checkpoint: read it with pn.load")
    arrays = _arrays(blob, path)
    try:
        state = _decode(json.loads(meta[_TREE_KEY]), arrays)
    except Exception as e:
        raise CheckpointError(f"pn.load_checkpoint: {os.fspath(path)!r} has a corrupt structure "
                              f"record: {e!r}") from None
    targets = [(k, o) for k, o in (("model", model), ("optimizer", optimizer),
                                   ("scheduler", scheduler), ("loader", loader)) if o is not None]
    missing = [k for k, _ in targets if k not in state]
    if missing or (rng and "rng" not in state):
        raise CheckpointError(f"pn.load_checkpoint: {os.fspath(path)!r} holds no "
                              f"{', '.join(missing or ['rng'])} (it holds {', '.join(state)})")
    for k, o in targets:
        o.load_state_dict(state[k])
    if (rng is None and targets) or rng:
        if "rng" in state:
            _random.set_rng_state(state["rng"])
    return state
