"""``Optimizer``: the one loop over parameter groups; subclasses write only their rule.

A subclass sets ``defaults`` and implements ``_update(p, g, state, group) -> new p``
on raw arrays (``p``: parameter data, ``g``: its gradient).  The base class owns
parameter groups, per-parameter state, ``zero_grad``, ``step`` and ``state_dict``.

Example:
    >>> opt = pn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..autograd.function import no_grad
from ..autograd.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer`` interface)."""

    def __init__(self, params: Iterable, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        """Add a dict ``{"params": [...], **hyperparameters}`` with its own settings."""
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: a parameter does not require grad")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required argument {k!r}")
            group.setdefault(k, v)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        """Check hyperparameters; subclasses raise ValueError naming the argument."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter."""
        for g in self.param_groups:
            for p in g["params"]:
                p.grad = None

    def _init_state(self, p: Tensor, group: dict) -> dict:
        return {}

    def _update(self, p, g, state: dict, group: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, closure: Callable[[], Any] | None = None):
        """Apply one update to every parameter that has a gradient."""
        loss = None
        if closure is not None:
            from ..autograd.function import enable_grad
            with enable_grad():
                loss = closure()
        state = self.state
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    st = state.get(p)
                    if st is None:
                        st = state[p] = self._init_state(p, group)
                    p.data = self._update(p.data, grad.data, st, group)
        return loss

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [...]}`` with parameters as indices."""
        index = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (Tensor._wrap(v, p._bk, False) if hasattr(v, "shape") else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state; refused (and nothing changed)
        when the groups or parameter shapes do not match."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: {len(groups)} parameter groups "
                             f"in the state, {len(self.param_groups)} in the optimizer")
        params = [p for g in self.param_groups for p in g["params"]]
        for g_saved, g_own in zip(groups, self.param_groups):
            if len(g_saved["params"]) != len(g_own["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: a group holds "
                                 f"{len(g_saved['params'])} parameters in the state, "
                                 f"{len(g_own['params'])} in the optimizer")
        new_state = {}
        for k, st in state_dict["state"].items():
            p = params[int(k)]
            conv = {}
            for name, v in st.items():
                if hasattr(v, "shape"):
                    arr = v.data if isinstance(v, Tensor) else v
                    if tuple(arr.shape) != p.shape and tuple(arr.shape) != ():
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {name!r} of "
                                         f"parameter {k} has shape {tuple(arr.shape)}, the parameter {p.shape}")
                    conv[name] = p._bk.asarray(_host(arr), p.dtype if tuple(arr.shape) else None)
                else:
                    conv[name] = v
            new_state[p] = conv
        for g_saved, g_own in zip(groups, self.param_groups):
            for k, v in g_saved.items():
                if k != "params":
                    g_own[k] = v
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines + [")"])


def _host(arr):
    from ..backend import to_numpy
    return to_numpy(arr)
