"""Backend parity harness: run one seeded training function on several backends and
report the first step and the first quantity where they part ways.

The user writes a ``build()`` function that creates a model, an optimizer and data on
the *current* backend and returns a ``step()`` closure.  The harness calls it once per
backend, each time after ``pn.manual_seed(seed)``, so every backend starts from the same
state (portanet's Philox stream gives the same numbers everywhere), then calls
``step()`` ``steps`` times.  After the build (step 0) and after every step it compares,
in this order: the step's outputs, every parameter's gradient, every parameter, the
optimizer's state and the model's buffers.  The first entry beyond tolerance is the
report: a divergence is usually a bug, and comparing later steps would only show it
compounding.

A divergence is not always a bug in a backend: a quantity that is pure rounding noise can
be amplified by the training rule.  The classic case is a bias right before batch norm:
its true gradient is zero, and Adam turns each library's different rounding noise into
an update of +-lr.  The report names that parameter at step 1; drop the bias
(``Linear(..., bias=False)``), as is usual before batch norm anyway.

Example:
    >>> def build():
    ...     model = pn.nn.Sequential(pn.nn.Linear(4, 8), pn.nn.ReLU(), pn.nn.Linear(8, 3))
    ...     opt = pn.optim.SGD(model.parameters(), lr=0.1)
    ...     x, y = pn.randn(16, 4), pn.randint(0, 3, (16,))
    ...     def step():
    ...         opt.zero_grad()
    ...         loss = pn.nn.functional.cross_entropy(model(x), y)
    ...         loss.backward()
    ...         opt.step()
    ...         return loss
    ...     return model, opt, step
    >>> pn.testing.assert_backends_equivalent(build, steps=5)
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from ..backend import available_backends, reference_backend, resolve_dtype, to_numpy, use_backend
from .. import random as _random

__all__ = ["assert_backends_equivalent", "compare_backends", "BackendsDiverged",
           "Divergence", "BackendResult", "ParityReport", "DEFAULT_TOLERANCES"]

#: (rtol, atol) per dtype.  Loose enough for a few training steps of float32 on BLAS
#: libraries that sum in different orders, tight enough that a wrong op fails.
DEFAULT_TOLERANCES = {"float16": (1e-2, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-9, 1e-12)}


class BackendsDiverged(AssertionError):
    """Raised by :func:`assert_backends_equivalent`; ``.divergence`` holds the details."""

    def __init__(self, divergence: "Divergence", report: "ParityReport"):
        super().__init__(str(divergence))
        self.divergence = divergence
        self.report = report


@dataclass
class Divergence:
    """The first quantity that differs between ``backend`` and ``reference``.

    ``step`` 0 is the state right after ``build()``; step ``k`` is after the k-th call.
    ``index``, ``actual`` and ``expected`` give the worst element (``None`` when the
    quantity is missing or its shape/dtype differs; ``detail`` then says what).
    """
    backend: str
    reference: str
    step: int
    quantity: str
    detail: str
    max_abs_diff: float = float("nan")
    index: tuple | None = None
    actual: float | None = None
    expected: float | None = None

    def __str__(self) -> str:
        when = "right after build() (step 0)" if self.step == 0 else f"at step {self.step}"
        return (f"backend {self.backend!r} diverges from {self.reference!r} {when} in "
                f"{self.quantity}: {self.detail} (everything compared before it matched)")


@dataclass
class BackendResult:
    """How one backend compared with the reference.

    Attributes:
        name: the backend.
        outputs: per step, the step's output when it is a single number (e.g. the loss).
        max_diff: largest ``|difference|`` over every compared float entry.
        max_output_diff: the same over the step outputs only.
        divergence: the first entry beyond tolerance, or ``None``.
        error: an exception raised while building or stepping, or ``None``.
        seconds: wall time of the backend's run.
    """
    name: str
    outputs: list = field(default_factory=list)
    max_diff: float = 0.0
    max_output_diff: float = 0.0
    divergence: Divergence | None = None
    error: BaseException | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.divergence is None and self.error is None


@dataclass
class ParityReport:
    """Results of :func:`compare_backends`, one :class:`BackendResult` per backend."""
    reference: str
    steps: int
    dtype: str
    results: dict

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results.values())

    def __str__(self) -> str:
        lines = [f"{self.steps} steps, {self.dtype}, reference {self.reference!r}"]
        for r in self.results.values():
            if r.name == self.reference:
                status = "reference"
            elif r.error is not None:
                status = f"ERROR {type(r.error).__name__}: {r.error}"
            elif r.divergence is not None:
                status = f"MISMATCH {r.divergence}"
            else:
                status = f"OK max |diff| {r.max_diff:.2e} (outputs {r.max_output_diff:.2e})"
            lines.append(f"  {r.name:<17} {status}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- running
def _unpack(built) -> tuple[Any, Any, Callable]:
    """``build()``'s result as ``(model, optimizer, step)``."""
    if callable(built) and not isinstance(built, tuple):
        return None, None, built
    if isinstance(built, tuple) and len(built) in (2, 3) and callable(built[-1]):
        return (built[0], None, built[1]) if len(built) == 2 else built
    raise TypeError("build() must return step, (model, step) or (model, optimizer, step) "
                    f"with step a callable, got {type(built).__name__}")


@contextlib.contextmanager
def _on_backend(name: str, dtype: str) -> Iterator[Any]:
    """Make ``name`` current with ``dtype`` as its default float type."""
    with use_backend(name) as bk:
        prev = bk.float_dtype
        bk.float_dtype = resolve_dtype(dtype, bk.xp)
        try:
            yield bk
        finally:
            bk.float_dtype = prev


def _host(x) -> np.ndarray | None:
    if x is None:
        return None
    if isinstance(x, (int, float, bool)):
        return np.asarray(x)
    # copy: NumPy-backed parameters may be updated in place by the next step
    return np.array(to_numpy(x), copy=True)


def _outputs(out) -> list[tuple[str, Any]]:
    if out is None:
        return []
    if isinstance(out, dict):
        return [(f"output {k!r}", v) for k, v in out.items()]
    if isinstance(out, (tuple, list)):
        return [(f"output {i}", v) for i, v in enumerate(out)]
    return [("output", out)]


def _snapshot(model, opt, out, with_grads: bool) -> dict[str, np.ndarray | None]:
    """Every compared quantity, in comparison order, as host NumPy copies."""
    snap: dict[str, np.ndarray | None] = {}
    for name, v in _outputs(out):
        snap[name] = _host(v)
    names: dict[int, str] = {}
    params = list(model.named_parameters()) if model is not None else []
    for name, p in params:
        names[id(p)] = name
    if opt is not None:
        for gi, g in enumerate(opt.param_groups):
            for pi, p in enumerate(g["params"]):
                if id(p) not in names:
                    names[id(p)] = f"param_groups[{gi}]['params'][{pi}]"
                    params.append((names[id(p)], p))
    if with_grads:
        for name, p in params:
            snap[f"gradient of {name!r}"] = _host(p.grad)
    for name, p in params:
        snap[f"parameter {name!r}"] = _host(p)
    if opt is not None:
        for _, p in params:
            for key, v in sorted(opt.state.get(p, {}).items()):
                if isinstance(v, (int, float, bool)) or hasattr(v, "shape"):
                    snap[f"optimizer state {key!r} of {names[id(p)]!r}"] = _host(v)
    if model is not None:
        for name, b in model.named_buffers():
            snap[f"buffer {name!r}"] = _host(b)
    return snap


def _run(build, name, steps, dtype, seed, on_step: Callable[[int, dict], bool]) -> None:
    """Build on ``name`` and step; ``on_step(k, snapshot)`` returns False to stop."""
    with _on_backend(name, dtype):
        _random.manual_seed(seed)
        model, opt, step = _unpack(build())
        if not on_step(0, _snapshot(model, opt, None, with_grads=False)):
            return
        for k in range(1, steps + 1):
            out = step()
            if not on_step(k, _snapshot(model, opt, out, with_grads=True)):
                return


# --------------------------------------------------------------------------- comparing
def _tolerance(dtype: str, rtol, atol) -> tuple[float, float]:
    r, a = DEFAULT_TOLERANCES.get(dtype, (1e-4, 1e-5))
    if isinstance(rtol, dict):
        r = rtol.get(dtype, r)
    elif rtol is not None:
        r = rtol
    if isinstance(atol, dict):
        a = atol.get(dtype, a)
    elif atol is not None:
        a = atol
    return float(r), float(a)


def _compare(quantity, a, e, rtol, atol) -> tuple[str | None, float, dict]:
    """(problem or None, max |diff|, worst-element details) for one quantity."""
    if a is None or e is None:
        if a is None and e is None:
            return None, 0.0, {}
        which = "this backend" if a is None else "the reference"
        return f"missing (None) on {which}", float("nan"), {}
    if a.shape != e.shape:
        return f"shape {a.shape} here, {e.shape} on the reference", float("nan"), {}
    if a.dtype != e.dtype:
        return f"dtype {a.dtype.name} here, {e.dtype.name} on the reference", float("nan"), {}
    if a.size == 0:
        return None, 0.0, {}
    if a.dtype.kind not in "fc":
        bad = a != e
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        r = at = 0.0
    else:
        r, at = _tolerance(a.dtype.name, rtol, atol)
        a64, e64 = a.astype(np.float64), e.astype(np.float64)
        nan_a, nan_e = np.isnan(a64), np.isnan(e64)
        with np.errstate(invalid="ignore"):
            diff = np.where(nan_a & nan_e, 0.0, np.abs(a64 - e64))
            diff = np.where(a64 == e64, 0.0, diff)  # equal infinities
        bad = (nan_a != nan_e) | ~(diff <= at + r * np.abs(e64))
    finite = diff[np.isfinite(diff)]
    max_diff = float(finite.max()) if finite.size else 0.0
    if not bad.any():
        return None, max_diff, {}
    score = np.where(bad, np.nan_to_num(diff, nan=np.inf, posinf=np.inf), -1.0)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(score)), a.shape))
    av, ev = a[idx].item(), e[idx].item()
    where = f" at index {idx}" if a.ndim else ""
    detail = (f"{int(bad.sum())} of {a.size} {a.dtype.name} entries differ; worst{where}: "
              f"{av!r} vs {ev!r} on the reference (|diff| {abs(av - ev):.3g}, rtol={r:g}, atol={at:g})")
    return detail, max_diff, {"index": idx, "actual": av, "expected": ev}


def _output_value(snap) -> float | None:
    v = snap.get("output")
    return float(v.reshape(())) if v is not None and v.size == 1 else None


def compare_backends(build: Callable[[], Any], steps: int = 5, backends=None,
                     dtype: str = "float32", rtol=None, atol=None, seed: int = 0,
                     reference: str | None = None) -> ParityReport:
    """Run ``build`` on each backend and compare them with ``reference``; never raises
    for a mismatch (see :func:`assert_backends_equivalent` for the asserting form).

    Args:
        build: called once per backend with that backend current, ``dtype`` as its
            default float type and the global stream seeded with ``seed``.  Returns
            ``step``, ``(model, step)`` or ``(model, optimizer, step)``: ``model`` a
            ``pn.nn.Module`` whose parameters, gradients and buffers are compared,
            ``optimizer`` whose state is compared, ``step()`` a zero-argument callable
            doing one training step and returning its outputs (a Tensor such as the
            loss, a tuple/dict of them, or ``None``).
        steps: how many times ``step()`` is called.
        backends: names to compare (default: every available backend).
        dtype: default float dtype during build and steps (``"float32"``, ``"float64"``).
        rtol, atol: a number for every dtype, or a dict ``{"float32": 1e-3}`` overriding
            :data:`DEFAULT_TOLERANCES` per dtype.  Integer and bool entries must be equal.
        seed: the seed applied before each ``build()``.
        reference: the backend the others are compared with (default: ``"numpy"`` when
            selected, else the first one).

    Returns:
        A :class:`ParityReport`; errors raised on a non-reference backend are recorded
        in its result, errors on the reference propagate.

    Example:
        >>> report = pn.testing.compare_backends(build, steps=3)
        >>> print(report)
    """
    names = list(available_backends() if backends is None else backends)
    if not names:
        raise ValueError("compare_backends: no backends to compare")
    if reference is None:
        default = reference_backend()
        reference = default if default in names else names[0]
    order = [reference] + [n for n in names if n != reference]
    saved = _random.get_rng_state()
    results: dict[str, BackendResult] = {}
    try:
        ref_snaps: list[dict] = []
        ref = results[reference] = BackendResult(reference)
        t0 = time.perf_counter()

        def keep(k, snap):
            ref_snaps.append(snap)
            if k:
                ref.outputs.append(_output_value(snap))
            return True

        _run(build, reference, steps, dtype, seed, keep)
        ref.seconds = time.perf_counter() - t0
        for name in order[1:]:
            res = results[name] = BackendResult(name)
            t0 = time.perf_counter()

            def check(k, snap, res=res):
                if k:
                    res.outputs.append(_output_value(snap))
                expected = ref_snaps[k]
                for q in list(dict.fromkeys([*snap, *expected])):
                    problem, diff, worst = _compare(q, snap.get(q), expected.get(q), rtol, atol)
                    if diff == diff:  # not NaN
                        res.max_diff = max(res.max_diff, diff)
                        if q.startswith("output"):
                            res.max_output_diff = max(res.max_output_diff, diff)
                    if problem is not None:
                        res.divergence = Divergence(name, reference, k, q, problem,
                                                    diff, worst.get("index"), worst.get("actual"),
                                                    worst.get("expected"))
                        return False
                return True

            try:
                _run(build, name, steps, dtype, seed, check)
            except Exception as e:  # noqa: BLE001 - recorded, re-raised by the assert form
                e.add_note(f"(raised on backend {name!r} by compare_backends)")
                res.error = e
            res.seconds = time.perf_counter() - t0
    finally:
        _random.set_rng_state(saved)
    return ParityReport(reference, steps, dtype, results)


def assert_backends_equivalent(build: Callable[[], Any], steps: int = 5, backends=None,
                               dtype: str = "float32", rtol=None, atol=None, seed: int = 0,
                               reference: str | None = None) -> ParityReport:
    """Assert that ``build``'s training run gives the same numbers on every backend.

    Same arguments as :func:`compare_backends`.  Raises :class:`BackendsDiverged`
    (an ``AssertionError``) naming the backend, the first step and the first quantity
    (``"gradient of '0.weight'"``, ``"optimizer state 'exp_avg' of '2.bias'"``, ...)
    beyond tolerance, with the worst element; re-raises an error a backend raised.

    Returns:
        The :class:`ParityReport` when everything matched.

    Example:
        >>> pn.testing.assert_backends_equivalent(build, steps=5, dtype="float64")
    """
    report = compare_backends(build, steps, backends, dtype, rtol, atol, seed, reference)
    for res in report.results.values():
        if res.error is not None:
            raise res.error
        if res.divergence is not None:
            raise BackendsDiverged(res.divergence, report)
    return report
