"""Saving and loading: flat state dicts (:func:`save`/:func:`load`) and whole training
states (:func:`save_checkpoint`/:func:`load_checkpoint`), both plain safetensors files.

See :mod:`portanet.io` for the overview, :mod:`portanet.io.files` for how a save
behaves like ``open(path, "wb")``, :mod:`portanet.io.format` for the checks on read.
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import get_backend, to_numpy
from ..nn.parameter import is_lazy
from .files import write_like_open
from .format import CheckpointError, TensorFile, encode_header, write_tensors
from .restore import restore_all

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint", "NonFiniteError"]

_TREE_KEY = "portanet.tree"


class NonFiniteError(ValueError):
    """NaN or infinity where it is refused: in a save with ``check_finite=True`` (the
    training checkpoints of ``fit``), or in the training loss watched by
    :class:`portanet.train.TerminateOnNaN`."""


def _is_array(v: Any) -> bool:
    return isinstance(v, (Tensor, np.generic)) or (hasattr(v, "shape") and hasattr(v, "dtype"))


def _host(v: Any) -> np.ndarray:
    # not np.ascontiguousarray: it turns 0-d arrays (e.g. BatchNorm's num_batches_tracked)
    # into shape (1,), and the checkpoint would then not load into the model
    return np.require(to_numpy(v), requirements="C")


def _nonfinite(arrays: dict) -> list:
    return [k for k, a in arrays.items()
            if a.dtype.kind in "fc" and a.size and not np.isfinite(a).all()]


def _write(arrays: dict, path: str | os.PathLike, metadata: dict, who: str, check_finite: bool) -> None:
    """Check and encode everything, then write like ``open(path, "wb")`` but atomically
    (:func:`portanet.io.files.write_like_open`): a refused or failed save leaves any
    previous file intact."""
    from .. import __version__
    meta = {"format": "portanet", "portanet_version": __version__, "backend": get_backend().name,
            "dtypes": json.dumps({k: a.dtype.name for k, a in arrays.items()}), **metadata}
    head, ordered = encode_header(arrays, meta, who)
    if check_finite:
        bad = _nonfinite(arrays)
        if bad:
            raise NonFiniteError(
                f"{who}: refusing to write {os.fspath(path)!r}: {len(bad)} tensor(s) hold NaN or "
                f"infinity ({', '.join(bad[:5])}{', ...' if len(bad) > 5 else ''}); any previous "
                "file there is left as it was")
    write_like_open(path, lambda f: write_tensors(f, head, ordered), who)


def save(obj: dict, path: str | os.PathLike, metadata: dict | None = None, *,
         check_finite: bool = False) -> None:
    """Write a flat dict of Tensors/arrays to ``path`` in safetensors format, atomically.

    Args:
        obj: ``{name: Tensor or array}``, e.g. ``model.state_dict()``; the name
            ``"__metadata__"`` is reserved by the format and refused.
        metadata: extra ``{key: value}`` stored in the header (non-strings as JSON).
        check_finite: refuse (:class:`NonFiniteError`) to write when a floating tensor
            holds NaN or infinity; ``fit``'s checkpoints use it.

    The file also records the portanet version, each tensor's dtype and the backend
    that wrote it.  It is created as ``open(path, "wb")`` would create it (mode 0o666
    less the umask, an existing file's mode kept, symbolic links followed, a
    read-only file refused with ``PermissionError``), but written to a temporary
    sibling and renamed over the target only when complete, so a failed save leaves
    any previous file intact (see :mod:`portanet.io.files`).

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
                          for k, v in (metadata or {}).items()}, "pn.save", check_finite)


def load(path: str | os.PathLike, map_location: Any = None, *, weights_only: bool = True) -> dict:
    """Read a safetensors file into ``{name: host NumPy array}``.

    Nothing in the file is executed; pickles (every protocol), zip archives (``.npz``,
    PyTorch ``.pt``) and corrupt or truncated files are refused with a
    :class:`CheckpointError` that says what the file looks like.  bfloat16 tensors
    (written by PyTorch or JAX) come back as float32, exactly.  Each tensor is read
    straight into its array: memory peaks at about the file's size.  A
    :func:`save_checkpoint` file loads too, flat, with its dotted names.

    Args:
        map_location, weights_only: accepted so that ``torch.load(PATH, weights_only=True)``
            and ``map_location="cpu"`` run unchanged; the arrays are always host arrays
            (``load_state_dict`` moves them to the model's backend) and nothing but
            tensors is ever read, whatever ``weights_only`` says.

    Example:
        >>> model.load_state_dict(pn.load("model.safetensors"))
    """
    with TensorFile(path, "pn.load") as tf:
        return tf.read_all()


def read_header(path: str | os.PathLike) -> dict:
    """The checked safetensors header of ``path`` (``"__metadata__"`` included)."""
    with TensorFile(path, "pn.load") as tf:
        return tf.header


# ---------------------------------------------------------------- nested checkpoints
# JSON nodes: numbers, strings, booleans, null and lists stand for themselves; every
# other value is an object with one tag, so int keys, tuples and Counters (an
# optimizer's state indices, Adam's betas, MultiStepLR's milestones) come back as
# they were, and an array is a reference to its dotted name in the tensor table.

def _encode(v: Any, name: str, arrays: dict, who: str = "pn.save_checkpoint") -> Any:
    if _is_array(v):
        if name in arrays:
            raise ValueError(f"{who}: two values would be stored under {name!r}")
        arrays[name] = _host(v)
        return {"tensor": name}
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, (dict, Counter)):
        for k in v:
            if not (k is None or isinstance(k, (bool, int, float, str))):
                raise TypeError(f"{who}: {name or 'the checkpoint'} has a key of type "
                                f"{type(k).__name__} ({k!r}); keys must be str, int, float, bool or None")
        items = [[k, _encode(x, f"{name}.{k}" if name else str(k), arrays, who)] for k, x in v.items()]
        return {"counter" if isinstance(v, Counter) else "dict": items}
    if isinstance(v, tuple):
        return {"tuple": [_encode(x, f"{name}.{i}" if name else str(i), arrays, who) for i, x in enumerate(v)]}
    if isinstance(v, list):
        return [_encode(x, f"{name}.{i}" if name else str(i), arrays, who) for i, x in enumerate(v)]
    raise TypeError(f"{who}: cannot store {name or 'the checkpoint'!r}, a "
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
                    rng: bool = True, *, check_finite: bool = False, **extra: Any) -> None:
    """Write a full training state to ``path`` (safetensors, atomic, no pickle).

    Args:
        model, optimizer, scheduler, loader: objects with ``state_dict()``; each given
            one is stored under its name.
        epoch: the number of finished epochs (or any position you want back).
        rng: also store the global random stream (``pn.random.get_rng_state()``).
        check_finite: refuse (:class:`NonFiniteError`) to write a state whose floating
            tensors hold NaN or infinity: ``fit``'s checkpoints use it, so a run that
            diverged never overwrites its resume point.
        **extra: more values: tensors, numbers, strings, None, lists/tuples/dicts of them.

    Everything is checked and serialized before the file is touched: an unstorable
    value raises ``TypeError`` and any previous file stays as it was.  The file is
    created as ``open(path, "wb")`` would create it (see :func:`save`).

    Example:
        >>> pn.save_checkpoint("ckpt.safetensors", model=model, optimizer=opt,
        ...                    scheduler=sched, loader=loader, epoch=epoch)
    """
    from .. import random as _random
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
    _write(arrays, path, {_TREE_KEY: json.dumps(tree, allow_nan=False)}, "pn.save_checkpoint",
           check_finite)


def read_checkpoint(path: str | os.PathLike, who: str = "pn.load_checkpoint") -> dict:
    """The nested state of a :func:`save_checkpoint` file, arrays as host NumPy arrays."""
    with TensorFile(path, who) as tf:
        meta = tf.metadata
        if _TREE_KEY not in meta:
            raise CheckpointError(f"{who}: {os.fspath(path)!r} holds a flat state dict "
                                  "(written by pn.save), not a training checkpoint: read it with pn.load")
        arrays = tf.read_all()
    try:
        return _decode(json.loads(meta[_TREE_KEY]), arrays)
    except Exception as e:
        raise CheckpointError(f"{who}: {os.fspath(path)!r} has a corrupt structure "
                              f"record: {e!r}") from None


def load_checkpoint(path: str | os.PathLike, model: Any = None, optimizer: Any = None,
                    scheduler: Any = None, loader: Any = None, rng: bool | None = None) -> dict:
    """Read a :func:`save_checkpoint` file; optionally restore objects from it in place.

    Args:
        model, optimizer, scheduler, loader: objects to restore with ``load_state_dict``
            from the entries of the same name.
        rng: restore the global random stream; default: when any object is restored.

    All or nothing: every part (model, optimizer, scheduler, loader and its sampler,
    random stream) is checked against its entry before any of them changes, so a
    refusal (the error of the part that refused, with a note saying so) leaves every
    object exactly as it was.

    Returns:
        The nested state as saved, arrays as host NumPy arrays.

    Example:
        >>> state = pn.load_checkpoint("ckpt.safetensors", model=model, optimizer=opt)
        >>> start = state["epoch"]
    """
    from .. import random as _random
    state = read_checkpoint(path)
    targets = [(k, o) for k, o in (("model", model), ("optimizer", optimizer),
                                   ("scheduler", scheduler), ("loader", loader)) if o is not None]
    missing = [k for k, _ in targets if k not in state]
    if missing or (rng and "rng" not in state):
        raise CheckpointError(f"pn.load_checkpoint: {os.fspath(path)!r} holds no "
                              f"{', '.join(missing or ['rng'])} (it holds {', '.join(state)})")
    parts = [(k, o, state[k]) for k, o in targets]
    if ((rng is None and targets) or rng) and "rng" in state:
        parts.append(("random stream", _random.default_generator, state["rng"]))
    restore_all(parts, "pn.load_checkpoint")
    return state
