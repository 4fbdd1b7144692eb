"""Learning-rate schedules, ``torch.optim.lr_scheduler``'s classes with its arithmetic.

Each scheduler writes ``group["lr"]`` of its optimizer, which the optimizer reads at
every step.  The learning rates follow PyTorch's own (recursive) formulas, so the
sequences equal PyTorch's bit for bit.  Call ``scheduler.step()`` after
``optimizer.step()``.  Departure from PyTorch: no warning when the two calls come in
the other order, and no deprecated ``step(epoch)``.

Example:
    >>> opt = pn.optim.SGD(model.parameters(), lr=0.1)
    >>> sched = pn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    >>> for epoch in range(100):
    ...     train_one_epoch(); sched.step()
"""
from __future__ import annotations

import math
from collections import Counter

from .. import argcheck as A
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]


def _lrs(optimizer) -> list:
    return [g["lr"] for g in optimizer.param_groups]


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into the groups.

    Args:
        optimizer: the optimizer whose ``lr`` this schedule sets.
        last_epoch: index of the last epoch; -1 starts afresh (and records ``initial_lr``
            in every group).

    Example:
        >>> sched.step(); sched.get_last_lr()
        [0.05]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer)
        if not A.is_int(last_epoch):
            raise TypeError(f"{type(self).__name__}: last_epoch must be an integer, "
                            f"got {type(last_epoch).__name__} {last_epoch!r}")
        if last_epoch < -1:
            raise ValueError(f"{type(self).__name__}: last_epoch must be -1 (a fresh start) or "
                             f"the index of the last epoch (>= 0), got {last_epoch}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming a scheduler with last_epoch >= 0")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list:
        """The learning rates for the epoch ``last_epoch`` (PyTorch's recursive form)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch (or one batch, for OneCycleLR) and set the new learning rates."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = _lrs(self.optimizer)

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def state_dict(self) -> dict:
        """Every attribute except the optimizer (as PyTorch)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned.

        Departure from PyTorch, which copies any dict in: a state whose entries are not
        this scheduler's (one saved by another scheduler class, or for another number
        of parameter groups) raises ValueError and changes nothing.
        """
        self._prepare_load_state_dict(state_dict)()

    def _prepare_load_state_dict(self, state_dict: dict):
        """Check ``state_dict``, changing nothing; returns the function that applies it."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}: expected a dict, got {type(state_dict).__name__}")
        mine = self.state_dict()
        unknown = sorted(set(state_dict) - set(mine))
        missing = sorted(k for k in set(mine) - set(state_dict) if not k.startswith("_"))
        if unknown or missing:
            raise ValueError(f"{name}: the state does not fit a {type(self).__name__}"
                             + (f"; it holds {unknown}, which a {type(self).__name__} does not have"
                                if unknown else "")
                             + (f"; it lacks {missing}" if missing else "")
                             + " (was it saved by another scheduler?)")
        groups = len(self.optimizer.param_groups)
        for k in ("base_lrs", "min_lrs"):
            if k in state_dict and len(state_dict[k]) != groups:
                raise ValueError(f"{name}: {k} holds {len(state_dict[k])} values in the state, "
                                 f"the optimizer has {groups} parameter groups")
        new = dict(state_dict)
        return lambda: self.__dict__.update(new)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Example:
        >>> sched = pn.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(step_size, float) and step_size.is_integer():
            step_size = int(step_size)   # PyTorch's tutorials write StepLR(opt, 1.0, ...)
        self.step_size = A.positive_int("StepLR", "step_size", step_size)
        self.gamma = A.real("StepLR", "gamma", gamma, lo=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each epoch listed in ``milestones``.

    Example:
        >>> sched = pn.optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        if not isinstance(milestones, (list, tuple, range, set, frozenset)):
            raise TypeError(f"MultiStepLR: milestones must be a list of epoch indices, "
                            f"got {type(milestones).__name__} {milestones!r}")
        for m in milestones:
            A.nonneg_int("MultiStepLR", "milestones[i]", m)
        self.milestones = Counter(milestones)
        self.gamma = A.real("MultiStepLR", "gamma", gamma, lo=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma ** self.milestones[self.last_epoch]
                for g in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Example:
        >>> sched = pn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = A.real("ExponentialLR", "gamma", gamma, lo=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the base lr to ``eta_min`` over ``T_max`` epochs (SGDR without
    restarts, Loshchilov & Hutter 2017): :math:`\eta_t = \eta_{min} + \tfrac12(\eta_0 -
    \eta_{min})(1 + \cos(\pi t / T_{max}))`, computed recursively as PyTorch does.

    Example:
        >>> sched = pn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=50, eta_min=1e-5)
    """

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max = A.positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = A.real("CosineAnnealingLR", "eta_min", eta_min, lo=0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups, e, T, lo = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _lrs(self.optimizer)
        if self._step_count == 1 and e > 0:
            return [lo + (b - lo) * (1 + math.cos(e * math.pi / T)) / 2 for b in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (b - lo) * (1 - math.cos(math.pi / T)) / 2
                    for b, g in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (g["lr"] - lo) + lo for g in groups]


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a warm-up), then keep it.

    Example:
        >>> sched = pn.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    """

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        A.real("LinearLR", "start_factor", start_factor)
        A.real("LinearLR", "end_factor", end_factor)
        A.positive_int("LinearLR", "total_iters", total_iters)
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("LinearLR: Starting multiplicative factor expected to be greater than 0 and "
                             f"less or equal to 1 (start_factor={start_factor})")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"LinearLR: Ending multiplicative factor expected to be between 0 and 1 "
                             f"(end_factor={end_factor})")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        d = self.end_factor - self.start_factor
        return [g["lr"] * (1.0 + d / (self.total_iters * self.start_factor + (self.last_epoch - 1) * d))
                for g in groups]


def _per_group(name: str, optimizer, value) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups: "
                             f"{name} has {len(value)} values, param_groups has "
                             f"{len(optimizer.param_groups)}")
        return list(value)
    return [value] * len(optimizer.param_groups)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018): warm up to ``max_lr``, then anneal far below
    the start; momentum (or Adam's beta1) cycles the other way.  Step it after every batch.

    Args mirror PyTorch: ``max_lr``, ``total_steps`` or ``epochs`` and ``steps_per_epoch``,
    ``pct_start`` (0.3), ``anneal_strategy`` ("cos" or "linear"), ``cycle_momentum``,
    ``base_momentum`` (0.85), ``max_momentum`` (0.95), ``div_factor`` (25),
    ``final_div_factor`` (1e4), ``three_phase``.

    Example:
        >>> sched = pn.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=1000)
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        _check_optimizer(optimizer)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"OneCycleLR: Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"OneCycleLR: Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError("OneCycleLR: Expected positive integer steps_per_epoch, "
                                 f"but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: Expected float between 0 and 1 pct_start, but got {pct_start}")
        A.real("OneCycleLR", "div_factor", div_factor, lo=0, lo_open=True)
        A.real("OneCycleLR", "final_div_factor", final_div_factor, lo=0, lo_open=True)
        for name, v in (("max_lr", max_lr), ("base_momentum", base_momentum),
                        ("max_momentum", max_momentum)):
            for x in (v if isinstance(v, (list, tuple)) else [v]):
                A.real("OneCycleLR", name, x, lo=0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self.anneal_strategy = anneal_strategy
        n = self.total_steps
        up = float(pct_start * n) - 1
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                            (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        if last_epoch == -1:
            for m, g in zip(_per_group("max_lr", optimizer, max_lr), optimizer.param_groups):
                g["initial_lr"] = m / div_factor
                g["max_lr"] = m
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("OneCycleLR: optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                for mx, base, g in zip(_per_group("max_momentum", optimizer, max_momentum),
                                       _per_group("base_momentum", optimizer, base_momentum),
                                       optimizer.param_groups):
                    self._set_momentum(g, mx)
                    g["max_momentum"] = mx
                    g["base_momentum"] = base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, mom0, mom1) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom0], group[mom1], pct))
                    break
                start = end
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric stops improving for
    ``patience`` epochs.  ``step(metric)`` takes the metric (a loss in mode "min").

    Args mirror PyTorch: ``mode`` ("min"/"max"), ``factor`` (0.1), ``patience`` (10),
    ``threshold`` (1e-4), ``threshold_mode`` ("rel"/"abs"), ``cooldown`` (0),
    ``min_lr`` (0, or one per group), ``eps`` (1e-8: smaller changes are skipped).

    Example:
        >>> sched = pn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=5)
        >>> sched.step(val_loss)
    """

    def __init__(self, optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr=0.0, eps: float = 1e-8):
        A.real("ReduceLROnPlateau", "factor", factor)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: Factor should be < 1.0 (factor={factor})")
        A.real("ReduceLROnPlateau", "factor", factor, lo=0)
        A.nonneg_int("ReduceLROnPlateau", "patience", patience)
        A.nonneg_int("ReduceLROnPlateau", "cooldown", cooldown)
        A.real("ReduceLROnPlateau", "threshold", threshold, lo=0)
        A.real("ReduceLROnPlateau", "eps", eps, lo=0)
        for x in (min_lr if isinstance(min_lr, (list, tuple)) else [min_lr]):
            A.real("ReduceLROnPlateau", "min_lr", x, lo=0)
        _check_optimizer(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown "
                             "(use 'rel' or 'abs')")
        self.optimizer = optimizer
        self.factor = factor
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = _lrs(optimizer)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics) -> None:  # type: ignore[override]
        """Record this epoch's metric; reduce the learning rates after ``patience`` bad ones."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for g, lo in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(g["lr"])
                new = max(old * self.factor, lo)
                if old - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _lrs(self.optimizer)

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold


# trainapi: LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts,
# CyclicLR, SequentialLR, ChainedScheduler live in their own module (imported last: they
# subclass LRScheduler)
from .lr_scheduler_more import *  # noqa: E402,F401,F403
from .lr_scheduler_more import __all__ as _more  # noqa: E402

__all__ += _more
