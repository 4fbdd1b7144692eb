"""More of ``torch.optim.lr_scheduler``: LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR,
CosineAnnealingWarmRestarts, CyclicLR, SequentialLR, ChainedScheduler.

Re-exported by :mod:`portanet.optim.lr_scheduler`.  The arithmetic is PyTorch's own
(recursive where PyTorch's is, closed forms where it restarts a schedule), so the
sequences equal PyTorch's.  State dicts hold no functions: LambdaLR, MultiplicativeLR and
CyclicLR store ``None`` for a plain function (a callable object's ``__dict__`` instead),
as PyTorch does.

Example:
    >>> warm = pn.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> cos = pn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=95)
    >>> sched = pn.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[5])
"""
from __future__ import annotations

import math
import types
from bisect import bisect_right

from .. import argcheck as A
from . import lr_scheduler as _base
from .lr_scheduler import LRScheduler, _check_optimizer, _lrs, _per_group

__all__ = ["LambdaLR", "MultiplicativeLR", "ConstantLR", "PolynomialLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR", "ChainedScheduler"]


def _lambdas(who: str, optimizer, lr_lambda) -> list:
    _check_optimizer(optimizer)
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(f"{who}: Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * n
    for f in fns:
        if not callable(f):
            raise TypeError(f"{who}: lr_lambda should be a function, but got {type(f).__name__}")
    return fns


def _fn_state(fn):
    """A function is not stored (None); a callable object's attributes are (PyTorch's rule)."""
    return None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)


class _LambdaBase(LRScheduler):
    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [_fn_state(f) for f in self.lr_lambdas]
        return state

    def _prepare_load_state_dict(self, state_dict: dict):
        commit = super()._prepare_load_state_dict(state_dict)
        fns = state_dict["lr_lambdas"]
        if not isinstance(fns, (list, tuple)) or len(fns) != len(self.lr_lambdas):
            raise ValueError(f"{type(self).__name__}.load_state_dict: lr_lambdas must hold one "
                             f"entry per parameter group ({len(self.lr_lambdas)}), got {fns!r}")

        def apply():
            keep = self.lr_lambdas
            commit()
            self.lr_lambdas = keep      # the functions themselves are never loaded
            for f, d in zip(keep, fns):
                if d is not None:
                    f.__dict__.update(d)
        return apply


class LambdaLR(_LambdaBase):
    """``lr = base_lr * lr_lambda(epoch)``; one function, or one per parameter group.

    Example:
        >>> sched = pn.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda epoch: 0.95 ** epoch)
    """

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        self.lr_lambdas = _lambdas("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [b * f(self.last_epoch) for f, b in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaBase):
    """Multiply the current lr by ``lr_lambda(epoch)`` at every step after the first.

    Example:
        >>> sched = pn.optim.lr_scheduler.MultiplicativeLR(opt, lr_lambda=lambda e: 0.95)
    """

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        self.lr_lambdas = _lambdas("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * f(self.last_epoch)
                for f, g in zip(self.lr_lambdas, self.optimizer.param_groups)]


class ConstantLR(LRScheduler):
    """Multiply the lr by ``factor`` until epoch ``total_iters``, then restore it (a warm-up).

    Example:
        >>> sched = pn.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4)
    """

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1):
        A.real("ConstantLR", "factor", factor)
        if factor > 1.0 or factor < 0:
            raise ValueError("ConstantLR: Constant multiplicative factor expected to be between "
                             f"0 and 1 (factor={factor})")
        self.factor = factor
        self.total_iters = A.nonneg_int("ConstantLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.factor for g in groups]
        if self.last_epoch != self.total_iters:
            return _lrs(self.optimizer)
        return [g["lr"] * (1.0 / self.factor) for g in groups]

    def _get_closed_form_lr(self):
        return [b * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for b in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the lr polynomially to 0 over ``total_iters`` epochs:
    ``lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power``.

    Example:
        >>> sched = pn.optim.lr_scheduler.PolynomialLR(opt, total_iters=10, power=2.0)
    """

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters = A.positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = A.real("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        T = self.total_iters
        f = ((1.0 - self.last_epoch / T) / (1.0 - (self.last_epoch - 1) / T)) ** self.power
        return [g["lr"] * f for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [b * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for b in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter 2017): cosine annealing from the base lr to ``eta_min``
    over ``T_i`` epochs, then a restart; ``T_0`` is the first period, each next one is
    ``T_mult`` times longer.  ``step(epoch)`` accepts a fractional epoch, so it can be
    stepped per batch: ``sched.step(epoch + i / iters)``.

    Example:
        >>> sched = pn.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)
    """

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1):
        if not A.is_int(T_0) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: Expected positive integer T_0, but got {T_0!r}")
        if not A.is_int(T_mult) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got {T_mult!r}")
        A.real("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lo = self.eta_min
        return [lo + (b - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for b in self.base_lrs]

    def step(self, epoch=None) -> None:
        """Advance one epoch, or jump to ``epoch`` (a float for a fraction of an epoch)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            A.real("CosineAnnealingWarmRestarts.step", "epoch", epoch)
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: Expected non-negative epoch, "
                                 f"but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        for g, lr in zip(self.optimizer.param_groups, self.get_lr()):
            g["lr"] = lr
        self._last_lr = _lrs(self.optimizer)


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017) between ``base_lr`` and ``max_lr``, stepped per
    batch; momentum (or Adam's beta1) cycles the other way when ``cycle_momentum``.

    Args mirror PyTorch: ``base_lr``, ``max_lr`` (one value or one per group),
    ``step_size_up`` (2000), ``step_size_down`` (= up), ``mode`` ("triangular",
    "triangular2", "exp_range"), ``gamma`` (1.0, exp_range), ``scale_fn`` and
    ``scale_mode`` ("cycle" or "iterations"), ``cycle_momentum`` (True),
    ``base_momentum`` (0.8), ``max_momentum`` (0.9).

    Example:
        >>> sched = pn.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4)
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn=None, scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum=0.8, max_momentum=0.9, last_epoch: int = -1):
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, g in zip(base_lrs, optimizer.param_groups):
                g["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(A.positive_int("CyclicLR", "step_size_up", step_size_up))
        down = up if step_size_down is None else float(
            A.positive_int("CyclicLR", "step_size_down", step_size_down))
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode is invalid and scale_fn is None (mode={mode!r}; "
                             "expected 'triangular', 'triangular2' or 'exp_range')")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"CyclicLR: scale_fn must be callable, got {type(scale_fn).__name__}")
        A.one_of("CyclicLR", "scale_mode", scale_mode, ("cycle", "iterations"))
        self.mode, self.gamma = mode, A.real("CyclicLR", "gamma", gamma)
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("CyclicLR: optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for mx, lo, g in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(g, mx)
                    g["max_momentum"], g["base_momentum"] = mx, lo
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is None:
            if self.mode in ("triangular", "triangular2"):
                self.scale_mode = "cycle"
            elif self.mode == "exp_range":
                self.scale_mode = "iterations"

    def scale_fn(self, x) -> float:
        """The amplitude factor at cycle (or iteration) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = [b + (m - b) * scale * self.scale_fn(at) for b, m in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for lo, mx, g in zip(self.base_momentums, self.max_momentums, self.optimizer.param_groups):
                self._set_momentum(g, mx - (mx - lo) * scale * self.scale_fn(at))
        return lrs

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["_scale_fn_custom"] = (None if self._scale_fn_custom is None
                                     else _fn_state(self._scale_fn_custom))
        return state

    def _prepare_load_state_dict(self, state_dict: dict):
        commit = super()._prepare_load_state_dict(state_dict)
        d = state_dict["_scale_fn_custom"]

        def apply():
            keep = self._scale_fn_custom
            commit()
            self._scale_fn_custom = keep
            if d is not None and keep is not None:
                keep.__dict__.update(d)
            self._init_scale_fn()
        return apply


def _check_children(who: str, optimizer, schedulers) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{who} expects at least one scheduler, but got no scheduler.")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{who} at index {i} should have `optimizer` as its attribute.")
        if isinstance(s, _base.ReduceLROnPlateau):
            raise ValueError(f"{who} does not support `ReduceLROnPlateau` scheduler as it requires "
                             "additional kwargs to be specified when calling `step`, but got one "
                             f"at index {i} in the given schedulers sequence.")
        if s.optimizer is not optimizer:
            raise ValueError(f"{who} expects all schedulers to belong to the same optimizer, but "
                             f"got scheduler {type(s).__name__} at index {i} has "
                             f"{type(s.optimizer).__name__} object {id(s.optimizer):#x}, which "
                             f"is different from {type(optimizer).__name__} object {id(optimizer):#x}.")


class _Composite(LRScheduler):
    """State of SequentialLR/ChainedScheduler: their own attributes plus each child's state."""

    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def _prepare_load_state_dict(self, state_dict: dict):
        name = f"{type(self).__name__}.load_state_dict"
        kids = state_dict.get("_schedulers") if isinstance(state_dict, dict) else None
        if not isinstance(kids, (list, tuple)) or len(kids) != len(self._schedulers):
            raise ValueError(f"{name}: expected a state with one '_schedulers' entry per "
                             f"scheduler ({len(self._schedulers)})")
        mine = {k: v for k, v in state_dict.items() if k != "_schedulers"}
        commits = [s._prepare_load_state_dict(d) for s, d in zip(self._schedulers, kids)]

        def apply():
            self.__dict__.update(mine)
            for c in commits:
                c()
        return apply


def _closed_form(s) -> list:
    """The lr of ``s`` at its ``last_epoch`` from scratch (PyTorch's ``_get_closed_form_lr``),
    for schedulers SequentialLR restarts at a milestone."""
    own = getattr(s, "_get_closed_form_lr", None)
    if own is not None:
        return own()
    e, bs = s.last_epoch, s.base_lrs
    if isinstance(s, _base.StepLR):
        return [b * s.gamma ** (e // s.step_size) for b in bs]
    if isinstance(s, _base.MultiStepLR):
        ms = sorted(s.milestones.elements())
        return [b * s.gamma ** bisect_right(ms, e) for b in bs]
    if isinstance(s, _base.ExponentialLR):
        return [b * s.gamma ** e for b in bs]
    if isinstance(s, _base.CosineAnnealingLR):
        return [s.eta_min + (b - s.eta_min) * (1 + math.cos(math.pi * e / s.T_max)) / 2 for b in bs]
    if isinstance(s, _base.LinearLR):
        return [b * (s.start_factor + (s.end_factor - s.start_factor) * min(s.total_iters, e)
                     / s.total_iters) for b in bs]
    return s.get_lr()


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another, switching at each epoch in ``milestones``.

    Example:
        >>> warm = pn.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        >>> decay = pn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        >>> sched = pn.optim.lr_scheduler.SequentialLR(opt, [warm, decay], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        _check_optimizer(optimizer)
        schedulers = list(schedulers)
        _check_children("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("SequentialLR: Sequential Schedulers expects number of schedulers "
                             "provided to be one more than the number of milestone points, but got "
                             f"number of schedulers {len(schedulers)} and the number of milestones "
                             f"to be equal to {len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for g in optimizer.param_groups:      # undo what the children's constructors did
            g["lr"] = g["initial_lr"]
        self._undo(self)
        first = schedulers[bisect_right(milestones, 0)]
        first._step_count = 0
        first._is_initial = True
        first.step()
        first._is_initial = False
        self._last_lr = first.get_last_lr()

    def _undo(self, s) -> None:
        if hasattr(s, "_schedulers"):
            for c in s._schedulers:
                self._undo(c)
        elif hasattr(s, "last_epoch"):
            s.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s.last_epoch = 0          # a restart: the schedule's closed form at epoch 0
            for g, lr in zip(self.optimizer.param_groups, _closed_form(s)):
                g["lr"] = lr
            s._last_lr = _lrs(self.optimizer)
        else:
            s.step()
        self._last_lr = s.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler in ``schedulers`` at each step (their effects multiply).

    Example:
        >>> sched = pn.optim.lr_scheduler.ChainedScheduler([warm, decay])
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, "
                             "but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_children("ChainedScheduler", optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _lrs(schedulers[-1].optimizer)

    def step(self) -> None:
        for s in self._schedulers:
            s.step()
        self._last_lr = _lrs(self._schedulers[-1].optimizer)
