"""PyTorch's device names on portanet's backends: ``pn.device("cpu" | "cuda" | "cuda:1")``.

A device is where a tensor lives, named as PyTorch names it; which array library holds
it is decided here, from the current backend, by asking its adapter (``torch_device``,
``cpu_place``, ``gpu_place``, ``gpu_count``):

* ``"cpu"`` is the CPU backend in use: the current backend when it computes on the CPU
  (numpy, torch or JAX on CPU, array_api_strict's CPU device), otherwise the CPU side of
  the same library (torch/JAX on a GPU -> on the CPU; CuPy -> NumPy; array_api_strict's
  simulated ``device1`` -> its CPU device).
* ``"cuda[:i]"`` is the GPU backend: torch on ``cuda:i`` while torch is the current
  backend, a JAX GPU while JAX is, CuPy on GPU ``i`` otherwise.  Without one, moving
  there raises ``RuntimeError: No CUDA GPUs are available`` naming what to install.
* A backend name (``"numpy"``, ``"torch"``, ``"jax"``, ``"array_api_strict"``, ``"cupy"``)
  or a :class:`~portanet.backend.Backend` is still accepted by ``.to()``.

``pn.device("cuda")`` is resolved when it is used, against the backend current at that
moment: after ``pn.set_backend("torch")`` it means torch's CUDA device, otherwise CuPy.
``pn.set_default_device(d)`` makes the backend that ``d`` resolves to the current one.

Example:
    >>> dev = pn.device("cuda" if pn.cuda.is_available() else "cpu")
    >>> x = pn.randn(3, 4).to(dev)
    >>> x.device == "cpu"
    True
"""
from __future__ import annotations

from typing import Any

from .core import Backend
from .dtypes import DTYPE_NAMES, dtype_name
from .generic import BackendError
from .registry import get_backend, resolve_backend, set_backend

__all__ = ["device", "backend_for", "backend_device", "set_default_device", "get_default_device",
           "parse_to", "gpu_backend_available", "gpu_count"]

_TYPES = ("cpu", "cuda")


class device:
    """A device as PyTorch names it: ``type`` (``"cpu"`` or ``"cuda"``) and ``index``.

    Compares equal to another device or to its string (``pn.device("cuda:0") == "cuda:0"``).

    Example:
        >>> d = pn.device("cuda:1")
        >>> d.type, d.index
        ('cuda', 1)
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device(): expected a string or a device, got {type!r}")
        s = type.strip()
        if ":" in s:
            if index is not None:
                raise RuntimeError(f"device(): type (string) must not include an index because "
                                   f"index was passed explicitly: {s}")
            s, _, i = s.partition(":")
            if not i.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(i)
        if s not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        if s == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type, self.index = s, index

    def __repr__(self) -> str:
        return (f"device(type='{self.type}')" if self.index is None
                else f"device(type='{self.type}', index={self.index})")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


# ------------------------------------------------------------ device <-> backend
# What differs between libraries is asked of their adapters (torch_device, cpu_place,
# gpu_place, gpu_count): no backend name is compared here.

def backend_device(bk: Backend) -> device:
    """The :class:`device` a backend's arrays live on (``Tensor.device``)."""
    kind, index = bk.adapter.torch_device(bk)
    return device(kind, index)


def _cpu_of(bk: Backend) -> Backend:
    place = bk.adapter.cpu_place(bk)
    return bk if place is None else resolve_backend(*place)


def no_gpu_error(why: str) -> RuntimeError:
    return RuntimeError(
        f"No CUDA GPUs are available ({why}). portanet's 'cuda' device is CuPy (pip install "
        "'portanet[cuda12]' on a machine with an NVIDIA GPU), or torch on CUDA while the "
        "torch backend is current (pn.set_backend('torch') with a CUDA build of PyTorch).")


def _gpu_of(bk: Backend, index: int | None) -> Backend:
    try:
        return resolve_backend(*bk.adapter.gpu_place(bk, 0 if index is None else index))
    except BackendError as e:
        raise no_gpu_error(str(e)) from None


def backend_for(where: Any, current: Backend | None = None) -> Backend:
    """The backend a device (``"cpu"``, ``"cuda:1"``, :class:`device`) or a backend name
    means now; see the module docstring for the mapping."""
    if isinstance(where, Backend):
        return where
    cur = get_backend() if current is None else current
    if isinstance(where, str) and where.split(":")[0] not in _TYPES:
        return resolve_backend(where)     # a backend name
    d = device(where)
    if d.type == "cpu":
        return _cpu_of(cur)
    if backend_device(cur) == device("cuda", d.index or 0):
        return cur
    return _gpu_of(cur, d.index)


def gpu_backend_available() -> bool:
    """Whether ``"cuda"`` resolves to a usable GPU under the current backend."""
    return gpu_count() > 0


def gpu_count() -> int:
    """How many GPUs ``"cuda:i"`` can name under the current backend."""
    bk = get_backend()
    return bk.adapter.gpu_count(bk)


def set_default_device(where: Any) -> None:
    """Make new tensors live on ``where``: the backend it resolves to becomes current
    (``None`` means ``"cpu"``), as ``torch.set_default_device``.

    Example:
        >>> pn.set_default_device("cpu")
    """
    set_backend(backend_for("cpu" if where is None else where))


def get_default_device() -> device:
    """The device of the current backend (``torch.get_default_device``).

    Example:
        >>> pn.get_default_device()
        device(type='cpu')
    """
    return backend_device(get_backend())


# ------------------------------------------------------------ .to(...) arguments
_DTYPE_WORDS = set(DTYPE_NAMES) | {"float", "double", "half", "long", "int", "short"}


def _is_dtype_like(x: Any) -> bool:
    if getattr(x, "__portanet_dtype__", False):     # pn.float32 (portanet/dtypes.py)
        return True
    if isinstance(x, str):
        return x in _DTYPE_WORDS
    try:
        return dtype_name(x) in _DTYPE_WORDS
    except Exception:
        return False


def parse_to(owner: str, args: tuple, kwargs: dict):
    """PyTorch's ``.to(device, dtype)``, ``.to(dtype)``, ``.to(tensor)`` (plus a backend
    name or object) as ``(backend or None, dtype or None, copy)``.

    A ``device=`` given beside a backend is that backend's own device (``"device1"``).
    """
    backend = kwargs.pop("backend", None)
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    copy = bool(kwargs.pop("copy", False))
    if kwargs:
        raise TypeError(f"{owner}.to() got an unexpected keyword argument {next(iter(kwargs))!r}")
    where = None
    for a in args:
        if isinstance(a, bool):           # non_blocking / copy given positionally
            continue
        if hasattr(a, "_bk") and hasattr(a, "array"):     # .to(other_tensor)
            backend, dtype = a._bk, a.array.dtype
        elif isinstance(a, Backend) or (isinstance(a, str) and a in _known()) or (
                hasattr(a, "asarray") and hasattr(a, "matmul")):   # a backend or namespace
            backend = a
        elif isinstance(a, (device, int)) or (isinstance(a, str) and a.split(":")[0] in _TYPES):
            where = a
        elif _is_dtype_like(a):
            dtype = a
        else:
            raise TypeError(f"{owner}.to() received an invalid combination of arguments: "
                            f"{a!r} is neither a device, a dtype nor a tensor")
    if backend is not None:
        if where is not None:
            raise TypeError(f"{owner}.to(): give a backend or a device, not both ({where!r})")
        bk = backend if isinstance(backend, Backend) and dev is None else resolve_backend(backend, dev)
    elif where is not None or dev is not None:
        bk = backend_for(where if where is not None else dev)
    else:
        bk = None
    return bk, dtype, copy


def _known():
    from .generic import ADAPTERS
    return ADAPTERS
