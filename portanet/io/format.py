"""The safetensors format, read and written by hand: no pickle, nothing in a file executes.

A file is an 8-byte little-endian header length, a JSON header ``{name: {"dtype",
"shape", "data_offsets"}, "__metadata__": {str: str}}`` padded with spaces, and the
tensors' bytes, contiguous, in the order of their offsets.

Reading checks every field before it allocates anything, then reads each tensor
straight into its final NumPy array (``readinto``), so ``pn.load`` peaks at about the
size of the file, not twice that as when the whole file is read into a ``bytes``
first: a memory map would do as well while mapped, but its pages then count
towards the process's resident size and a mapped file cannot be replaced on Windows.
bfloat16 tensors written by other tools (PyTorch, JAX) load upcast to float32 (exact:
every bf16 value is a float32), at twice their size in the file; float8 types are
refused by name.  Writing streams each array's bytes to the file without building the
file in memory.  Tensors are laid out widest dtype first, as the safetensors library
does, so each is aligned for readers that map the file.
"""
from __future__ import annotations

import json
import math
import os
import pickletools
import sys
from typing import Any, BinaryIO

import numpy as np

__all__ = ["CheckpointError", "encode_header", "write_tensors", "TensorFile"]

_MAX_HEADER = 100_000_000   # the safetensors library's own limit
_FOREIGN = {b"\x80": "a Python pickle", b"PK": "a zip archive (.npz or a PyTorch .pt file)",
            b"\x93NUMPY": "a NumPy .npy file"}
# safetensors dtype code -> NumPy dtype of the bytes in the file
_FROM_CODE = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
              "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
              "BF16": "<u2"}
_TO_CODE = {np.dtype(v).newbyteorder("="): k for k, v in _FROM_CODE.items() if k != "BF16"}
_UNSUPPORTED = {"F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"}


class CheckpointError(ValueError):
    """A file that is not a valid portanet/safetensors checkpoint."""


# ------------------------------------------------------------------------- writing
def encode_header(arrays: dict, metadata: dict, who: str) -> tuple[bytes, list]:
    """The length-prefixed, padded header and the arrays in file order.

    Raises (before any write) ValueError for the reserved name ``__metadata__``, TypeError
    for a dtype safetensors cannot hold.
    """
    for k, a in arrays.items():
        if k == "__metadata__":
            raise ValueError(f"{who}: the name '__metadata__' is reserved by the safetensors format "
                             "for the file's metadata; a tensor stored under it would make the file "
                             "unreadable: rename it")
        if np.dtype(a.dtype).newbyteorder("=") not in _TO_CODE:
            raise TypeError(f"{who}: tensor {k!r} has dtype {a.dtype}, which safetensors cannot "
                            f"store (supported: {', '.join(sorted({str(d) for d in _TO_CODE}))})")
    order = sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k))
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    pos, out = 0, []
    for k in order:
        a = arrays[k]
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
            a = a.astype(a.dtype.newbyteorder("<"))
        header[k] = {"dtype": _TO_CODE[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                     "data_offsets": [pos, pos + a.nbytes]}
        pos += a.nbytes
        out.append(a)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw, out


def write_tensors(f: BinaryIO, head: bytes, arrays: list) -> None:
    """Write ``head`` then each array's bytes, without joining them in memory."""
    f.write(head)
    for a in arrays:
        if a.size:
            f.write(memoryview(np.ascontiguousarray(a).reshape(-1).view(np.uint8)))


# ------------------------------------------------------------------------- reading
def _old_pickle(path: str) -> bool:
    """Whether the whole file is one pickle (the check for protocols 0 and 1, which have
    no magic byte).  ``pickletools`` only disassembles, with stack checks that a few
    random bytes do not pass, and the pickle's STOP must end the file: nothing is
    imported or run."""
    try:
        with open(path, "rb") as f, open(os.devnull, "w") as sink:
            pickletools.dis(f, out=sink)
            return f.tell() == os.fstat(f.fileno()).st_size
    except Exception:
        return False


class TensorFile:
    """An open safetensors file whose header passed every check.

    Attributes:
        header: the parsed header (``"__metadata__"`` included when present).
        metadata: the ``{str: str}`` metadata (empty when absent).

    Example:
        >>> with TensorFile("model.safetensors", "pn.load") as tf:
        ...     arrays = tf.read_all()
    """

    def __init__(self, path: str | os.PathLike, who: str):
        self.path, self.who = os.fspath(path), who
        self._f = open(self.path, "rb", buffering=0)
        try:
            self._check()
        except BaseException:
            self._f.close()
            raise

    def __enter__(self) -> "TensorFile":
        return self

    def __exit__(self, *exc) -> None:
        self._f.close()

    def _fail(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.who}: {self.path!r} {what}")

    def _foreign(self, head: bytes) -> CheckpointError | None:
        what = next((w for m, w in _FOREIGN.items() if head.startswith(m)), None)
        if what is None and _old_pickle(self.path):
            what = "a Python pickle (protocol 0 or 1)"
        if what is None:
            return None
        return self._fail(f"looks like {what}, not a safetensors file; portanet never unpickles "
                          "(that would run code from the file)")

    def _read_exact(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            b = self._f.read(left)
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        return b"".join(chunks)

    def _check(self) -> None:
        size = os.fstat(self._f.fileno()).st_size
        head = self._read_exact(8)
        if len(head) < 8:
            raise self._foreign(head) or self._fail(f"is too short to be a safetensors file ({size} bytes)")
        n = int.from_bytes(head, "little")
        if n > size - 8 or n > _MAX_HEADER:
            raise self._foreign(head) or self._fail(
                f"is not a valid safetensors file (truncated or corrupt): its header claims {n} "
                f"bytes, the file holds {size - 8}")
        try:
            header = json.loads(self._read_exact(n))
            if not isinstance(header, dict):
                raise ValueError("the header is not a JSON object")
            self._entries = self._validate(header)
        except CheckpointError:
            raise
        except Exception as e:
            raise self._foreign(head) or self._fail(
                f"is not a valid safetensors file (corrupt header): {e}") from None
        end = self._entries[-1][1] if self._entries else 0
        if 8 + n + end > size:
            raise self._fail(f"is truncated: its tensors need {end} bytes of data, the file holds "
                             f"{size - 8 - n}")
        if 8 + n + end < size:
            raise self._fail(f"is not a valid safetensors file (corrupt): {size - 8 - n - end} bytes "
                             "follow its last tensor")
        self.header = header
        self.metadata = header.get("__metadata__") or {}
        self._start = 8 + n

    def _validate(self, header: dict) -> list:
        """``[(begin, end, name, code, shape)]`` in file order; ValueError on anything odd."""
        entries = []
        for k, v in header.items():
            if k == "__metadata__":
                if not isinstance(v, dict) or not all(isinstance(x, str) for kv in v.items() for x in kv):
                    raise ValueError("__metadata__ is not a {string: string} object")
                continue
            if not isinstance(v, dict) or set(v) != {"dtype", "shape", "data_offsets"}:
                raise ValueError(f"entry {k!r} is not {{dtype, shape, data_offsets}}")
            code, shape, offsets = v["dtype"], v["shape"], v["data_offsets"]
            if code in _UNSUPPORTED:
                raise self._fail(f"holds tensor {k!r} of dtype {code}, which portanet cannot load "
                                 f"(NumPy has no such type); convert it to F16, BF16 or F32 with the "
                                 "library that wrote it")
            if code not in _FROM_CODE:
                raise ValueError(f"entry {k!r} has an unknown dtype {code!r}")
            ints = lambda xs: isinstance(xs, list) and all(type(x) is int and x >= 0 for x in xs)  # noqa: E731
            if not ints(shape) or not ints(offsets) or len(offsets) != 2 or offsets[0] > offsets[1]:
                raise ValueError(f"entry {k!r} has an invalid shape {shape!r} or data_offsets {offsets!r}")
            need = math.prod(shape) * np.dtype(_FROM_CODE[code]).itemsize
            if offsets[1] - offsets[0] != need:
                raise ValueError(f"entry {k!r} of shape {shape} and dtype {code} needs {need} bytes, "
                                 f"its data_offsets span {offsets[1] - offsets[0]}")
            entries.append((offsets[0], offsets[1], k, code, tuple(shape)))
        entries.sort()
        pos = 0
        for b, e, k, _, _ in entries:
            if b != pos:
                raise ValueError(f"the data of {k!r} starts at byte {b}, not at {pos} where the "
                                 "previous tensor ends (overlapping or with gaps)")
            pos = e
        return entries

    def read_all(self) -> dict:
        """Every tensor as a host NumPy array, in the header's order."""
        out = {}
        self._f.seek(self._start)
        for _, _, k, code, shape in self._entries:
            out[k] = self._read_one(k, code, shape)
        return {k: out[k] for k in self.header if k != "__metadata__"}

    def _read_one(self, name: str, code: str, shape: tuple) -> np.ndarray:
        arr = np.empty(shape, dtype=_FROM_CODE[code])
        view = memoryview(arr.reshape(-1).view(np.uint8))
        got = 0
        while got < len(view):                # one readinto may stop short (e.g. at 2 GiB)
            r = self._f.readinto(view[got:])
            if not r:
                raise self._fail(f"changed while it was read: tensor {name!r} ends early")
            got += r
        if code == "BF16":                    # bf16 is the high half of a float32
            wide = arr.astype(np.uint32)
            wide <<= 16
            return wide.view(np.float32)
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        return arr
