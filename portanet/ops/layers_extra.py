"""``bilinear`` and ``embedding_bag`` (PyTorch's functional forms), composed from
matmul, the embedding gather and reductions, so their gradients come from those.

``embedding_bag``: fixed-length bags (2-D input) reduce over an axis; bags given by
``offsets`` get each index's bag from ``searchsorted`` on the device (no host read), sums
and means are one scatter-add (:class:`SegmentSum`), max a masked max.  ``max_norm``, ``scale_grad_by_freq`` and ``sparse=True`` are refused.

Example:
    >>> import portanet.nn.functional as F
    >>> F.embedding_bag(pn.tensor([0, 1, 2]), pn.eye(3), pn.tensor([0, 1]), mode="sum").tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from .elementwise import where
from .embedding import embedding
from .indexing import index_add
from .linalg import matmul
from .reduce import max as _max, sum
from .shape import reshape, unsqueeze

__all__ = ["bilinear", "embedding_bag"]

# bags x indices up to which embedding_bag sums through a membership matrix (16 MB float32)
_ONE_HOT_MAX = 1 << 22


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T W_k x2 + b_k``: ``(*, in1)``, ``(*, in2)``, weight ``(out, in1, in2)`` ->
    ``(*, out)``.

    Example:
        >>> F.bilinear(pn.ones(2, 3), pn.ones(2, 4), pn.ones(5, 3, 4)).shape
        (2, 5)
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear: {name} must be a pn.Tensor, got {type(t).__name__}")
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {weight.shape}")
    out, in1, in2 = weight.shape
    if input1.ndim < 1 or input1.shape[-1] != in1 or input2.ndim < 1 or input2.shape[-1] != in2:
        raise ValueError(f"bilinear: input1 (*, {in1}) and input2 (*, {in2}) expected for weight "
                         f"{weight.shape}, got {input1.shape} and {input2.shape}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise ValueError(f"bilinear: input1 and input2 must have the same batch dimensions, got "
                         f"{input1.shape} and {input2.shape}")
    if bias is not None and tuple(bias.shape) != (out,):
        raise ValueError(f"bilinear: bias must have shape ({out},), got {bias.shape}")
    # x1 @ W as (in1, out * in2), then the in2 contraction: two plain products
    w = reshape(weight.permute(1, 0, 2), (in1, out * in2))
    t = reshape(matmul(input1, w), tuple(input1.shape[:-1]) + (out, in2))
    y = sum(t * unsqueeze(input2, -2), axis=-1)
    return y + bias if bias is not None else y


class SegmentSum(Function):
    """``out[k] = sum of x[i] with seg[i] == k`` for ``k < nseg`` (a scatter-add through
    :func:`~portanet.ops.indexing.index_add` and its fast paths); backward gathers."""

    saves_inputs = False

    def forward(self, xp, x, *, seg, nseg):
        self.seg = seg
        return index_add(xp, nseg, seg, x)

    def backward(self, xp, g):
        return (xp.take(g, self.seg, axis=0),)


def _segments(who, input, offsets, include_last_offset):
    """Each index's bag (int array ``(n,)``, clipped into range), whether it belongs to a
    bag (bool ``(n,)``) and the number of bags; from ``offsets`` on the device."""
    bk, xp = input._bk, input._bk.xp
    if offsets is None:
        raise ValueError(f"{who}: offsets has to be a 1-D tensor when input is 1-D, got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1 or \
            not dtype_name(offsets.dtype).startswith("int"):
        got = f"shape {offsets.shape}, {dtype_name(offsets.dtype)}" if isinstance(offsets, Tensor) \
            else type(offsets).__name__
        raise ValueError(f"{who}: offsets has to be a 1-D integer tensor, got {got}")
    n = input.shape[0]
    o = xp.astype(offsets.array, xp.int64)
    if include_last_offset and offsets.shape[0] < 1:
        raise ValueError(f"{who}: include_last_offset needs at least one offset")
    nbags = offsets.shape[0] - 1 if include_last_offset else offsets.shape[0]
    if offsets.shape[0]:
        checks.check(bk, xp.logical_and(o[0] == 0, xp.all(o[1:] >= o[:-1])), ValueError,
                     f"{who}: offsets[0] has to be 0 and offsets must be non-decreasing, i.e. "
                     f"the first bag starts at position 0")
    pos = xp.arange(n, dtype=xp.int64, device=bk.device)
    if nbags == 0:
        return xp.zeros((n,), dtype=xp.int64, device=bk.device), pos < 0, 0
    starts = o[:nbags]
    seg = xp.searchsorted(starts, pos, side="right") - 1      # the last bag starting at or before
    valid = seg >= 0
    if include_last_offset:
        valid = xp.logical_and(valid, pos < o[nbags])
    return xp.where(valid, seg, xp.zeros_like(seg)), valid, nbags


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm=None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without the intermediate embeddings.

    Args:
        input: ``(B, L)`` indices (each row a bag), or ``(n,)`` with ``offsets`` ``(B,)``,
            the start of each bag (``(B + 1,)`` with ``include_last_offset``).
        mode: ``"sum"``, ``"mean"`` or ``"max"``; an empty bag gives zeros.
        per_sample_weights: ``input``-shaped weights (mode ``"sum"`` only).
        padding_idx: entries equal to it are left out of their bag (and of the mean's count).

    Example:
        >>> F.embedding_bag(pn.tensor([[0, 2]]), pn.eye(3)).tolist()
        [[0.5, 0.0, 0.5]]
    """
    who = "embedding_bag"
    argcheck.one_of(who, "mode", mode, ("sum", "mean", "max"))
    if scale_grad_by_freq:
        raise NotImplementedError(f"{who}: scale_grad_by_freq=True is not supported")
    if sparse:
        raise NotImplementedError(f"{who}: sparse=True is not supported: gradients are dense")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{who}: weight has to be a 2-D tensor, got {got}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{who}: per_sample_weights was not None. per_sample_weights "
                                      f"is only supported for mode='sum' (got mode='{mode}')")
        if not isinstance(per_sample_weights, Tensor) or per_sample_weights.shape != input.shape:
            got = per_sample_weights.shape if isinstance(per_sample_weights, Tensor) else \
                type(per_sample_weights).__name__
            raise ValueError(f"{who}: per_sample_weights has to have the input's shape "
                             f"{input.shape}, got {got}")
    num = weight.shape[0]
    if padding_idx is not None:
        if not argcheck.is_int(padding_idx) or not -num <= padding_idx < num:
            raise ValueError(f"{who}: padding_idx must be within the number of embeddings "
                             f"[{-num}, {num}), got {padding_idx!r}")
        padding_idx %= num
    if not isinstance(input, Tensor) or input.ndim not in (1, 2):
        got = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{who}: input has to be 1-D or 2-D, got {got}")
    if input.ndim == 2 and offsets is not None:
        raise ValueError(f"{who}: if input is 2-D, then offsets has to be None, as input is "
                         f"treated as a mini-batch of fixed length sequences")
    bk, xp = weight._bk, weight._bk.xp
    dt = weight.array.dtype
    emb = embedding(input, weight, max_norm=max_norm, norm_type=norm_type, _who=who)
    if per_sample_weights is not None:
        emb = emb * unsqueeze(per_sample_weights, -1)
    if input.ndim == 2:
        # fixed-length bags: a reduction over axis 1 of (B, L, D)
        keep = (input.array != padding_idx if padding_idx is not None
                else xp.ones(input.shape, dtype=xp.bool, device=bk.device))
        if mode == "max":
            best = _max(where(keep[:, :, None], emb, float("-inf")), axis=1)
            empty = xp.logical_not(xp.any(keep, axis=1))[:, None]
            return where(empty, 0.0, best)
        keepf = xp.astype(keep, dt)
        out = sum(emb * Tensor.from_array(keepf[:, :, None], bk), axis=1)
        if mode == "mean":
            count = xp.sum(keepf, axis=1, keepdims=True)
            out = out / Tensor.from_array(xp.maximum(count, xp.ones_like(count)), bk)
        return out
    seg, valid, nbags = _segments(who, input, offsets, include_last_offset)
    if padding_idx is not None:
        valid = xp.logical_and(valid, input.array != padding_idx)
    if mode == "max":
        # a masked max over (bags, n, D): memory grows with bags * n (no scatter-max in the
        # standard); sums and means below are one scatter-add
        member = xp.logical_and(seg[None, :] == xp.arange(nbags, dtype=seg.dtype,
                                                          device=bk.device)[:, None], valid[None, :])
        best = _max(where(member[:, :, None], unsqueeze(emb, 0), float("-inf")), axis=1)
        empty = xp.logical_not(xp.any(member, axis=1))[:, None]
        return where(empty, 0.0, best)
    validf = xp.astype(valid, dt)
    n = input.shape[0]
    if nbags * n <= _ONE_HOT_MAX:
        # small enough for a (bags, n) membership matrix: one matmul beats a scatter-add
        # (np.add.at is slow) by far at these sizes
        member = xp.astype(seg[None, :] == xp.arange(nbags, dtype=seg.dtype, device=bk.device)[:, None],
                           dt) * validf[None, :]
        out = matmul(Tensor.from_array(member, bk), emb)
        count = xp.sum(member, axis=1, keepdims=True)
    else:
        out = SegmentSum.apply(emb * Tensor.from_array(validf[:, None], bk), seg=seg, nseg=nbags)
        count = index_add(xp, nbags, seg, validf[:, None])
    if mode == "mean":
        out = out / Tensor.from_array(xp.maximum(count, xp.ones_like(count)), bk)
    return out
