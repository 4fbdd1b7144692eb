"""``Optimizer``: the one loop over parameter groups; subclasses write only their rule.

A subclass passes its ``defaults`` and implements two methods on raw arrays:

* ``_init_state(xp, p, group) -> dict``: the per-parameter state before the first step;
* ``_update(xp, p, g, state, group) -> p``: one step for parameter ``p`` with gradient
  ``g``; it updates ``state`` and returns the new parameter array.  Rules use the
  helpers of :mod:`portanet.backend.inplace`, so the update happens in place where the
  array is writeable and functionally otherwise.

Hyperparameters are read from ``group`` at every step, so schedulers (or the user) may
change them between steps.  A parameter moved by ``Module.to`` (another backend, device
or floating dtype) has its state moved along at the next step: the optimizer records
where each state was made and compares that backend object and dtype per step (two
identity/equality checks, no device work).  Scalars of the state (``step``, NAdam's ``mu_product``)
are Python floats, listed in ``_scalar_state``.

Example:
    >>> opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Iterable

from .. import argcheck
from ..autograd.function import enable_grad, no_grad
from ..autograd.tensor import Tensor
from ..autograd.version import bump_many
from ..backend import to_numpy

__all__ = ["Optimizer"]

# torch.optim's wording of each hyperparameter in its error messages.
_WORDS = {"lr": "learning rate", "eps": "epsilon value"}
# the hyperparameters that must be real numbers, in any optimizer that has them
_NUMBERS = ("lr", "eps", "weight_decay", "momentum", "dampening", "alpha", "rho", "lr_decay",
            "initial_accumulator_value", "momentum_decay")


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``'s interface).

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": [...], **hyperparameters}``
            (parameter groups with their own settings).
        defaults: hyperparameters used where a group does not set its own.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` and every hyperparameter.
        state: ``{parameter Tensor: {name: array or float}}``.
    """

    _scalar_state: tuple = ("step",)
    _lazy_state: tuple = ()  # state entries created by a step rather than by _init_state

    def __init__(self, params: Iterable, defaults: dict):
        if isinstance(params, Tensor) or isinstance(params, (set, dict)):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        self.defaults = dict(defaults)
        if isinstance(self.defaults.get("betas"), list):
            self.defaults["betas"] = tuple(self.defaults["betas"])
        self.param_groups: list[dict] = []
        self.state: dict = {}
        self._placed: dict = {}   # parameter -> (backend, dtype) its state was made for
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group ``{"params": [...], **hyperparameters}``; missing ones come from defaults.

        Example:
            >>> opt.add_param_group({"params": head.parameters(), "lr": 1e-2})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("param_group has no 'params' entry")
        if isinstance(params, (set, dict)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            f"but the ordering of tensors in {type(params).__name__}s changes between runs")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group contains a parameter twice")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        """Raise at construction, naming the optimizer and the argument, when a hyperparameter
        has the wrong type (TypeError) or is out of range (ValueError), as ``torch.optim`` does;
        stricter than PyTorch where it only fails at ``step()`` (``betas=(0.9,)``)."""
        who = type(self).__name__
        for k in _NUMBERS:
            v = group.get(k, 0.0)
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{who}: {k} must be a real number, got {type(v).__name__} {v!r}")
        self._check_nonneg(group, *(k for k in ("lr", "eps", "weight_decay") if k in group))
        if "betas" in group:
            group["betas"] = argcheck.pair(who, "betas", group["betas"])
            for i, b in enumerate(group["betas"]):
                if not 0.0 <= b < 1.0:
                    raise ValueError(f"{who}: Invalid beta parameter at index {i}: betas[{i}]={b} "
                                     "(expected 0 <= beta < 1)")

    def _check_nonneg(self, group: dict, *names: str) -> None:
        for n in names:
            if not 0.0 <= group[n]:  # written so that NaN fails too
                raise ValueError(f"{type(self).__name__}: Invalid {_WORDS.get(n, n + ' value')}: "
                                 f"{n}={group[n]} (expected >= 0)")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook: Callable):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return
        ``(new_args, new_kwargs)``.  Returns a handle with ``remove()``.

        Example:
            >>> h = opt.register_step_pre_hook(lambda o, args, kwargs: None)
        """
        return self._add_step_hook("_step_pre_hooks", hook)

    def register_step_post_hook(self, hook: Callable):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.  Returns a handle.

        Example:
            >>> h = opt.register_step_post_hook(lambda o, args, kwargs: log(o))
        """
        return self._add_step_hook("_step_post_hooks", hook)

    def _add_step_hook(self, kind: str, hook: Callable):
        from ..autograd.hooks import RemovableHandle
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.register_{kind[1:-1]}: hook must be "
                            f"callable, got {type(hook).__name__}")
        table = self.__dict__.setdefault(kind, {})
        handle = RemovableHandle(table)
        table[handle.id] = hook
        return handle

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (or zero it in place with ``set_to_none=False``)."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array = p._bk.xp.zeros_like(p.grad.array)

    def _init_state(self, xp, p, group: dict) -> dict:
        return {}

    def _update(self, xp, p, g, state: dict, group: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, closure: Callable[[], Any] | None = None):
        """Apply one update to every parameter that has a gradient.

        Args:
            closure: optional function that re-evaluates the model and returns the loss.

        Returns:
            The closure's loss, or ``None``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        state, placed = self.state, self._placed
        updated = []
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    xp = p._bk.xp
                    st = state.get(p)
                    if st is None:
                        st = state[p] = self._init_state(xp, p.array, group)
                        placed[p] = (p._bk, p.array.dtype)
                    else:
                        where = placed.get(p)
                        if where is None or where[0] is not p._bk or where[1] != p.array.dtype:
                            st = self._follow(p)
                    p.array = self._update(xp, p.array, grad.array, st, group)
                    updated.append(p)
        # the update wrote into the parameters' arrays: a graph that saved them must not
        # run backward again with the new values (see portanet.autograd.version)
        bump_many(updated, f"an optimizer step ({type(self).__name__})")
        return loss

    def _follow(self, p: Tensor) -> dict:
        """Move ``p``'s state to ``p``'s backend, device and floating dtype.

        ``Module.to`` (or ``.double()``) changes a parameter's array in place, keeping
        the Parameter object, so the optimizer recognizes a parameter whose state was
        made elsewhere by the ``(backend, dtype)`` it recorded.  The state then travels
        through host memory once, and the update goes on exactly as if the parameter
        had always been there.  PyTorch instead asks to build the optimizer after the
        move; here both orders work.
        """
        st = self.state[p]
        bk, dtype = p._bk, p.array.dtype
        for k, v in list(st.items()):
            if hasattr(v, "shape") and hasattr(v, "dtype"):
                host = to_numpy(v)
                keep = host.dtype.kind != "f"          # integer or boolean state keeps its dtype
                st[k] = bk.asarray(host.copy(), host.dtype.name if keep else dtype)
        self._placed[p] = (bk, dtype)
        return st

    def _state_here(self, p: Tensor) -> dict:
        """``p``'s state, moved first if ``p`` moved since the state was made."""
        where = self._placed.get(p)
        if where is None or where[0] is not p._bk or where[1] != p.array.dtype:
            return self._follow(p)
        return self.state[p]

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered in group order, as in PyTorch; arrays of the state come
        back as Tensors.  Departure from PyTorch: they are copies, so a state taken
        mid-run stays as it was while training goes on updating in place.
        """
        groups, state, index = [], {}, 0
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                if p in self.state:
                    xp = p._bk.xp
                    state[index] = {k: (Tensor.from_array(xp.asarray(v, copy=True), p._bk)
                                        if hasattr(v, "shape") else v)
                                    for k, v in self._state_here(p).items()}
                ids.append(index)
                index += 1
            groups.append({**copy.deepcopy({k: v for k, v in g.items() if k != "params"}),
                           "params": ids})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state from :meth:`state_dict`.

        Everything is checked before anything changes: the number of groups and of
        parameters per group, each state entry's name and shape, the hyperparameters.
        On a mismatch a ValueError says what differs and the optimizer is unchanged.
        Arrays are cast to their parameter's dtype and backend (as PyTorch casts them
        to the parameter's device); ``step`` becomes a float.
        """
        self._prepare_load_state_dict(state_dict)()

    def _prepare_load_state_dict(self, state_dict: dict):
        """Check ``state_dict``, changing nothing; returns the function that applies it
        (see :mod:`portanet.io.restore`)."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups' (as "
                             f"state_dict() returns), got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: {len(saved_groups)} parameter groups in the state, "
                             f"{len(self.param_groups)} in the optimizer")
        new_groups = []
        for i, (saved, own) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"{name}: parameter group {i} holds {len(saved['params'])} "
                                 f"parameters in the state, {len(own['params'])} in the optimizer")
            group = {**own, **{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}}
            self._validate(group)
            new_groups.append(group)
        params = [(p, g) for g in new_groups for p in g["params"]]
        new_state = {}
        for k, st in state_dict["state"].items():
            i = int(k)
            if not 0 <= i < len(params):
                raise ValueError(f"{name}: state for parameter {k}, but the optimizer has "
                                 f"{len(params)} parameters")
            p, group = params[i]
            new_state[p] = self._load_param_state(name, i, p, group, st)

        def commit():
            for own, group in zip(self.param_groups, new_groups):
                own.clear()
                own.update(group)
            self.state = new_state
            self._placed = {p: (p._bk, p.array.dtype) for p in new_state}
        return commit

    def _load_param_state(self, name: str, i: int, p: Tensor, group: dict, saved: dict) -> dict:
        expected = set(self._init_state(p._bk.xp, p.array, group))
        saved = {k: v for k, v in saved.items() if v is not None}
        unknown = set(saved) - expected - set(self._lazy_state)
        missing = expected - set(saved)
        if unknown or missing:
            raise ValueError(f"{name}: the state of parameter {i} holds {sorted(saved)}, "
                             f"{type(self).__name__} with these settings keeps {sorted(expected)}"
                             + (f" (and {list(self._lazy_state)})" if self._lazy_state else ""))
        out = {}
        for key, v in saved.items():
            host = to_numpy(v)
            if key in self._scalar_state:
                if host.size != 1:
                    raise ValueError(f"{name}: state {key!r} of parameter {i} should be one "
                                     f"number, got shape {host.shape}")
                out[key] = float(host.reshape(()))
            elif tuple(host.shape) != p.shape:
                raise ValueError(f"{name}: state {key!r} of parameter {i} has shape "
                                 f"{tuple(host.shape)}, the parameter has shape {p.shape}")
            else:  # a private copy: updates in place must not reach the caller's arrays
                out[key] = p._bk.asarray(host.copy(), p.dtype)
        return out

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines + [")"])


def _with_step_hooks(step):
    """``step`` running the optimizer's step pre/post hooks (once, even when a subclass's
    step calls ``super().step()``); free while no hook is registered."""
    import functools

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        d = self.__dict__
        if not (d.get("_step_pre_hooks") or d.get("_step_post_hooks")) or d.get("_in_step"):
            return step(self, *args, **kwargs)
        for hook in list(d.get("_step_pre_hooks", {}).values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError(f"optimizer step pre hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {res!r}")
                args, kwargs = res
        d["_in_step"] = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            d["_in_step"] = False
        for hook in list(d.get("_step_post_hooks", {}).values()):
            hook(self, args, kwargs)
        return out
    return wrapper


Optimizer.step = _with_step_hooks(Optimizer.step)


def l2_grad(p, g, group: dict):
    """The gradient a rule uses: negated under ``maximize``, plus ``weight_decay * p``.

    Always a new array when it differs from ``g``, never ``g`` modified, because the
    caller's ``.grad`` must survive the step.
    """
    if group.get("maximize"):
        g = -g
    wd = group.get("weight_decay", 0.0)
    if wd:
        g = g + p * wd
    return g
