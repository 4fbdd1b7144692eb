"""Basic layers: Linear, Identity, Flatten, Unflatten and the containers."""
from __future__ import annotations

import math
from collections import OrderedDict

from .. import ops
from ..autograd.tensor import Tensor
from ..backend import BackendError, dtype_name, get_backend, resolve_dtype
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear", "Identity", "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict",
           "empty_parameter", "check_float_input"]


def empty_parameter(shape, dtype=None) -> Parameter:
    """A zero Parameter of ``shape`` on the current backend (filled by an initializer)."""
    bk = get_backend()
    dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
    return Parameter(Tensor(bk.xp.zeros(tuple(shape), dtype=dt, device=bk.device), backend=bk))


def check_float_input(layer: Module, x, like: Tensor) -> None:
    """Raise a clear error when ``x`` is not a Tensor of ``like``'s float dtype and backend."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer._label()} expected a pn.Tensor input, got {type(x).__name__}")
    # backend first: dtypes of two libraries never compare equal, even float32 and float32
    if x._bk is not like._bk and not x._bk.same_place(like._bk):
        raise BackendError(f"{layer._label()}: input is on {x._bk!r} but the layer's parameters "
                           f"are on {like._bk!r}; move one with .to()")
    if x.dtype != like.dtype:
        got, want = dtype_name(x.dtype), dtype_name(like.dtype)
        hint = " (an integer tensor: convert with x.float())" if not got.startswith("float") else ""
        raise TypeError(f"{layer._label()} expected input of dtype {want}, got {got}{hint}")


class Linear(Module):
    """``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias.
        dtype: parameter dtype (default float32).

    Shape: input ``(*, in_features)``, output ``(*, out_features)``; ``weight`` is
    ``(out_features, in_features)``, ``bias`` ``(out_features,)`` as in PyTorch, and the
    default initialization is PyTorch's (Kaiming-uniform with a=sqrt(5), bias U(+-1/sqrt(in))).

    Example:
        >>> fc = pn.nn.Linear(784, 10)
        >>> fc(pn.zeros(32, 784)).shape
        (32, 10)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter((out_features, in_features), dtype)
        self.bias = empty_parameter((out_features,), dtype) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            b = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -b, b)

    def forward(self, x: Tensor) -> Tensor:
        # the hot path of every MLP: parameters straight from the dict (Module.__getattr__
        # is a slow fallback), shape and dtype straight from the array
        params = self._parameters
        w = params["weight"]
        shp = x.array.shape if isinstance(x, Tensor) else ()
        if not shp or shp[-1] != self.in_features:
            raise ValueError(f"{self._label()} expected input with last dimension "
                             f"{self.in_features}, got shape {tuple(shp)}")
        # backend first: no cross-library dtype compare
        if x._bk is not w._bk or x.array.dtype != w.array.dtype:
            check_float_input(self, x, w)
        b = params.get("bias")
        if b is None:
            return ops.Linear.apply(x, w)
        return ops.Linear.apply(x, w, b)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` (default: all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        shp = x.shape
        d = self.dim % len(shp)
        return ops.reshape(x, shp[:d] + self.unflattened_size + shp[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Sequential(Module):
    """Modules applied in order; sub-modules are named ``"0"``, ``"1"``, ...

    Example:
        >>> net = pn.nn.Sequential(pn.nn.Linear(2, 2), pn.nn.Sigmoid(), pn.nn.Linear(2, 1))
        >>> list(net.state_dict())[:2]
        ['0.weight', '0.bias']
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters are registered (names ``"0"``, ``"1"``, ...)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules) -> "ModuleList":
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of Modules whose parameters are registered under their keys."""

    def __init__(self, modules=None):
        super().__init__()
        for k, m in (modules or {}).items():
            self.add_module(k, m)

    def __getitem__(self, k):
        return self._modules[k]

    def __setitem__(self, k, m):
        self.add_module(k, m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()
