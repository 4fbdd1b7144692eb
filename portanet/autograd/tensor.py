"""``Tensor``: an array of the current backend plus what autograd needs.

Example:
    >>> x = pn.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
"""
from __future__ import annotations

from typing import Any

from ..backend import host as _host
from ..backend import (Backend, BackendError, device_of, dtype_name, format_array, get_backend,
                       is_host_array, resolve_backend, resolve_dtype)
from . import function as _fn
from . import hooks as _hooks
from .version import bump as _bump
from ..dtypes import as_dtype as _as_dtype

__all__ = ["Tensor", "tensor", "as_tensor"]


class Tensor:
    """A multi-dimensional array on some backend, recorded on the tape when it needs a gradient.

    Attributes:
        array: the backend array (NumPy ``ndarray``, ``torch.Tensor``, CuPy or strict array).
        data: as in PyTorch, a Tensor sharing this tensor's array, cut from the graph;
            assigning a Tensor to it replaces this tensor's array.
        grad: accumulated gradient as a Tensor, or ``None``.
        requires_grad: whether operations on this tensor are recorded.

    Build tensors with :func:`portanet.tensor`; ``Tensor(data)`` does the same.
    """

    __slots__ = ("array", "grad", "requires_grad", "_node", "_bk", "_version", "_hooks",
                 "_out", "_why", "_base", "_vidx", "__weakref__")
    __array_ufunc__ = None  # make `ndarray + Tensor` defer to Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 backend: Any = None):
        bk = get_backend() if backend is None else resolve_backend(backend)
        if isinstance(data, Tensor):
            if not data._bk.same_place(bk):
                data = _convert_between(data, bk)
            else:
                data = data.array
            self.array = data if dtype is None else bk.xp.astype(data, resolve_dtype(dtype, bk.xp))
        else:
            self.array = _to_backend_array(data, bk, dtype)
        self._bk = bk
        self.grad = None
        self._node = None
        self._version = 0
        self._hooks = None
        if requires_grad and not _is_float(bk.xp, self.array.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, got {dtype_name(self.array.dtype)}")
        self.requires_grad = bool(requires_grad)

    @classmethod
    def from_array(cls, array: Any, backend: Backend, requires_grad: bool = False) -> "Tensor":
        """Wrap a raw array of ``backend`` without copying or checking (portanet's internal API).

        Example:
            >>> t = pn.Tensor.from_array(xp.ones(3), pn.get_backend())
        """
        return wrap(array, backend, requires_grad)

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """A copy with its own array (and ``.grad``), as ``copy.deepcopy`` of a PyTorch
        leaf: ``best = copy.deepcopy(model.state_dict())`` keeps the values while training
        goes on.  Like PyTorch, only graph leaves can be deep-copied.
        """
        if self._node is not None:
            raise RuntimeError(
                "copy.deepcopy: only tensors created explicitly by the user (graph leaves) "
                "support the deepcopy protocol; call .detach() first to copy the values")
        xp = self._bk.xp
        new = wrap(xp.asarray(self.array, copy=True), self._bk, self.requires_grad)
        new.__class__ = type(self)           # a Parameter stays a Parameter
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new

    # ------------------------------------------------------------------ .data
    @property
    def data(self) -> "Tensor":
        """A Tensor sharing this tensor's array, cut from the graph (PyTorch's ``.data``).

        In-place operations on it change this tensor too (``p.data.mul_(0.5)``), on every
        backend: where arrays are immutable (JAX) the change is written back.  Assigning a
        Tensor (``m.data = other``) replaces this tensor's array.  The raw backend array is
        :attr:`array`.
        """
        t = wrap(self.array, self._bk, False)
        t._base = self
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: assign a Tensor, got {type(value).__name__} "
                            "(the raw backend array is Tensor.array)")
        # a rebinding, not a write into the old array: what backward saved stays intact
        self.array, self._bk = value.array, value._bk

    def _set_inplace(self, array: Any, why: str = "an in-place operation") -> None:
        """Make ``array`` this tensor's new value after an in-place change; stamp versions.

        The change reaches every tensor this one aliases: the same array goes to the
        tensor a ``.data`` alias came from, and a view made by basic indexing (``x[i]``)
        writes its new value into its base's slice (a no-op copy where the view's memory
        was written already), so in-place operations behave alike on mutable and
        immutable (JAX) backends.
        """
        t = self
        while t is not None:
            same = array is t.array
            t.array = array
            _bump(t, why)
            base = getattr(t, "_base", None)
            if base is None:
                return
            index = getattr(t, "_vidx", None)   # how to rebuild the base (ops/viewlinks.py)
            if index is not None:
                basic = type(index) is tuple
                if same and (basic or index.shares_memory):
                    array = base.array   # written through the view's memory, the base's too
                elif basic:
                    from ..backend.inplace import set_at
                    array = set_at(base._bk.xp, base.array, index, array)
                else:         # reshape, permute, diagonal: ops/viewlinks.py
                    array = index.base_array(base._bk.xp, base.array, array)
            t = base

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple:
        return tuple(self.array.shape)

    @property
    def dtype(self):
        """The data type as a :class:`portanet.dtype` (``t.dtype == pn.float32``); the
        backend's own dtype object is ``t.array.dtype``."""
        return _as_dtype(self.array.dtype)

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def device(self):
        """Where the tensor lives, as PyTorch names it (``device(type='cpu')``, ``cuda:0``)."""
        from ..backend.devices import backend_device
        return backend_device(self._bk)

    @property
    def backend(self) -> Backend:
        """The :class:`Backend` this tensor lives on."""
        return self._bk

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        """The node that made this tensor (``None`` for leaves), as in PyTorch."""
        return self._node

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces it.  Returns a handle with ``remove()``.

        Example:
            >>> h = w.register_hook(lambda g: g.clamp(-1, 1))
        """
        return _hooks.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """On a leaf: call ``hook(tensor)`` once per backward, after ``.grad`` is final.

        Example:
            >>> p.register_post_accumulate_grad_hook(lambda p: bucket.ready(p))
        """
        return _hooks.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if self._node is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if getattr(self, "_retains", False):
            return
        import weakref
        ref = weakref.ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t.grad = g if t.grad is None else wrap(t.grad.array + g.array, t._bk, False)
        _hooks.register_hook(self, keep)

    def numel(self) -> int:
        n = 1
        for s in self.array.shape:
            n *= s
        return n

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def __len__(self) -> int:
        if not self.array.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        d = self.array
        if self.ndim:
            d = self._bk.xp.reshape(d, ())
        if _host._checks_pending:  # a natural synchronization: deferred checks raise here
            _host.flush_checks()
        return _host.host_read("item", _item, d)

    def numpy(self, *, force: bool = False):
        """The data as a host NumPy array, as ``torch.Tensor.numpy``: refused for a tensor
        that requires grad (use ``detach()``) or lives on a GPU (use ``cpu()``) unless
        ``force=True``.  On NumPy it shares memory with the tensor."""
        if not force:
            if self.requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                                   "Use tensor.detach().numpy() instead.")
            dev = self.device
            if dev.type != "cpu":
                raise TypeError(f"can't convert {dev} device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
        return self._bk.to_numpy(self.array)

    def tolist(self):
        """The data as (nested) Python numbers."""
        from ..backend import to_numpy
        return to_numpy(self.array).tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph."""
        return wrap(self.array, self._bk, False)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not _is_float(self._bk.xp, self.array.dtype):
            raise TypeError("only floating-point tensors can require gradients")
        self.requires_grad = flag
        return self

    def to(self, *args, **kwargs) -> "Tensor":
        """Move and/or cast, with PyTorch's overloads; returns ``self`` when nothing changes
        (unless ``copy=True``).

        ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype)``,
        ``to(other_tensor)``; a device is ``"cpu"``, ``"cuda[:i]"``, a :class:`portanet.device`
        or a backend name (``"torch"``), see :mod:`portanet.devices`.  Departure from
        PyTorch: a copy to another backend or device is a new leaf (it requires grad if
        ``self`` does) rather than a node of ``self``'s graph; a dtype change stays on it.

        Example:
            >>> x = pn.randn(2, 3).to("cpu", pn.float64)
        """
        from ..backend.devices import parse_to
        bk, dtype, copy = parse_to("Tensor", args, kwargs)
        out = self
        if bk is not None and not bk.same_place(self._bk):
            out = wrap(_convert_between(self, bk), bk, False)
            if self.requires_grad and out._node is None:
                out.requires_grad = True
        if dtype is not None:
            dt = resolve_dtype(dtype, out._bk.xp)
            if dt != out.array.dtype:
                out = out.astype(dt)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> "Tensor":
        """This tensor on the CPU backend in use (``self`` when it is there already)."""
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> "Tensor":
        """This tensor on the GPU (CuPy, or torch on CUDA under the torch backend);
        raises ``RuntimeError: No CUDA GPUs are available`` without one."""
        from ..backend.devices import device as _device
        return self.to(_device("cuda") if device is None else _device(device))

    # astype, the arithmetic operators and the other math methods are registered by their
    # op families in portanet/ops (so autograd never imports ops)

    def type(self, dtype: Any = None, non_blocking: bool = False):
        """Cast to ``dtype``; with no argument, PyTorch's type string (``"torch.FloatTensor"``
        style, as ``"portanet.FloatTensor"``)."""
        if dtype is None:
            name = dtype_name(self.array.dtype)
            return "portanet." + _TYPE_NAMES.get(name, name + "Tensor")
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            dtype = inv.get(dtype.rsplit(".", 1)[-1], dtype)
        dt = resolve_dtype(dtype, self._bk.xp)
        return self if dt == self.array.dtype else self.astype(dt)

    def float(self) -> "Tensor":
        """``self.to(pn.float32)``."""
        return self.type("float32")

    def double(self) -> "Tensor":
        """``self.to(pn.float64)``."""
        return self.type("float64")

    def half(self) -> "Tensor":
        """``self.to(pn.float16)`` (where the backend has float16)."""
        return self.type("float16")

    def long(self) -> "Tensor":
        """``self.to(pn.int64)``."""
        return self.type("int64")

    def int(self) -> "Tensor":
        """``self.to(pn.int32)``."""
        return self.type("int32")

    def short(self) -> "Tensor":
        return self.type("int16")

    def bool(self) -> "Tensor":
        """``self.to(pn.bool)``."""
        return self.type("bool")

    def byte(self) -> "Tensor":
        return self.type("uint8")

    def is_floating_point(self):
        """True for float16/32/64 tensors."""
        return _is_float(self._bk.xp, self.array.dtype)

    def dim(self):
        """Number of dimensions (``ndim``)."""
        return self.array.ndim

    ndimension = dim

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def backward(self, gradient: Any = None, retain_graph: bool = False,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad``.

        Args:
            gradient: upstream gradient, required unless ``self`` has one element.
            retain_graph: keep saved arrays so that backward can run again.
            create_graph: refused when True (no higher-order gradients; see
                :mod:`portanet.autograd.grad_api`).
            inputs: accumulate only into these tensors' ``.grad`` (leaves or not), as
                PyTorch's ``inputs=``.
        """
        if create_graph or inputs is not None:
            from .grad_api import backward as _backward
            _backward([self], None if gradient is None else [gradient], retain_graph,
                      create_graph, [inputs] if isinstance(inputs, Tensor) else inputs)
            return
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad")
        xp = self._bk.xp
        if gradient is None:
            if self.numel() != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element tensor, got shape {self.shape}")
            g = xp.ones(self.array.shape, dtype=self.array.dtype, device=self._bk.device)
        else:
            g = gradient.array if isinstance(gradient, Tensor) else self._bk.asarray(gradient, self.array.dtype)
            if tuple(g.shape) != self.shape:
                raise ValueError(f"backward(): gradient shape {tuple(g.shape)} != tensor shape {self.shape}")
        if self._node is None:
            _hooks.accumulate_leaf(self, g)
            return
        _fn.run_backward(self, g, retain_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        body = format_array(self.array, prefix="tensor(")
        extra = ""
        if self.array.dtype != self._bk.float_dtype and _is_float(self._bk.xp, self.array.dtype):
            extra += f", dtype={dtype_name(self.array.dtype)}"
        shown = self._bk.repr_name
        if shown is not None:
            extra += f", backend={shown!r}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def __dlpack__(self, *args, **kwargs):
        return self.array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def wrap(array, bk: Backend, requires_grad: bool) -> Tensor:
    """Fast internal constructor: no checks, no conversion (the tape's and the data loaders'
    hot path; elsewhere use its method form ``Tensor.from_array``)."""
    t = _new(Tensor)
    t.array = array
    t._bk = bk
    t.grad = None
    t._node = None
    t.requires_grad = requires_grad
    t._version = 0
    t._hooks = None
    return t


_new = object.__new__

def _item(d):
    if hasattr(d, "item"):
        return d.item()
    # strict arrays have no .item(): convert by kind, so an int stays an int
    name = dtype_name(d.dtype)
    return bool(d) if name == "bool" else float(d) if name.startswith("float") else int(d)


def _is_float(xp, dtype) -> bool:
    return dtype == xp.float32 or dtype == xp.float64 or dtype == getattr(xp, "float16", None)


def _to_backend_array(data: Any, bk: Backend, dtype: Any):
    """Convert ``data`` for ``bk``; arrays are always copied, as ``torch.tensor`` does, so
    in-place optimizer steps can never write into the caller's array."""
    arr = _convert_input(data, bk, dtype)
    if hasattr(data, "shape"):
        arr = bk.xp.asarray(arr, copy=True)
    return arr


def _convert_input(data: Any, bk: Backend, dtype: Any):
    xp = bk.xp
    if dtype is not None:
        dtype = resolve_dtype(dtype, xp)
        return bk.asarray(data, dtype)
    # np.float64 subclasses float but carries its dtype: keep it (as torch.tensor does)
    if (isinstance(data, float) and not hasattr(data, "dtype")) or (
            isinstance(data, (list, tuple)) and _has_float(data)):
        return bk.asarray(data, bk.float_dtype)
    if not hasattr(data, "shape"):
        return bk.asarray(data)
    if bk.owns(data):
        if bk.device is not None and device_of(data) != bk.device:
            return xp.asarray(data, device=bk.device)
        return bk.adopt(data)
    if is_host_array(data):  # host NumPy data travels to any backend
        return bk.asarray(data)
    raise BackendError(
        f"pn.tensor got an array of another backend ({type(data).__module__}) while the "
        f"current backend is {bk!r}; convert it with pn.to_numpy(x) first")


def _has_float(seq) -> bool:
    for v in seq:
        if isinstance(v, float):
            return True
        if isinstance(v, (list, tuple)) and _has_float(v):
            return True
    return False


def _convert_between(t: Tensor, bk: Backend):
    """Copy a tensor's data to another backend/device through host memory."""
    return bk.asarray(t._bk.to_numpy(t.array))


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None, *,
           device: Any = None, pin_memory: bool = False) -> Tensor:
    """Create a Tensor on the current backend (or ``device``/``backend``) from lists,
    scalars or arrays, as ``torch.tensor``.

    Args:
        data: nested lists, a scalar, a NumPy array or an array of the current backend.
        dtype: ``"float32"``, ``"float64"``, ``"int64"``, ... or a dtype object; Python
            floats default to float32, ints to int64.
        requires_grad: record operations for backward.
        device: ``"cpu"``, ``"cuda[:i]"`` or a :class:`portanet.device` (PyTorch's
            argument), resolved against the current backend as ``Tensor.to`` does.
        pin_memory: accepted; no effect (see the README's DataLoader note).

    Example:
        >>> pn.tensor([[1.0, 2.0]], dtype="float64", requires_grad=True).shape
        (1, 2)
        >>> pn.tensor([1, 2], device="cpu")
        tensor([1, 2])
    """
    if device is not None:
        if backend is not None:
            raise TypeError("tensor: give device= or backend=, not both")
        from ..backend.devices import backend_for
        backend = backend_for(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, backend=backend)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor, sharing its memory where it can (``torch.as_tensor``).

    A Tensor is returned as is when it already has ``dtype`` and lives on ``device``
    (else it is cast/moved, recorded on the tape as ``Tensor.to`` is); an array of the
    target backend (or host NumPy data on the NumPy backend) is wrapped without a copy;
    anything else (lists, scalars) is converted as :func:`tensor` converts it.

    Args:
        data: a Tensor, an array, nested lists or a scalar.
        dtype: the wanted dtype (``pn.float64``...); default: inferred as :func:`tensor`.
        device: ``"cpu"``, ``"cuda[:i]"``, a :class:`portanet.device` or a backend name;
            default: ``data``'s own for a Tensor, else the current backend.

    Example:
        >>> a = np.arange(3.0)
        >>> t = pn.as_tensor(a)          # on the NumPy backend, t and a share memory
    """
    if isinstance(data, Tensor):
        out = data if device is None else data.to(device)
        return out if dtype is None else out.to(dtype)
    from ..backend.devices import backend_for
    bk = get_backend() if device is None else backend_for(device)
    return wrap(_convert_input(data, bk, dtype), bk, False)
