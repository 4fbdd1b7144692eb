"""``Parameter``, and the placeholders of lazy modules (``UninitializedParameter``/``Buffer``)."""
from __future__ import annotations

from ..autograd.tensor import Tensor
from ..backend import dtype_name, get_backend, resolve_dtype

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]

# the storage slot behind ``Tensor.array``: the placeholders hide it behind a property
_ARRAY = Tensor.__dict__["array"]


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


_USE = ("Attempted to use an uninitialized parameter or buffer ({what}). This error happens when "
        "you are using a `LazyModule` or explicitly manipulating "
        "`portanet.nn.parameter.{cls}` objects. When using LazyModules call `forward` with a "
        "dummy batch to initialize the parameters before calling portanet functions")
_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually "
          "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
          "initialized one. Call `forward` to initialize the parameters before accessing their "
          "attributes.")


class _Uninitialized:
    """What both placeholders share: no shape and no values until :meth:`materialize`.

    The slot behind ``.array`` holds a zero-size array that only records the dtype and
    backend the values will get, so ``Module.to``/``.double()`` before the first call are
    kept (as in PyTorch).  Reading ``.array`` or ``.shape`` raises PyTorch's errors.
    """

    __slots__ = ()
    cls_to_become: type = Tensor

    def _init_placeholder(self, requires_grad: bool, dtype, backend) -> None:
        bk = get_backend() if backend is None else backend
        dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
        _ARRAY.__set__(self, bk.xp.zeros((0,), dtype=dt, device=bk.device))
        self._bk, self.grad, self._node, self._version, self._hooks = bk, None, None, 0, None
        self.requires_grad = bool(requires_grad)

    @property
    def array(self):
        raise ValueError(_USE.format(what="its values", cls=type(self).__name__))

    @array.setter
    def array(self, value):
        raise ValueError(_USE.format(what="an assignment to its values", cls=type(self).__name__))

    @property
    def shape(self):
        raise RuntimeError(_SHAPE)

    @property
    def dtype(self):
        return _ARRAY.__get__(self).dtype

    @property
    def ndim(self):
        raise RuntimeError(_SHAPE)

    def numel(self):
        raise ValueError(_USE.format(what="numel()", cls=type(self).__name__))

    def materialize(self, shape, dtype=None) -> None:
        """Become an ordinary Parameter/Tensor of ``shape`` (zeros; the module's
        ``reset_parameters`` fills it), keeping object identity, so an optimizer built
        before the first call holds the real parameter afterwards.

        Example:
            >>> p = pn.nn.UninitializedParameter(); p.materialize((3, 4)); p.shape
            (3, 4)
        """
        bk = self._bk
        dt = _ARRAY.__get__(self).dtype if dtype is None else resolve_dtype(dtype, bk.xp)
        _ARRAY.__set__(self, bk.xp.zeros(tuple(int(s) for s in shape), dtype=dt, device=bk.device))
        self.__class__ = self.cls_to_become

    def _placeholder_to(self, bk, dtype) -> None:
        """``Module.to`` before the first call: remember the backend and dtype for later."""
        dt = resolve_dtype(dtype_name(_ARRAY.__get__(self).dtype) if dtype is None else dtype, bk.xp)
        _ARRAY.__set__(self, bk.xp.zeros((0,), dtype=dt, device=bk.device))
        self._bk = bk

    def detach(self):
        return self   # PyTorch's state_dict keeps the placeholder itself

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (what lazy modules hold before their first call).

    Args:
        requires_grad: as for :class:`Parameter`.
        dtype: the dtype it will get (default: the backend's float dtype).

    Example:
        >>> fc = pn.nn.LazyLinear(10)
        >>> fc.weight
        <UninitializedParameter>
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, dtype=None, backend=None):
        self._init_placeholder(requires_grad, dtype, backend)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (e.g. ``LazyBatchNorm1d.running_mean``)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, dtype=None, backend=None):
        self._init_placeholder(requires_grad, dtype, backend)


def is_lazy(t) -> bool:
    """Whether ``t`` is a placeholder that still waits for its shape.

    Example:
        >>> pn.nn.parameter.is_lazy(pn.nn.LazyLinear(3).weight)
        True
    """
    return isinstance(t, _Uninitialized)
