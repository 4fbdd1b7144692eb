"""Small Tensor methods PyTorch scripts use: ``nelement``, ``char``, ``detach_``, and the
in-place shape changes ``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``
(``is_contiguous`` follows PyTorch's strides: ops/viewlinks.py).

An in-place shape change rebinds this tensor to the reshaped value (on
the graph: to the new node, as PyTorch's view ops do); aliases made earlier
(``x.data``, views) keep the old shape.

Example:
    >>> x = pn.zeros(3)
    >>> x.unsqueeze_(0).shape
    (1, 3)
"""
from __future__ import annotations

from ..autograd.function import GRAD_MODE
from ..autograd.tensor import Tensor
from .inplace import _LEAF
from .util import register_methods


def nelement(self: Tensor) -> int:
    """The number of elements (``numel()``)."""
    return self.numel()


def char(self: Tensor) -> Tensor:
    """``self`` cast to int8 (``Tensor.char``)."""
    return self.astype("int8")


def detach_(self: Tensor) -> Tensor:
    """Cut this tensor from the graph in place (``Tensor.detach_``)."""
    self._node = None
    self.requires_grad = False
    return self


def _reshape_inplace(name: str, fn):
    def method(self, *args, **kwargs):
        if self.requires_grad and self._node is None and GRAD_MODE.enabled:
            raise RuntimeError(_LEAF)
        out = fn(self, *args, **kwargs)
        self.array = out.array
        if out._node is not None:
            self._node, self.requires_grad = out._node, True
        from ..autograd.version import bump
        bump(self, name)
        return self
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: changes this tensor's shape and returns it."
    return method


def _bind() -> None:
    from .shape import squeeze, transpose, unsqueeze
    from .views import t
    register_methods(nelement, char, detach_,
                     unsqueeze_=_reshape_inplace("unsqueeze_", unsqueeze),
                     squeeze_=_reshape_inplace("squeeze_", squeeze),
                     t_=_reshape_inplace("t_", t),
                     transpose_=_reshape_inplace("transpose_", transpose))


_bind()
