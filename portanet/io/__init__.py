"""Checkpoints in safetensors: no pickle, loading runs no code, writes are atomic.

Two kinds of file, both plain safetensors (readable by any safetensors library):

* :func:`save` / :func:`load`: what ``torch.save``/``torch.load`` take: a flat
  ``{name: tensor}`` dict (``model.state_dict()``) as plain safetensors, or any nesting
  of tensors and plain values (:mod:`portanet.io.saveload`); paths or file objects;
  tensors come back on ``map_location``.
* :func:`save_checkpoint` / :func:`load_checkpoint`: a whole training state (model,
  optimizer, scheduler, data-loader position, random stream, epoch, anything else),
  a nested structure whose arrays are stored under dotted names
  (``"optimizer.state.0.exp_avg"``) and whose other values (numbers, strings, lists,
  tuples) go into the file's JSON metadata.  A run resumed from it continues exactly
  as if it had never stopped.

Files behave like files: a save creates the file with the mode ``open(path, "wb")``
would give it (0644 under umask 022), keeps an existing file's mode, writes through a
symbolic link to its target, and raises ``PermissionError`` for a read-only target;
it differs from ``open`` only in being atomic (:mod:`portanet.io.files`).  Loading
(:func:`load_checkpoint`) returns host NumPy arrays, never imports the backend that wrote the file, peaks at
about the file's size, and upcasts bfloat16 to float32 (:mod:`portanet.io.format`).
Restoring objects is all or nothing (:mod:`portanet.io.restore`).

Example:
    >>> pn.save(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(pn.load("model.safetensors"))
    >>> pn.save_checkpoint("ckpt.safetensors", model=model, optimizer=opt, epoch=3)
    >>> state = pn.load_checkpoint("ckpt.safetensors", model=model, optimizer=opt)
"""
from .checkpoint import (NonFiniteError, load, load_checkpoint, read_checkpoint, read_header,  # noqa: F401
                         save, save_checkpoint)
from .format import CheckpointError  # noqa: F401
from .restore import restore_all  # noqa: F401
# trainapi: torch.save/torch.load's forms (nested objects, file objects, map_location)
from .saveload import load, save  # noqa: F401,F811

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint", "CheckpointError", "NonFiniteError",
           "restore_all", "read_checkpoint", "read_header"]
