"""Switches PyTorch scripts set, exposed as ``pn.backends`` (``torch.backends``) and a few
top-level functions: ``use_deterministic_algorithms``, ``set_float32_matmul_precision``,
``compile``.

They exist so that scripts run unchanged; none changes what portanet computes:

* ``pn.backends.cudnn.{benchmark, deterministic, enabled, allow_tf32}``: portanet calls
  no cuDNN (convolutions are im2col + matmul on every backend), so there is nothing to
  tune or make deterministic; the values are kept and read back.
* ``pn.backends.mps.is_available()`` is False (no Metal backend);
  ``pn.backends.cuda.matmul.allow_tf32`` is kept like the cuDNN flags.
* ``pn.use_deterministic_algorithms(True)``: portanet's ops have no nondeterministic
  kernels of their own (scatter-adds are sorted segment sums or ``np.add.at``), so the
  flag is recorded and reported, nothing else.
* ``pn.set_float32_matmul_precision``: float32 matmuls run at the backend's precision.
* ``pn.compile(model)`` returns ``model`` unchanged (there is no compiler); as a
  decorator it returns the function unchanged.

This module is named ``backends_flags`` because ``portanet.backend`` is the package of
array-library adapters.

Example:
    >>> pn.backends.cudnn.benchmark = True          # accepted, does nothing
    >>> model = pn.compile(model)                    # the same model
"""
from __future__ import annotations

from typing import Any

__all__ = ["cudnn", "mps", "cuda", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_float32_matmul_precision", "get_float32_matmul_precision", "compile"]


class _Flags:
    """A namespace of flags that scripts set and read back."""

    def __init__(self, name: str, **flags: Any) -> None:
        self.__dict__["_name"] = name
        self.__dict__.update(flags)

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in self.__dict__:
            raise AttributeError(f"pn.backends.{self._name} has no flag {key!r} "
                                 f"(known: {', '.join(k for k in self.__dict__ if k[0] != '_')})")
        self.__dict__[key] = value

    def is_available(self) -> bool:
        """False: portanet has no such backend library."""
        return False

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.__dict__.items() if k[0] != "_"}
        return f"pn.backends.{self._name}({shown})"


cudnn = _Flags("cudnn", enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
               benchmark_limit=10, fastest=False)
cudnn.__dict__["version"] = lambda: None   # torch.backends.cudnn.version(): no cuDNN is used
mps = _Flags("mps")
cuda = _Flags("cuda", matmul=_Flags("cuda.matmul", allow_tf32=False,
                                    allow_fp16_reduced_precision_reduction=True,
                                    allow_bf16_reduced_precision_reduction=True))

_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the request for deterministic algorithms (``torch.use_deterministic_algorithms``).

    portanet's ops are deterministic for a given backend and input already, so this
    changes nothing; :func:`are_deterministic_algorithms_enabled` reports it back.

    Example:
        >>> pn.use_deterministic_algorithms(True)
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got "
                        f"{type(mode).__name__} {mode!r}")
    _DETERMINISTIC.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    """What :func:`use_deterministic_algorithms` last set."""
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` :func:`use_deterministic_algorithms` last set."""
    return _DETERMINISTIC["warn_only"]


_PRECISION = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted and recorded (``"highest"``, ``"high"``, ``"medium"``); float32 matmuls
    always run at the backend's own precision.

    Example:
        >>> pn.set_float32_matmul_precision("high")
    """
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: precision must be 'highest', 'high' or "
                         f"'medium', got {precision!r}")
    _PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    """What :func:`set_float32_matmul_precision` last set (``"highest"`` at start)."""
    return _PRECISION[0]


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: Any = None,  # noqa: A001
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """``torch.compile`` stand-in: returns ``model`` (a Module or a function) unchanged.

    portanet has no graph compiler; the arguments are accepted so that scripts run.
    Called without ``model`` it returns a decorator that does the same.

    Example:
        >>> model = pn.compile(model)
        >>> @pn.compile
        ... def step(x): return model(x).sum()
    """
    if mode not in (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"):
        raise ValueError(f"compile: Unknown mode={mode!r}")
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: model must be a Module or a function, got {type(model).__name__}")
    return model


