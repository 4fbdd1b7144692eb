"""``pn.save`` / ``pn.load``: what ``torch.save`` / ``torch.load`` users pass, without pickle.

* A flat ``{name: tensor}`` dict (``model.state_dict()``) is written as a plain
  safetensors file, readable by any safetensors library.
* Anything else made of tensors, numbers, strings, booleans, ``None`` and
  dicts/lists/tuples of them (the checkpoint idiom ``{"epoch": 3, "model":
  m.state_dict(), "optimizer": opt.state_dict(), "loss": 0.1}``, a single tensor, a
  list of tensors) is written as :func:`portanet.save_checkpoint` writes its state:
  tensors under dotted names, the structure as JSON in the file's metadata.

``f`` is a path or a binary file object (``io.BytesIO``, an open file).  A save to a
path is atomic (a failed or refused save leaves any previous file as it was); a save to
a file object encodes everything before its first write.  :func:`load` returns the
structure with Tensors on ``map_location``'s device (default: the current backend's),
int keys, tuples and floats as saved.

Example:
    >>> pn.save({"epoch": 3, "model": model.state_dict(), "loss": 0.1}, "ckpt.pt")
    >>> ckpt = pn.load("ckpt.pt", map_location="cpu")
    >>> model.load_state_dict(ckpt["model"])
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any

from ..autograd.tensor import Tensor
from ..nn.parameter import is_lazy
from . import checkpoint as _ck
from .format import CheckpointError, TensorFile, encode_header, write_tensors

__all__ = ["save", "load"]

_ROOT_TENSOR = "tensor"   # the name of a tensor saved on its own


def _is_flat(obj: Any) -> bool:
    return (isinstance(obj, dict) and type(obj) is not _ck.Counter and bool(obj)
            and all(isinstance(k, str) and _ck._is_array(v) for k, v in obj.items()))


def _encode(obj: Any) -> tuple[dict, dict]:
    """``(arrays, metadata)`` of ``obj``; raises before anything is written."""
    if _is_flat(obj):
        for k, v in obj.items():
            if is_lazy(v):   # PyTorch pickles the placeholder; safetensors holds only values
                raise ValueError(f"pn.save: {k!r} is an uninitialized parameter of a lazy module; "
                                 "run one forward pass (a dry run) before saving")
        return {k: _ck._host(v) for k, v in obj.items()}, {}
    arrays: dict = {}
    if _ck._is_array(obj):
        tree = _ck._encode(obj, _ROOT_TENSOR, arrays, "pn.save")
    else:
        _refuse_lazy(obj)
        tree = _ck._encode(obj, "", arrays, "pn.save")
    return arrays, {_ck._TREE_KEY: json.dumps(tree, allow_nan=False)}


def _refuse_lazy(v: Any, name: str = "") -> None:
    if is_lazy(v):
        raise ValueError(f"pn.save: {name!r} is an uninitialized parameter of a lazy module; "
                         "run one forward pass (a dry run) before saving")
    if isinstance(v, dict):
        for k, x in v.items():
            _refuse_lazy(x, f"{name}.{k}" if name else str(k))
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _refuse_lazy(x, f"{name}.{i}")


def save(obj: Any, f: Any, metadata: dict | None = None, *, check_finite: bool = False) -> None:
    """Write ``obj`` to ``f`` (a path or a binary file object), as ``torch.save`` but in
    safetensors, never pickle.

    Args:
        obj: a ``{name: tensor}`` state dict, or any nesting of dicts (str/int/float/bool
            keys), lists and tuples holding tensors, numbers, strings, booleans and None.
        f: a path (``str``/``PathLike``) or an object with ``write`` (``io.BytesIO``).
        metadata: extra ``{key: value}`` for the file's header (non-strings as JSON).
        check_finite: refuse (:class:`NonFiniteError`) when a floating tensor holds NaN
            or infinity.

    Anything else (a Module, a function, an arbitrary object) is refused with a
    ``TypeError`` naming where it is; save ``model.state_dict()`` instead of the model.
    The file is written as :func:`portanet.io.checkpoint.save` describes (mode as
    ``open`` gives it, atomic replacement).

    Example:
        >>> pn.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict()},
        ...         "checkpoint.pt")
        >>> buf = io.BytesIO(); pn.save(pn.ones(3), buf)
    """
    arrays, tree = _encode(obj)
    meta = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (metadata or {}).items()}
    meta.update(tree)
    if hasattr(f, "write"):
        if check_finite:
            bad = _ck._nonfinite(arrays)
            if bad:
                raise _ck.NonFiniteError(f"pn.save: refusing to write: {len(bad)} tensor(s) hold "
                                         f"NaN or infinity ({', '.join(bad[:5])})")
        from .. import __version__
        from ..backend import get_backend
        full = {"format": "portanet", "portanet_version": __version__,
                "backend": get_backend().name,
                "dtypes": json.dumps({k: a.dtype.name for k, a in arrays.items()}), **meta}
        head, ordered = encode_header(arrays, full, "pn.save")
        buf = io.BytesIO()        # everything encoded before the caller's object is touched
        write_tensors(buf, head, ordered)
        f.write(buf.getvalue())
        return
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"pn.save: f must be a path (str or os.PathLike) or a binary file object "
                        f"with write(), got {type(f).__name__}")
    _ck._write(arrays, f, meta, "pn.save", check_finite)   # atomic, like open(path, "wb")


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = True, mmap: bool | None = None, **pickle_load_args) -> Any:
    """Read what :func:`save` (or :func:`portanet.save_checkpoint`, or any safetensors
    writer) wrote, as ``torch.load``; nothing in the file is executed.

    Args:
        f: a path or a binary file object with ``read``.
        map_location: where the tensors go: ``None`` (the current backend's device),
            ``"cpu"``, ``"cuda[:i]"``, a :class:`portanet.device` or a backend name.  A
            dict or a function (torch's remapping forms) is refused: portanet files do
            not record the device they were saved from.
        weights_only: accepted (True or False): a portanet file only ever holds tensors
            and plain values, so both load the same, safely.
        pickle_module, mmap, pickle_load_args: refused when given (there is no pickle).

    Returns:
        The saved structure: a ``{name: Tensor}`` dict for a flat file, else the nested
        dicts/lists/tuples with Tensors.

    Example:
        >>> model.load_state_dict(pn.load("model.pt", weights_only=True))
        >>> ckpt = pn.load(buf, map_location=pn.device("cpu"))
    """
    if pickle_module is not None or pickle_load_args:
        raise TypeError("pn.load: pickle_module and pickle load arguments are not supported: "
                        "portanet files are safetensors and are never unpickled")
    if mmap:
        raise NotImplementedError("pn.load: mmap=True is not supported (each tensor is read "
                                  "straight into its array)")
    if isinstance(map_location, dict) or callable(map_location):
        raise TypeError(f"pn.load: map_location must be a device ('cpu', 'cuda:0', pn.device) or a "
                        f"backend name, got {type(map_location).__name__}: portanet files do not "
                        "record the device they were saved from, so there is nothing to remap")
    from ..backend.devices import backend_for
    bk = None if map_location is None else backend_for(map_location)
    if hasattr(f, "read"):
        return _load_buffer(f, bk)
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"pn.load: f must be a path (str or os.PathLike) or a binary file object "
                        f"with read(), got {type(f).__name__}")
    return _load_path(f, bk)


def _load_path(path, bk) -> Any:
    with TensorFile(path, "pn.load") as tf:
        tree = tf.metadata.get(_ck._TREE_KEY)
        arrays = tf.read_all()
    if tree is None:
        return {k: _tensor(a, bk) for k, a in arrays.items()}
    try:
        node = _ck._decode(json.loads(tree), arrays)
    except Exception as e:
        raise CheckpointError(f"pn.load: {os.fspath(path)!r} has a corrupt structure record: "
                              f"{e!r}") from None
    return _tensors(node, bk)


def _load_buffer(f, bk) -> Any:
    data = f.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("pn.load: the file object must be opened in binary mode (read() returned "
                        f"{type(data).__name__})")
    # TensorFile checks a real file (size, pickle signatures): stage the bytes in one
    fd, tmp = tempfile.mkstemp(prefix=".portanet-load.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return _load_path(tmp, bk)
    finally:
        os.unlink(tmp)


def _tensor(a, bk) -> Tensor:
    from ..backend import get_backend
    b = get_backend() if bk is None else bk
    return Tensor.from_array(b.asarray(a), b)


def _tensors(node: Any, bk) -> Any:
    if isinstance(node, dict):
        return type(node)({k: _tensors(v, bk) for k, v in node.items()})
    if isinstance(node, list):
        return [_tensors(v, bk) for v in node]
    if isinstance(node, tuple):
        return tuple(_tensors(v, bk) for v in node)
    if hasattr(node, "shape") and hasattr(node, "dtype"):
        return _tensor(node, bk)
    return node
