"""``torch.amp``'s names: ``autocast`` and ``GradScaler`` (also ``pn.autocast``,
``pn.cuda.amp``).

Decision: portanet has no mixed-precision autocast (its ops compute in their inputs'
dtype, and per-op cast lists would live in every op family).  ``autocast(...,
enabled=False)`` and ``autocast(..., dtype=pn.float32)`` are accepted and change
nothing; ``enabled=True`` with a lower precision raises ``NotImplementedError`` rather
than silently computing in float32.  Scripts that write ``enabled=use_amp`` run with
``use_amp = False``.

``GradScaler(enabled=False)`` is a transparent pass-through (``scale`` returns its
argument, ``step`` calls ``optimizer.step()``), so scripts that create one
unconditionally run.  ``GradScaler(enabled=True)`` works as PyTorch's (loss scaling,
``unscale_``, steps skipped on inf/NaN gradients, scale growth and back-off) in
whatever dtype the model has; like PyTorch it reads one flag back from the device per
``step``.

Example:
    >>> scaler = pn.amp.GradScaler(enabled=False)
    >>> with pn.autocast(device_type="cuda", dtype=pn.float16, enabled=False):
    ...     loss = loss_fn(model(x), y)
    >>> scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
"""
from __future__ import annotations

import functools
from typing import Any

from .autograd.tensor import Tensor
from .backend.inplace import imul

__all__ = ["autocast", "GradScaler"]

_DEVICE_TYPES = ("cuda", "cpu", "xpu", "mps", "hpu", "xla", "meta", "mtia", "ipu")


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: a
    context manager or decorator; see the module notes for what it accepts.

    Example:
        >>> with pn.autocast("cpu", enabled=False):
        ...     y = model(x)
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: Expected `device_type` of type `str`, got: "
                             f"`{type(device_type).__name__}`")
        if device_type.split(":")[0] not in _DEVICE_TYPES:
            raise RuntimeError(f"autocast: User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)
        if self.enabled and not _is_float32(dtype):
            want = "float16 (cuda's default)" if dtype is None and device_type.startswith("cuda") \
                else "bfloat16 (cpu's default)" if dtype is None else str(dtype)
            raise NotImplementedError(
                f"autocast: mixed precision ({want}) is not supported by portanet: its ops "
                "compute in their inputs' dtype. Pass enabled=False (e.g. enabled=use_amp with "
                "use_amp = False), or convert the model and inputs with .half() yourself")

    def __enter__(self) -> "autocast":
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _is_float32(dtype) -> bool:
    return dtype is not None and str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1] == "float32"


class GradScaler:
    """``torch.amp.GradScaler``: dynamic loss scaling (see the module notes).

    Args:
        device ("cuda"), init_scale (2**16), growth_factor (2.0), backoff_factor (0.5),
        growth_interval (2000), enabled (True).

    Example:
        >>> scaler = pn.amp.GradScaler(enabled=use_amp)
        >>> scaler.scale(loss).backward()
        >>> scaler.unscale_(opt); pn.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        >>> scaler.step(opt); scaler.update()
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        if not growth_factor > 1.0:
            raise ValueError(f"GradScaler: The growth factor must be > 1.0, got {growth_factor}")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: The backoff factor must be < 1.0, got {backoff_factor}")
        if not (isinstance(growth_interval, int) and growth_interval > 0):
            raise ValueError(f"GradScaler: growth_interval must be a positive int, got {growth_interval!r}")
        self._device, self._enabled = device, bool(enabled)
        self._scale, self._growth_factor = float(init_scale), float(growth_factor)
        self._backoff_factor, self._growth_interval = float(backoff_factor), growth_interval
        self._growth_tracker = 0
        self._per_optimizer: dict = {}   # id(optimizer) -> {"unscaled": bool, "found_inf": array}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a Tensor or nested lists/tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and
        note (on the device) whether any is inf/NaN."""
        if not self._enabled:
            return
        st = self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": None})
        if st["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        inv = 1.0 / self._scale
        found = None
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                xp = g._bk.xp
                g.array = imul(g.array, inv)
                bad = xp.any(xp.logical_not(xp.isfinite(g.array)))
                found = bad if found is None else xp.logical_or(found, bad)
        st.update(unscaled=True, found_inf=found)

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless done), then ``optimizer.step(*args, **kwargs)`` unless a gradient
        is inf/NaN (one read of that flag from the device).  Returns the step's result."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        st = self._per_optimizer.get(id(optimizer))
        if st is None or not st["unscaled"]:
            self.unscale_(optimizer)
            st = self._per_optimizer[id(optimizer)]
        found = st["found_inf"]
        if found is not None and bool(Tensor.from_array(found, _bk_of(optimizer)).item()):
            st["skipped"] = True
            return None
        st["skipped"] = False
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Back off the scale after a skipped step, grow it after ``growth_interval`` good
        ones (or set ``new_scale``); starts a new iteration."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(st.get("skipped") for st in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._per_optimizer = {}

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def state_dict(self) -> dict:
        """PyTorch's keys; empty when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _bk_of(optimizer):
    return next(p for g in optimizer.param_groups for p in g["params"])._bk


class _CudaAmp:
    """``torch.cuda.amp`` (deprecated in PyTorch, still common): ``autocast(enabled=...)``
    with ``device_type="cuda"``, and :class:`GradScaler`."""

    GradScaler = GradScaler

    @staticmethod
    def autocast(enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> autocast:
        return autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


cuda_amp = _CudaAmp()
