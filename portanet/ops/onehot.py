"""``F.one_hot``: class indices to one-hot rows, as PyTorch's.

Example:
    >>> pn.nn.functional.one_hot(pn.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
"""
from __future__ import annotations

from .. import argcheck, checks
from ..autograd.tensor import Tensor
from ..backend import dtype_name
from ..backend import host as _host

__all__ = ["one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*, num_classes)`` int64 rows with a 1 at each index of the int64 ``tensor``.

    ``num_classes=-1`` takes ``tensor.max() + 1``: a read of the data (a device sync, as in
    PyTorch); give ``num_classes`` inside a training step.  Indices out of
    ``[0, num_classes)`` raise (deferred to the next sync on accelerators, portanet.checks).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: tensor must be a Tensor, got {type(tensor).__name__}")
    if dtype_name(tensor.array.dtype) != "int64":
        raise TypeError("one_hot is only applicable to index tensor of type LongTensor, got "
                        f"{dtype_name(tensor.array.dtype)}")
    if not argcheck.is_int(num_classes) or num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 or a non-negative integer, got "
                         f"{num_classes!r}")
    bk = tensor._bk
    xp = bk.xp
    a = tensor.array
    if num_classes == -1:
        if a.size == 0:
            raise ValueError("one_hot: can not infer total number of classes from an empty tensor")
        num_classes = _host.host_read("int", int, xp.max(a)) + 1
    if a.size:
        lo, hi = xp.min(a), xp.max(a)
        checks.check(bk, lo >= 0, ValueError, "one_hot: Class values must be non-negative, got {}",
                     detail=lo)
        checks.check(bk, hi < num_classes, ValueError,
                     f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                     "got {}", detail=hi)
    classes = xp.arange(num_classes, dtype=a.dtype, device=bk.device)
    return Tensor.from_array(xp.astype(a[..., None] == classes, xp.int64), bk)
