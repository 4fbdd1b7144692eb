"""Checks on data values that never stall a GPU: immediate on the host, deferred on a device.

Shapes and dtypes are host metadata and are checked where arguments enter, for free.
Checks on *values* (a class index within ``[0, C)``, an embedding index within the
table, a BCE target within ``[0, 1]``) need the data.  On the host (NumPy, torch on the
CPU, array_api_strict's CPU device) reading one boolean back costs nothing, so the check
runs at once and raises as PyTorch's CPU kernels do.  On an accelerator (CuPy, torch on
CUDA, and array_api_strict's simulated ``device1``, the CI stand-in for a GPU) the read
would stall the device until its queue drains, so the check is *deferred*, as PyTorch's
device asserts are: the condition stays on the device, and every pending condition is
read in one transfer at the next natural synchronization (``Tensor.item()``,
``float(t)``, ``bool(t)``, ``int(t)``, ``Tensor.tolist()``, ``Tensor.numpy()``,
``pn.to_numpy``, the reports and epoch ends of ``fit``, or :func:`flush`), which raises
the first failed check's error with the same message an immediate check gives.  Until
then the values computed from bad input are garbage, as on a GPU with PyTorch.

Pending checks cost no memory growth: the same check made at every step (same
function, same message) is folded into one device boolean by a logical AND, so a loop
that never synchronizes keeps one array per distinct check, not one per step.

``PORTANET_CHECKS=strict`` (or ``with pn.checks.strict():``) makes every check immediate
everywhere, to find the op that received bad data.  ``PORTANET_CHECKS=off`` skips value
checks entirely (shape and dtype checks stay).

Contributors: a check on values goes through :func:`check`; never ``bool(xp.any(...))``
inside an op, a layer, an optimizer or a scheduler.  Where the data is still on the host
(a DataLoader batch before transfer, ``pn.tensor`` from a list), it may be checked there
instead, for free.

Example:
    >>> t = target.array
    >>> check(target._bk, xp.all((t >= 0) & (t < c)), IndexError,
    ...       f"cross_entropy: target class index out of range [0, {c})")
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from .backend import host as _host

__all__ = ["check", "flush", "pending", "strict", "deferred", "mode"]

_MODES = ("default", "strict", "off")


class _State(threading.local):
    pending: dict | None = None   # (backend, exc type, message) -> [ok, detail] per thread
    override: str | None = None   # set by strict() / deferred() in this thread


_state = _State()


def mode() -> str:
    """``"default"``, ``"strict"``, ``"off"`` (or ``"deferred"`` inside :func:`deferred`):
    this thread's override, else ``PORTANET_CHECKS``."""
    if _state.override is not None:
        return _state.override
    m = os.environ.get("PORTANET_CHECKS", "default") or "default"
    if m not in _MODES:
        raise ValueError(f"PORTANET_CHECKS must be one of {', '.join(_MODES)}, got {m!r}")
    return m


@contextlib.contextmanager
def _override(m: str):
    prev = _state.override
    _state.override = m
    try:
        yield
    finally:
        _state.override = prev


@contextlib.contextmanager
def strict():
    """Inside the block every value check runs immediately (one device read each).

    Checks still pending from before the block are flushed on entry.

    Example:
        >>> with pn.checks.strict():
        ...     loss = F.cross_entropy(model(x), y)   # raises here, not at the next sync
    """
    flush()
    with _override("strict"):
        yield


@contextlib.contextmanager
def deferred():
    """Inside the block every value check is deferred, as on an accelerator, also where
    reads are free: a step run on NumPy or torch CPU then reads back exactly what it
    would read on a GPU (:func:`portanet.testing.count_host_syncs` uses this).

    Example:
        >>> with pn.checks.deferred():
        ...     loss = F.cross_entropy(model(x), y)   # no read; raises at loss.item()
    """
    with _override("deferred"):
        yield


def check(backend: Any, ok: Any, exc_type: type, message: str, detail: Any = None) -> None:
    """Require the 0-d boolean array ``ok`` (of ``backend``) to be True, else raise
    ``exc_type(message)``.

    ``detail`` (optional, a 0-d array) is a value for the message: ``message`` is then a
    ``str.format`` template with one ``{}`` field, filled with ``detail``'s host value
    when the check fails (the bad index, say).  Of repeated failing checks with the same
    template, the first failure's value is kept.

    Immediate where reading a value back is free (``backend.reads_are_free``) or in
    strict mode; otherwise deferred to the next synchronization (see the module docs).
    """
    m = mode()
    if m == "off":
        return
    if m == "strict" or (m != "deferred" and backend.reads_are_free):
        # a read of portanet's own: through host_read, so count_host_syncs counts it (and
        # CuPy's guard lets it through) like every other
        if not _host.host_read("bool", bool, ok):
            raise exc_type(message if detail is None else message.format(_host_value(backend, detail)))
        return
    xp = backend.xp
    if _state.pending is None:
        _state.pending = {}
    key = (backend, exc_type, message)
    prev = _state.pending.get(key)
    if prev is None:
        _state.pending[key] = [ok, detail]
    else:  # fold into the earlier condition; keep the first failure's detail
        if detail is not None:
            prev[1] = xp.where(prev[0], detail, prev[1])
        prev[0] = xp.logical_and(prev[0], ok)
    _host._checks_pending = True


def _host_value(bk: Any, detail: Any) -> Any:
    return _host.host_read("to_numpy", bk.adapter.to_numpy, detail).tolist()


def pending() -> int:
    """How many distinct deferred checks wait for the next synchronization in this thread."""
    return len(_state.pending or ())


def flush() -> None:
    """Read every deferred check back (one transfer per backend) and raise the first failure.

    Called by every natural synchronization (``Tensor.item()``, ``pn.to_numpy`` ...);
    call it yourself to make sure nothing is pending, e.g. at the end of a benchmark.
    """
    items = _state.pending
    if not items:
        return
    _state.pending = None
    by_backend: dict = {}
    for (bk, exc_type, message), (ok, detail) in items.items():
        by_backend.setdefault(bk, []).append((ok, detail, exc_type, message))
    for bk, checks in by_backend.items():
        xp = bk.xp
        flags = xp.stack([xp.reshape(ok, ()) for ok, _, _, _ in checks])
        host = _host.host_read("deferred checks", bk.adapter.to_numpy, flags).tolist()
        for (_, detail, exc_type, message), good in zip(checks, host):
            if not good:
                raise exc_type(message if detail is None else message.format(_host_value(bk, detail)))
