"""``Module``: the base class of layers, with PyTorch's registration and state_dict rules."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

from ..autograd.hooks import RemovableHandle
from ..autograd.tensor import Tensor
from ..backend import dtype_name, resolve_backend, to_numpy
from .parameter import Parameter, is_lazy

__all__ = ["Module", "StateDictError"]


class StateDictError(RuntimeError):
    """A ``load_state_dict`` that was refused; the model is left unchanged."""


class Module:
    """Base class: assign Parameters, buffers and sub-Modules as attributes.

    Example:
        >>> class Net(pn.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = pn.nn.Linear(2, 1)
        ...     def forward(self, x):
        ...         return self.fc(x)
        >>> list(Net().state_dict())
        ['fc.weight', 'fc.bias']
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("call super().__init__() before assigning parameters")
            self._drop(name)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("call super().__init__() before assigning sub-modules")
            self._drop(name)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r}; "
                                "use a pn.nn.Parameter")
            params[name] = None
        elif params is not None and name in self._buffers:
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name: str) -> None:
        for d in (self._parameters, self._buffers, self._modules):
            d.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        self._drop(name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is saved in ``state_dict`` but not trained (e.g. running mean)."""
        self._drop(name)
        self._buffers[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._drop(name)
        self._parameters[name] = param

    def add_module(self, name: str, module: "Module | None") -> None:
        self._drop(name)
        self._modules[name] = module

    # -------------------------------------------------------------- traversal
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    _forward_pre_hooks = None  # dicts of hooks, created on first registration
    _forward_hooks = None

    def __call__(self, *args, **kwargs):
        if not self._forward_pre_hooks and not self._forward_hooks:  # None or emptied
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook in list((self._forward_pre_hooks or {}).values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        out = self.forward(*args, **kwargs)
        for hook in list((self._forward_hooks or {}).values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        return out

    def register_forward_pre_hook(self, hook, *, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; a returned value replaces
        the positional arguments (a non-tuple is wrapped in one).

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> h = model.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
            >>> h.remove()
        """
        return self._add_hook("_forward_pre_hooks", hook, prepend)

    def register_forward_hook(self, hook, *, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; a returned value
        replaces the output.

        Example:
            >>> acts = {}
            >>> h = model[0].register_forward_hook(lambda m, a, out: acts.update(first=out))
        """
        return self._add_hook("_forward_hooks", hook, prepend)

    def _add_hook(self, attr: str, hook, prepend: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.{attr[1:-1].replace('_hooks', '_hook')}: "
                            f"hook must be callable, got {type(hook).__name__}")
        table = self.__dict__.get(attr)
        if table is None:
            table = {}
            object.__setattr__(self, attr, table)
        handle = RemovableHandle(table)
        if prepend:
            rest = dict(table)
            table.clear()
            table[handle.id] = hook
            table.update(rest)
        else:
            table[handle.id] = hook
        return handle

    def named_modules(self, prefix: str = "", memo=None) -> Iterator[tuple[str, "Module"]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, Parameter) pairs with PyTorch's dotted names; shared ones appear once."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in mods:
            for pname, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for mname, m in self.named_modules(prefix):
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self) -> Iterator[Tensor]:
        for _, b in self.named_buffers():
            yield b

    def apply(self, fn) -> "Module":
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            p.grad = None

    def requires_grad_(self, flag: bool = True) -> "Module":
        for p in self.parameters():
            p.requires_grad = flag
        return self

    def to(self, *args, **kwargs) -> "Module":
        """Move (or cast) every parameter and buffer in place, keeping object identity.

        An optimizer built before the move keeps working: it recognizes its parameters'
        new backend, device or floating dtype at its next ``step()`` (or
        ``state_dict()``) and moves their state along, once, so the run goes on exactly
        as if the model had always been there.  (PyTorch asks to build the optimizer
        after ``model.to(device)``; here both orders work.)  Gradients are dropped.

        Takes what ``Tensor.to`` takes: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
        ``to(tensor)``, a backend name (``"torch"``), ``backend=``/``device=`` keywords;
        a dtype casts floating parameters and buffers only, as PyTorch.

        Example:
            >>> model.to("torch")                     # Adam's moments follow at opt.step()
        """
        from ..backend.devices import parse_to
        target, dtype, _ = parse_to("Module", args, kwargs)
        for t in list(self.parameters()) + list(self.buffers()):
            if is_lazy(t):   # a lazy module before its first call: keep the target for later
                t._placeholder_to(t._bk if target is None else target,
                                  dtype if _is_float_t(t) else None)
                continue
            new = t.to(t._bk if target is None else target, dtype=dtype if _is_float_t(t) else None)
            t.array, t._bk = new.array, new._bk
            t.grad = None
        return self

    def cpu(self) -> "Module":
        """Move every parameter and buffer to the CPU backend in use."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Module":
        """Move every parameter and buffer to the GPU ("cuda", see ``portanet.devices``)."""
        return self.to("cuda" if device is None else device)

    def half(self) -> "Module":
        return self.to(dtype="float16")

    def double(self) -> "Module":
        return self.to(dtype="float64")

    def float(self) -> "Module":
        return self.to(dtype="float32")

    # ------------------------------------------------------------- state dict
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name (``"0.weight"``), detached."""
        out = OrderedDict()
        for mname, m in self.named_modules():
            skip = m.__dict__.get("_non_persistent", ())
            for store in (m._parameters, m._buffers):
                for name, t in store.items():
                    if t is not None and name not in skip:
                        out[f"{mname}.{name}" if mname else name] = t.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` (Tensors or any arrays) into this module.

        Everything is checked first (missing/unexpected keys when ``strict``, shapes,
        dtype kinds); on any problem a :class:`StateDictError` lists them all and the
        model is left exactly as it was.

        Returns:
            ``(missing_keys, unexpected_keys)`` as PyTorch does.
        """
        return self._prepare_load_state_dict(state_dict, strict)()

    def _prepare_load_state_dict(self, state_dict, strict: bool = True):
        """Check ``state_dict`` against this module, changing nothing; returns the
        function that copies it in (see :mod:`portanet.io.restore`)."""
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise StateDictError(f"load_state_dict for {type(self).__name__}: expected a mapping "
                                 f"of names to tensors, got {type(state_dict).__name__}")
        own = OrderedDict()
        for mname, m in self.named_modules():
            skip = m.__dict__.get("_non_persistent", ())
            for store in (m._parameters, m._buffers):
                for name, t in store.items():
                    if t is not None and name not in skip:
                        own[f"{mname}.{name}" if mname else name] = t
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        staged = []
        for k, t in own.items():
            if k not in state_dict:
                continue
            src = state_dict[k]
            if is_lazy(src):
                if not is_lazy(t):
                    problems.append(f"{k!r}: the state_dict holds an uninitialized parameter (a lazy "
                                    f"module that never ran forward), the model one of shape {t.shape}")
                continue   # both uninitialized: nothing to load, as in PyTorch
            shape = tuple(getattr(src, "shape", ()))
            if is_lazy(t):   # PyTorch's lazy load hook: take the loaded shape
                host = to_numpy(src).copy()
                if _kind(host.dtype.name) != _kind(dtype_name(t.dtype)):
                    problems.append(f"{k!r}: dtype {host.dtype.name} in the state_dict, "
                                    f"{dtype_name(t.dtype)} in the model")
                else:
                    staged.append((t, host))   # materialized at commit
                continue
            if shape != t.shape:
                problems.append(f"{k!r}: shape {shape} in the state_dict, {t.shape} in the model")
                continue
            # a private copy: the model must not share memory with the caller's arrays
            # (e.g. a torch state_dict whose optimizer later updates it in place)
            host = to_numpy(src).copy()
            if _kind(host.dtype.name) != _kind(dtype_name(t.dtype)):
                problems.append(f"{k!r}: dtype {host.dtype.name} in the state_dict, "
                                f"{dtype_name(t.dtype)} in the model")
                continue
            staged.append((t, t._bk.asarray(host, t.dtype)))
        if problems:
            raise StateDictError(
                f"load_state_dict refused for {type(self).__name__} (the model is unchanged):\n  "
                + "\n  ".join(problems))

        def commit():
            for t, arr in staged:
                if is_lazy(t):
                    t.materialize(arr.shape)
                    arr = t._bk.asarray(arr, t.dtype)
                t.array = arr
            return missing, unexpected
        return commit

    # ------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def _label(self) -> str:
        """How error messages name this layer: ``Conv2d(1, 8, kernel_size=(3, 3), ...)``.

        For subclasses and the layer helpers (``check_float_input``); not PyTorch API.
        """
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {sub}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _kind(name: str) -> str:
    if name.startswith("float"):
        return "float"
    if name.startswith(("int", "uint")):
        return "int"
    return name


def _is_float_t(t: Tensor) -> bool:
    return dtype_name(t.dtype).startswith("float")


