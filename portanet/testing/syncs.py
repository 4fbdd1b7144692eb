"""``count_host_syncs()``: count the device-to-host reads a block of code makes, and where.

On a GPU every read of a device value back to the host (``bool(x)``, ``float(x)``,
``int(x)``, ``x.item()``, ``x.tolist()``, a conversion to NumPy, ``pn.to_numpy``) stalls
the device until its queue drains.  A training step must make none (DESIGN.md); this
counter proves it on a CPU, so the budget is tested in CI, not only on a lent GPU.

How reads are seen, per library:

* **array_api_strict** (its CPU device and the simulated ``device1``): the methods
  ``__bool__``, ``__int__``, ``__float__``, ``__index__``, ``__complex__``, ``__array__``,
  ``__dlpack__`` and ``to_device`` of its ``Array`` class are wrapped while the block runs.
* **torch** (CPU and CUDA): ``torch.Tensor``'s Python-level ``__bool__``, ``__int__``,
  ``__float__``, ``__index__``, ``__complex__``, ``__array__``, ``item``, ``tolist``,
  ``numpy`` and ``cpu`` are wrapped; on the CPU the count is what CUDA would stall on.
* **uploads of host data** (``torch.asarray``/``as_tensor``/``tensor`` of a Python
  number, list or NumPy array; ``array_api_strict.asarray`` onto ``device1``): a copy
  from pageable host memory is synchronous on CUDA, and torch's sync debug mode
  reports it.  array-api-compat's torch wrapper makes one for a Python number given to
  ``maximum``/``minimum``/``logical_and``...: pass a 0-d array instead
  (``portanet.ops.util.const``).  Counted as ``"host-to-device ..."``.
* **portanet's own reads** (``pn.to_numpy``, ``Tensor.item`` and everything built on
  them, the flush of deferred checks) are counted on every backend, once each (the
  library calls they make inside are not counted again).
* **CuPy**: ``cupy.ndarray`` is a compiled type whose methods cannot be wrapped.  Where
  CuPy has ``cupyx.allow_synchronize``, the block runs under ``allow_synchronize(False)``:
  portanet's own reads are counted and allowed, any other synchronization raises
  CuPy's ``DeviceSynchronized`` at the line that made it.  Without it only portanet's
  own reads are counted (:func:`countable` says so).
* **NumPy**: its arrays live on the host, reads are free, and ``numpy.ndarray``'s
  methods cannot be wrapped: not countable.

Inside the block value checks are deferred (:func:`portanet.checks.deferred`) as on an
accelerator, so a step counted on torch CPU reads back what it would on CUDA.

Each read records where it happened: the innermost frame of portanet's code outside
the plumbing that performs reads on request (``Tensor.item``, ``to_numpy``, the checks),
else the caller's line, so a failing budget names the line to fix.

Example:
    >>> with pn.testing.count_host_syncs() as syncs:
    ...     step()
    >>> syncs.assert_at_most(0, "one training step")
    >>> syncs.count, syncs.sites
    (0, [])
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Any, Iterator

from ..backend import host as _host
from .. import checks as _checks

__all__ = ["count_host_syncs", "HostSyncs", "countable"]

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# files that read values because their caller asked for it: the caller is the site
_PLUMBING = tuple(os.path.join(_PKG, p) for p in (
    "backend.py", "backend" + os.sep, "checks.py", os.path.join("autograd", "tensor.py"),
    os.path.join("testing", "syncs.py")))

_UPLOAD = "host-to-device"
_STRICT_METHODS = ("__bool__", "__int__", "__float__", "__index__", "__complex__", "__array__",
                   "__dlpack__", "to_device")
_TORCH_METHODS = ("__bool__", "__int__", "__float__", "__index__", "__complex__", "__array__",
                  "item", "tolist", "numpy", "cpu")


class HostSyncs:
    """The reads counted by :func:`count_host_syncs`: ``count`` and ``sites``
    (``"kind at file:line function"`` per read, in order)."""

    def __init__(self):
        self.sites: list[str] = []
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        """Every counted sync: reads and uploads."""
        return len(self.sites)

    @property
    def reads(self) -> list[str]:
        """The sites of device-to-host reads (everything but uploads)."""
        return [s for s in self.sites if not s.startswith(_UPLOAD)]

    @property
    def uploads(self) -> list[str]:
        """The sites of uploads of host data (``"host-to-device ..."``)."""
        return [s for s in self.sites if s.startswith(_UPLOAD)]

    def _add(self, site: str) -> None:
        with self._lock:
            self.sites.append(site)

    def summary(self, sites: list[str] | None = None) -> str:
        """``"3 host syncs: 2x bool at portanet/nn/x.py:12 f; 1x item at ..."``."""
        sites = self.sites if sites is None else sites
        counts: dict[str, int] = {}
        for s in sites:
            counts[s] = counts.get(s, 0) + 1
        body = "; ".join(f"{n}x {s}" for s, n in counts.items())
        return f"{len(sites)} host sync{'' if len(sites) == 1 else 's'}" + (f": {body}" if body else "")

    def assert_at_most(self, n: int, what: str = "the block", uploads: bool = True) -> None:
        """Raise AssertionError naming every site when more than ``n`` syncs were counted
        (reads only with ``uploads=False``)."""
        sites = self.sites if uploads else self.reads
        if len(sites) > n:
            raise AssertionError(f"{what}: at most {n} host sync{'' if n == 1 else 's'} allowed, "
                                 f"counted {self.summary(sites)}")

    def __repr__(self) -> str:
        return f"HostSyncs({self.summary()})"


def countable(bk: Any) -> bool:
    """Whether :func:`count_host_syncs` sees every read on backend ``bk``: array_api_strict
    and torch always, CuPy where ``cupyx.allow_synchronize`` exists, NumPy never."""
    return bk.reads_countable


def _cupy_guard():
    cupyx = sys.modules.get("cupyx")
    if cupyx is None and "cupy" in sys.modules:
        try:
            import cupyx
        except ImportError:  # pragma: no cover
            return None
    return getattr(cupyx, "allow_synchronize", None) if cupyx is not None else None


def _site(kind: str) -> str:
    f = sys._getframe(2)
    caller = None
    while f is not None:
        fn = f.f_code.co_filename
        if fn.startswith(_PKG):
            if not fn.startswith(_PLUMBING):
                return f"{kind} at {fn[len(_PKG) - len('portanet/'):]}:{f.f_lineno} {f.f_code.co_name}"
        elif caller is None and "site-packages" not in fn and "/lib/python" not in fn:
            caller = f"{kind} at {os.path.relpath(fn) if os.path.isabs(fn) else fn}:{f.f_lineno} {f.f_code.co_name}"
            return caller
        f = f.f_back
    return f"{kind} at an unknown place"


# ------------------------------------------------------------ patching the classes
_patch_lock = threading.Lock()
_active: list[HostSyncs] = []
_saved: list[tuple[type, str, Any]] = []
_MISSING = object()


def _record(kind: str) -> None:
    site = _site(kind)
    for counter in list(_active):
        counter._add(site)


def _wrap_method(cls: type, name: str) -> None:
    orig = cls.__dict__.get(name, _MISSING)
    inner = getattr(cls, name)

    def counted(self, *args, **kwargs):
        if _active and _host._reads.depth == 0:
            _record(name.strip("_"))
            _host._reads.depth += 1   # what the read calls inside is the same read
            try:
                return inner(self, *args, **kwargs)
            finally:
                _host._reads.depth -= 1
        return inner(self, *args, **kwargs)

    counted.__name__ = name
    _saved.append((cls, name, orig))
    setattr(cls, name, counted)


def _wrap_upload(mod: Any, name: str, is_array: Any, on_device: Any) -> None:
    """Count ``mod.name(data, ...)`` (``torch.asarray``...) given host data for a device:
    a copy from pageable host memory, which CUDA makes synchronously."""
    orig = mod.__dict__.get(name, _MISSING)
    inner = getattr(mod, name)

    def counted(obj, *args, **kwargs):
        if _active and _host._reads.depth == 0 and not is_array(obj) and on_device(kwargs):
            _record(f"{_UPLOAD} {name}")
        return inner(obj, *args, **kwargs)

    counted.__name__ = name
    _saved.append((mod, name, orig))
    setattr(mod, name, counted)


def _patch() -> None:
    strict = sys.modules.get("array_api_strict")
    if strict is not None:
        cls = strict._array_object.Array
        for name in _STRICT_METHODS:
            if hasattr(cls, name):
                _wrap_method(cls, name)
        cpu = strict.Device("CPU_DEVICE")
        _wrap_upload(strict, "asarray", lambda o: isinstance(o, cls),
                     lambda kw: kw.get("device") not in (None, cpu))
    torch = sys.modules.get("torch")
    if torch is not None:
        for name in _TORCH_METHODS:
            if hasattr(torch.Tensor, name):
                _wrap_method(torch.Tensor, name)
        # counted on the CPU too: the same call on CUDA is a synchronous upload
        for name in ("asarray", "as_tensor", "tensor"):
            _wrap_upload(torch, name, lambda o: isinstance(o, torch.Tensor), lambda kw: True)
    _host._read_observers.append(_record)


def _unpatch() -> None:
    _host._read_observers.remove(_record)
    while _saved:
        cls, name, orig = _saved.pop()
        if orig is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, orig)


@contextlib.contextmanager
def count_host_syncs(defer_checks: bool = True) -> Iterator[HostSyncs]:
    """Count the device-to-host reads made inside the block (see the module docs).

    Args:
        defer_checks: defer value checks as on an accelerator (default), so the count
            is the one a GPU would see even where reads are free.

    Yields:
        :class:`HostSyncs`, filled as the block runs.

    Example:
        >>> with pn.testing.count_host_syncs() as syncs:
        ...     loss = F.cross_entropy(model(x), y); loss.backward(); opt.step()
        >>> syncs.assert_at_most(0, "a training step")
    """
    counter = HostSyncs()
    with _patch_lock:
        if not _active:
            _patch()
        _active.append(counter)
    guard = _cupy_guard() if "cupy" in sys.modules else None
    prev_context = _host._read_context
    try:
        with contextlib.ExitStack() as stack:
            if defer_checks:
                stack.enter_context(_checks.deferred())
            if guard is not None:
                # any CuPy synchronization that is not one of portanet's counted reads raises
                stack.enter_context(guard(False))
                _host._read_context = lambda: guard(True)
            yield counter
    finally:
        _host._read_context = prev_context
        with _patch_lock:
            _active.remove(counter)
            if not _active:
                _unpatch()
