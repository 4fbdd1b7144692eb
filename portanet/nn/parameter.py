"""``Parameter``: a Tensor that a Module registers as trainable."""
from __future__ import annotations

from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that Modules collect.

    Example:
        >>> w = pn.nn.Parameter(pn.zeros(3))
        >>> w.requires_grad
        True
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = []
        if isinstance(data, Tensor):
            Tensor.__init__(self, data.array, backend=data._bk)
        else:
            Tensor.__init__(self, data)
        self.requires_grad = bool(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)
