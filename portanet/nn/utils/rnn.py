"""Variable-length batches for recurrent layers (``torch.nn.utils.rnn``'s names and rules).

A :class:`PackedSequence` holds the rows of every time step one after the other
(``data``), with ``batch_sizes[t]`` sequences alive at step ``t``; sequences are sorted by
decreasing length (``sorted_indices`` maps back).  Recurrent layers take it directly and
never compute the padded steps.

Lengths and ``batch_sizes`` are host data, as in PyTorch (whose ``batch_sizes`` is always a
CPU tensor): ``batch_sizes`` is an int64 Tensor on the NumPy backend, ``lengths`` may be
a list, a NumPy array or a Tensor (read back to the host once, where the batch is made).
The index arrays and ``data`` live on the data's backend.

Example:
    >>> from portanet.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> packed = pack_padded_sequence(x, [5, 3, 2], batch_first=True, enforce_sorted=False)
    >>> out, (h, c) = lstm(packed)
    >>> y, lengths = pad_packed_sequence(out, batch_first=True)
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ...autograd.tensor import Tensor
from ...backend import to_numpy
from ...ops.indexing import Take
from ...ops.shape import Concat

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpack_sequence", "unpad_sequence"]

_Fields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Fields):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``, as PyTorch's.

    Attributes:
        data: ``(sum(lengths), *)`` rows of step 0, then step 1, ...
        batch_sizes: int64 host Tensor (NumPy backend): sequences alive at each step.
        sorted_indices: int64 Tensor, ``sorted_indices[j]`` = original batch index of the
            ``j``-th longest sequence (``None`` when the batch came sorted).
        unsorted_indices: its inverse permutation (``None`` likewise).

    Build it with :func:`pack_padded_sequence` or :func:`pack_sequence`.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required; build packed batches "
                             "with pack_padded_sequence or pack_sequence")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _host_tensor(batch_sizes)
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _inverse(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Move ``data`` (and the index arrays) like ``Tensor.to``; batch_sizes stays on the host."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        idx = [None if i is None else i.to(backend=data._bk) for i in (self.sorted_indices,
                                                                        self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *idx)

    def host_batch_sizes(self) -> tuple:
        """``batch_sizes`` as a tuple of Python ints (free: it lives on the host)."""
        return tuple(int(v) for v in to_numpy(self.batch_sizes.array))


def _host_tensor(values) -> Tensor:
    return Tensor(np.asarray(values, dtype=np.int64), backend="numpy")


def _device_index(values, like: Tensor) -> Tensor:
    return Tensor.from_array(like._bk.asarray(np.asarray(values, dtype=np.int64)), like._bk)


def _inverse(perm: Tensor) -> Tensor:
    xp = perm._bk.xp
    return Tensor.from_array(xp.argsort(perm.array), perm._bk)


def _host_lengths(lengths, who: str) -> np.ndarray:
    if isinstance(lengths, Tensor):
        lengths = to_numpy(lengths.array)  # host data by contract (PyTorch: CPU lengths)
    arr = np.asarray(lengths)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{who}: lengths must be a 1-D sequence of integers, got "
                         f"{lengths!r}")
    return arr.astype(np.int64)


def _take_rows(a: Tensor, idx: np.ndarray | Tensor, lead: int, out_shape) -> Tensor:
    """``a`` with its first ``lead`` axes flattened, rows ``idx`` taken: one node."""
    raw = idx.array if isinstance(idx, Tensor) else a._bk.asarray(idx)
    return Take.apply(a, idx=raw, lead=lead, out_shape=tuple(out_shape))


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` if ``batch_first``) of given lengths.

    Args:
        input: the padded batch.
        lengths: host lengths of the ``B`` sequences (list, NumPy array or Tensor).
        batch_first: input is ``(B, T, *)``.
        enforce_sorted: require ``lengths`` in decreasing order; with ``False`` the batch
            is sorted here and ``sorted_indices`` remembers the order.

    Returns:
        A :class:`PackedSequence`; gradients flow back into ``input`` (padding gets zero).

    Example:
        >>> packed = pack_padded_sequence(pn.randn(4, 2, 3), [4, 2])
        >>> packed.batch_sizes.tolist()
        [2, 2, 1, 1]
    """
    who = "pack_padded_sequence"
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ValueError(f"{who}: input must be a Tensor of at least 2 dimensions (T, B, *), "
                         f"got {getattr(input, 'shape', type(input).__name__)}")
    lens = _host_lengths(lengths, who)
    T, B = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lens.shape[0] != B:
        raise ValueError(f"{who}: got {lens.shape[0]} lengths for a batch of {B} sequences "
                         f"(input shape {input.shape}, batch_first={batch_first})")
    if lens.size and lens.min() <= 0:
        raise ValueError(f"{who}: Length of all samples has to be greater than 0, but found an "
                         f"element in 'lengths' that is <= 0 (lengths {lens.tolist()})")
    if lens.size and lens.max() > T:
        raise ValueError(f"{who}: lengths {lens.tolist()} has a length {int(lens.max())} longer "
                         f"than the sequence length {T} of input of shape {input.shape}")
    if enforce_sorted:
        if np.any(lens[1:] > lens[:-1]):
            raise ValueError(
                f"{who}: `lengths` array must be sorted in decreasing order when "
                f"`enforce_sorted` is True (got {lens.tolist()}). You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                "sidestep this requirement if you do not need ONNX exportability.")
        order = np.arange(B)
    else:
        order = np.argsort(-lens, kind="stable")
    sl = lens[order]
    bs = [int(np.sum(sl > t)) for t in range(int(sl[0]) if B else 0)]
    rows = []
    for t, n in enumerate(bs):
        rows.append(order[:n] * T + t if batch_first else t * B + order[:n])
    idx = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    data = _take_rows(input, idx, 2, (idx.shape[0],) + input.shape[2:])
    if enforce_sorted:
        return PackedSequence(data, _host_tensor(bs), None, None)
    return PackedSequence(data, _host_tensor(bs), _device_index(order, input),
                          _device_index(np.argsort(order), input))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo :func:`pack_padded_sequence`: the padded batch and the lengths.

    Returns:
        ``(padded, lengths)``: ``padded`` is ``(T, B, *)`` (``(B, T, *)`` if
        ``batch_first``) in the original batch order, padded with ``padding_value``;
        ``lengths`` an int64 Tensor.  Departure: ``lengths`` lives on the data's backend
        (PyTorch's is always on the CPU), so it can index the output directly.

    Example:
        >>> y, lengths = pad_packed_sequence(out, batch_first=True)
    """
    who = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{who}: expected a PackedSequence, got {type(sequence).__name__}")
    data = sequence.data
    bs = sequence.host_batch_sizes()
    T, B, N = len(bs), bs[0], data.shape[0]
    Tout = T if total_length is None else int(total_length)
    if Tout < T:
        raise ValueError(f"{who}: Expected total_length to be at least the length of the longest "
                         f"sequence in input, but got total_length={total_length} and max "
                         f"sequence length being {T}")
    bsx = np.asarray(list(bs) + [0] * (Tout - T), dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(bsx)[:-1]])
    sorted_len = np.asarray([int(np.sum(bsx > j)) for j in range(B)], dtype=np.int64)
    bk = data._bk
    xp = bk.xp
    if sequence.unsorted_indices is None:
        rank = np.arange(B)
        idx = np.where(rank[None, :] < bsx[:, None], off[:, None] + rank[None, :], N)
        if batch_first:
            idx = idx.T
        idx = bk.asarray(idx)
        lengths = Tensor.from_array(bk.asarray(sorted_len), bk)
    else:
        # the batch order is a device array: build the gather index there (no read-back)
        rank = sequence.unsorted_indices.array
        d_bs, d_off = bk.asarray(bsx), bk.asarray(off)
        idx = xp.where(rank[None, :] < d_bs[:, None], d_off[:, None] + rank[None, :],
                       xp.asarray(N, dtype=rank.dtype, device=bk.device))
        if batch_first:
            idx = xp.permute_dims(idx, (1, 0))
        lengths = Tensor.from_array(xp.take(bk.asarray(sorted_len), rank, axis=0), bk)
    pad = Tensor.from_array(xp.full((1,) + data.shape[1:], padding_value, dtype=data.array.dtype,
                                    device=bk.device), bk)
    src = Concat.apply(data, pad, axis=0)
    shape = ((B, Tout) if batch_first else (Tout, B)) + data.shape[1:]
    return Take.apply(src, idx=idx, lead=1, out_shape=shape), lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack Tensors of shapes ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` if batch_first).

    Example:
        >>> pad_sequence([pn.ones(3, 2), pn.ones(1, 2)]).shape
        (3, 2, 2)
    """
    who = "pad_sequence"
    seqs = list(sequences)
    if not seqs:
        raise ValueError(f"{who}: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"{who}: padding_side must be 'left' or 'right', got {padding_side!r}")
    trail = seqs[0].shape[1:]
    for k, s in enumerate(seqs):
        if not isinstance(s, Tensor) or s.ndim < 1 or s.shape[1:] != trail:
            raise ValueError(f"{who}: sequence {k} has shape {getattr(s, 'shape', None)} but "
                             f"sequence 0 has trailing dimensions {trail}")
    lens = np.asarray([s.shape[0] for s in seqs], dtype=np.int64)
    T = int(lens.max())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(T)[:, None]
    shift = (T - lens)[None, :] if padding_side == "left" else 0
    pos = t - shift
    idx = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, int(lens.sum()))
    if batch_first:
        idx = idx.T
    first = seqs[0]
    bk = first._bk
    pad = Tensor.from_array(bk.xp.full((1,) + trail, padding_value, dtype=first.array.dtype,
                                       device=bk.device), bk)
    src = Concat.apply(*seqs, pad, axis=0)
    return _take_rows(src, idx, 1, idx.shape + trail)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of Tensors ``(L_i, *)``; with ``enforce_sorted`` they must come longest first.

    Example:
        >>> packed = pack_sequence([pn.ones(3, 2), pn.ones(2, 2)])
    """
    seqs = list(sequences)
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of unpadded sequences of a padded batch (inverse of :func:`pad_sequence`)."""
    lens = _host_lengths(lengths, "unpad_sequence")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :int(n)] for b, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a :class:`PackedSequence` holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, to_numpy(lengths.array), batch_first=True)
