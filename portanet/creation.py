"""Tensor constructors with PyTorch's signatures: zeros, ones, full, empty, arange,
linspace, logspace, eye, the ``*_like`` forms, rand/randn/randint/randperm/normal,
from_numpy.

Each takes ``dtype=`` (a :class:`portanet.dtype` or a name) and ``device=`` (``"cpu"``,
``"cuda"``, a backend name: see :mod:`portanet.devices`; default the current backend),
and ``requires_grad=``.  Random ones take ``generator=`` and give the same numbers on
every backend for the same seed.

Example:
    >>> x = pn.linspace(-3.14, 3.14, 2000, dtype=pn.float32, device="cpu")
    >>> i = pn.zeros(3, dtype=pn.long)
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from . import argcheck
from .autograd.tensor import Tensor, wrap as _wrap
from . import random as _random
from .backend import get_backend, resolve_dtype

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "logspace", "eye",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "rand", "randn", "randint", "randperm", "normal", "from_numpy", "is_tensor", "numel"]


def _shape(shape, who: str = "zeros") -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of non-negative ints (PyTorch's rules: 0 is
    an empty axis; a negative or non-integer size is refused here, by name)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for n in shape:
        if not argcheck.is_int(n):
            raise TypeError(f"{who}: size must be a tuple of ints, got {type(n).__name__} {n!r} "
                            f"in {tuple(shape)!r}")
        if n < 0:
            raise ValueError(f"{who}: size must be non-negative, got {tuple(shape)!r}")
    return tuple(int(n) for n in shape)


def _bk(device):
    if device is None:
        return get_backend()
    from .backend.devices import backend_for
    return backend_for(device)


def _dt(bk, dtype, default=None):
    if dtype is None:
        return bk.float_dtype if default is None else default
    return resolve_dtype(dtype, bk.xp)


def _done(t: Tensor, requires_grad: bool) -> Tensor:
    return t.requires_grad_(True) if requires_grad else t


def fill_like_array(t: Tensor, value):
    """A raw array of ``t``'s shape, dtype and place filled with ``value``."""
    bk = t._bk
    return bk.xp.full(t.shape, value, dtype=t.array.dtype, device=bk.device)


def full(size, fill_value, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Tensor of ``size`` filled with ``fill_value`` (the default float dtype for a float,
    int64 for an int, bool for a bool, as PyTorch).

    Example:
        >>> pn.full((2, 2), 7)
        tensor([[7, 7],
                [7, 7]])
    """
    size = _shape((size,) if isinstance(size, (tuple, list)) else (size,), "full")
    if not isinstance(fill_value, numbers.Number):
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__} "
                        f"{fill_value!r}")
    bk = _bk(device)
    if dtype is None:
        xp = bk.xp
        dtype = (xp.bool if isinstance(fill_value, bool) else
                 xp.int64 if isinstance(fill_value, int) else bk.float_dtype)
    dt = _dt(bk, dtype)
    return _done(_wrap(bk.xp.full(tuple(size), fill_value, dtype=dt, device=bk.device), bk, False),
                 requires_grad)


def zeros(*size, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros (float32 unless ``dtype``). Example: ``pn.zeros(2, 3, dtype=pn.long)``."""
    bk = _bk(device)
    return full(_shape(size, "zeros"), 0, dtype=_dt(bk, dtype), device=bk, requires_grad=requires_grad)


def ones(*size, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones (float32 unless ``dtype``). Example: ``pn.ones(2, 3, dtype=pn.float64)``."""
    bk = _bk(device)
    return full(_shape(size, "ones"), 1, dtype=_dt(bk, dtype), device=bk, requires_grad=requires_grad)


def empty(*size, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor as ``torch.empty`` (here: zeros, which the standard makes
    as cheaply). Example: ``pn.empty(4, 5)``."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _like(t: Tensor, dtype, device):
    bk = t._bk if device is None else _bk(device)
    return bk, (t.array.dtype if dtype is None else resolve_dtype(dtype, bk.xp))


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    bk, dt = _like(input, dtype, device)
    return _done(_wrap(bk.xp.zeros(input.shape, dtype=dt, device=bk.device), bk, False), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    bk, dt = _like(input, dtype, device)
    return _done(_wrap(bk.xp.ones(input.shape, dtype=dt, device=bk.device), bk, False), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``input``'s shape (and dtype, place) filled with ``fill_value``."""
    bk, dt = _like(input, dtype, device)
    return _done(_wrap(bk.xp.full(input.shape, fill_value, dtype=dt, device=bk.device), bk, False),
                 requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """As ``torch.arange``: integers give int64, otherwise the default float dtype."""
    bk = _bk(device)
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"arange: {name} must be a real number, got {type(v).__name__} {v!r}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: upper bound and lower bound inconsistent with step sign "
                         f"(start={start}, end={end}, step={step})")
    is_int = all(isinstance(v, int) for v in (start, end, step))
    dt = _dt(bk, dtype, bk.xp.int64 if is_int else None)
    return _done(_wrap(bk.xp.arange(start, end, step, dtype=dt, device=bk.device), bk, False),
                 requires_grad)


def linspace(start, end, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> pn.linspace(0, 1, 5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps!r}")
    bk = _bk(device)
    dt = _dt(bk, dtype)
    # PyTorch's CPU kernel: the step in double precision rounded to the output dtype, and a
    # fused multiply-add from each end (so both ends are exact).  The FMA's single rounding
    # is emulated in float64: (float32 value) * (small int) is exact there.
    xp = bk.xp
    f64 = getattr(xp, "float64", None)
    ct = f64 if f64 is not None else dt
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    rt = dt if _is_floating(xp, dt) else ct

    def rounded(v):
        return xp.astype(xp.astype(xp.asarray(v, dtype=ct, device=bk.device), rt), ct)
    lo, hi, st = rounded(start), rounded(end), rounded(step)
    i = xp.arange(steps, dtype=ct, device=bk.device)
    out = xp.where(i < steps // 2, lo + st * i, hi - st * ((steps - 1) - i))
    return _done(_wrap(xp.astype(out, dt), bk, False), requires_grad)


def _is_floating(xp, dt) -> bool:
    return dt == xp.float32 or dt == xp.float64 or dt == getattr(xp, "float16", None)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``. Example: ``pn.logspace(-3, 0, 4)``."""
    bk = _bk(device)
    dt = _dt(bk, dtype)
    e = linspace(start, end, steps, dtype="float64" if hasattr(bk.xp, "float64") else dt, device=bk)
    out = bk.xp.exp(e.array * math.log(base))
    return _done(_wrap(bk.xp.astype(out, dt), bk, False), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """Identity matrix ``(n, m)`` (``m`` defaults to ``n``). Example: ``pn.eye(3)``."""
    bk = _bk(device)
    return _done(_wrap(bk.xp.eye(n, m, dtype=_dt(bk, dtype), device=bk.device), bk, False),
                 requires_grad)


def rand(*size, generator=None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """U[0, 1) values, identical on every backend for the same seed.

    Example: ``pn.manual_seed(0); pn.rand(2, 3)``.
    """
    bk = _bk(device)
    t = _wrap(_random.uniform(_shape(size, "rand"), dtype=dtype, generator=generator, backend=bk), bk, False)
    return _done(t, requires_grad)


def randn(*size, generator=None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal values, identical on every backend for the same seed.

    Example: ``pn.randn(32, 64, dtype=pn.float64)``.
    """
    bk = _bk(device)
    t = _wrap(_random.normal(_shape(size, "randn"), dtype=dtype, generator=generator, backend=bk), bk, False)
    return _done(t, requires_grad)


def rand_like(input: Tensor, *, generator=None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    bk, dt = _like(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=dt, device=bk, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    bk, dt = _like(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=dt, device=bk, requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size=None, *, generator=None, dtype: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """int64 integers in ``[low, high)`` (``randint(high, size)`` as PyTorch too).

    Example: ``pn.randint(0, 10, (32,))``.
    """
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    for name, v in (("low", low), ("high", high)):
        if not argcheck.is_int(v):
            raise TypeError(f"randint: {name} must be an integer, got {type(v).__name__} {v!r}")
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    size = _shape((size,) if isinstance(size, (tuple, list)) else (size,), "randint")
    bk = _bk(device)
    t = _wrap(_random.randint(low, high, size, generator=generator, backend=bk), bk, False)
    if dtype is not None:
        t = _wrap(bk.xp.astype(t.array, resolve_dtype(dtype, bk.xp)), bk, False)
    return t


def randperm(n: int, *, generator=None, dtype: Any = "int64", device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``, the same on every backend for the same seed.

    Example: ``pn.randperm(5, generator=pn.Generator().manual_seed(0))``.
    """
    bk = _bk(device)
    perm = _random.permutation(n, generator=generator)
    return _wrap(bk.asarray(perm, resolve_dtype(dtype, bk.xp)), bk, False)


def normal(mean, std=1.0, size=None, *, generator=None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal values: ``normal(mean, std, size)`` with numbers, or ``mean``/``std`` tensors
    (broadcast) as ``torch.normal``.

    Example: ``pn.normal(0.0, 0.02, size=(3, 4))``.
    """
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        bk = like._bk
        m = mean.array if isinstance(mean, Tensor) else mean
        s = std.array if isinstance(std, Tensor) else std
        shape = tuple(bk.xp.broadcast_arrays(bk.xp.asarray(m, device=bk.device),
                                             bk.xp.asarray(s, device=bk.device))[0].shape)
        z = _random.normal(shape, dtype=like.array.dtype, generator=generator, backend=bk)
        return _done(_wrap(z * s + m, bk, False), requires_grad)
    if size is None:
        raise TypeError("normal(): with float mean and std, give size=")
    bk = _bk(device)
    return _done(_wrap(_random.normal(tuple(size), mean, std, dtype=dtype, generator=generator,
                                      backend=bk), bk, False), requires_grad)


def from_numpy(ndarray) -> Tensor:
    """A Tensor of a NumPy array on the current backend (sharing memory on NumPy, as
    ``torch.from_numpy``; copied to other backends). Example: ``pn.from_numpy(np.ones(3))``."""
    if type(ndarray).__name__ != "ndarray":
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    bk = get_backend()
    return _wrap(bk.asarray(ndarray), bk, False)


def is_tensor(obj) -> bool:
    """True when ``obj`` is a portanet Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """Number of elements of ``input``."""
    return input.numel()


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple (``x.size()`` returns one; ``x.shape`` is a plain
    tuple, which compares equal)."""

    def __repr__(self) -> str:
        return f"portanet.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _new(fn):
    def method(self, *args, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw):
        bk = self._bk if device is None else _bk(device)
        dt = self.array.dtype if dtype is None else resolve_dtype(dtype, bk.xp)
        return fn(*args, dtype=dt, device=bk, requires_grad=requires_grad, **kw)
    method.__name__ = "new_" + fn.__name__
    method.__doc__ = (f"``{fn.__name__}`` with this tensor's dtype and place unless given "
                      f"(``Tensor.new_{fn.__name__}``).")
    return method


def _register() -> None:
    Tensor.new_zeros = _new(zeros)
    Tensor.new_ones = _new(ones)
    Tensor.new_empty = _new(empty)
    Tensor.new_full = _new(full)

    def new_tensor(self, data, dtype: Any = None, device: Any = None, requires_grad: bool = False):
        """A new tensor from ``data`` with this tensor's dtype and place unless given."""
        bk = self._bk if device is None else _bk(device)
        dt = self.array.dtype if dtype is None else resolve_dtype(dtype, bk.xp)
        return Tensor(data, dtype=dt, backend=bk, requires_grad=requires_grad)
    Tensor.new_tensor = new_tensor
    prev = Tensor.size

    def size(self, dim: int | None = None):
        return Size(self.array.shape) if dim is None else prev(self, dim)
    size.__doc__ = "The shape as a :class:`Size` (a tuple), or the size of dimension ``dim``."
    Tensor.size = size


_register()
__all__ += ["Size"]
