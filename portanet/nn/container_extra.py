"""``ParameterList`` and ``ParameterDict``: Parameters held in a list or a dict and
registered on the module, so ``parameters()``, optimizers and ``state_dict`` see them
(keys ``'0'``, ``'1'`` ... / the dict's keys, as PyTorch).

A plain Tensor put in either becomes a :class:`Parameter` (as in PyTorch); other values
(numbers, strings) are kept as plain attributes and are not parameters.

Example:
    >>> ps = pn.nn.ParameterList([pn.nn.Parameter(pn.zeros(2)) for _ in range(3)])
    >>> list(ps.state_dict())
    ['0', '1', '2']
"""
from __future__ import annotations

from collections import OrderedDict

from ..autograd.tensor import Tensor
from .module import Module
from .parameter import Parameter

__all__ = ["ParameterList", "ParameterDict"]


def _get(module: Module, key: str):
    """The value stored under ``key`` (not an attribute lookup: a key may be "forward")."""
    return module._parameters[key] if key in module._parameters else module.__dict__[key]


def _param(value):
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of Parameters registered under ``'0'``, ``'1'`` ...

    Example:
        >>> ps = pn.nn.ParameterList([pn.zeros(3)])
        >>> ps.append(pn.ones(2)); len(ps)
        2
    """

    def __init__(self, values=None):
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, i: int) -> int:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"ParameterList indices must be integers or slices, got {type(i).__name__}")
        if not -self._size <= i < self._size:
            raise IndexError(f"ParameterList index {i} is out of range for a list of {self._size}")
        return i % self._size

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ParameterList([self[j] for j in range(self._size)[i]])
        return _get(self, str(self._index(i)))

    def __setitem__(self, i, value) -> None:
        self._set(str(self._index(i)), value)

    def _set(self, key: str, value) -> None:
        value = _param(value)
        if isinstance(value, Parameter) or value is None:
            self.register_parameter(key, value)
        else:
            self._drop(key)
            object.__setattr__(self, key, value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, values) -> "ParameterList":
        return self.extend(values)

    def append(self, value) -> "ParameterList":
        """Add ``value`` at the end (a Tensor becomes a Parameter)."""
        key = str(self._size)
        object.__setattr__(self, "_size", self._size + 1)
        self._set(key, value)
        return self

    def extend(self, values) -> "ParameterList":
        if isinstance(values, (str, Tensor)) or not hasattr(values, "__iter__"):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        lines = []
        for i, p in enumerate(self):
            if isinstance(p, Tensor):
                lines.append(f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]")
            else:
                lines.append(f"({i}): Object of type: {type(p).__name__}")
        return "\n".join(lines)


class ParameterDict(Module):
    """An ordered dict of Parameters registered under its (string) keys.

    Example:
        >>> pd = pn.nn.ParameterDict({"scale": pn.ones(1)})
        >>> pd["shift"] = pn.zeros(1); list(pd.keys())
        ['scale', 'shift']
    """

    def __init__(self, parameters=None):
        super().__init__()
        object.__setattr__(self, "_keys", OrderedDict())
        if parameters is not None:
            self.update(parameters)

    def _key(self, key) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__} {key!r}")
        return key

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return _get(self, key)

    def __setitem__(self, key, value) -> None:
        key = self._key(key)
        self._keys[key] = None
        value = _param(value)
        if isinstance(value, Parameter) or value is None:
            self.register_parameter(key, value)
        else:
            self._drop(key)
            object.__setattr__(self, key, value)

    def __delitem__(self, key) -> None:
        if key not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        self._drop(key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key) -> bool:
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        for k in list(self._keys):
            del self[k]

    def copy(self) -> "ParameterDict":
        return ParameterDict(OrderedDict(self.items()))

    def update(self, parameters) -> None:
        """Add the pairs of a mapping (or an iterable of ``(key, value)`` pairs)."""
        if hasattr(parameters, "items"):
            pairs = parameters.items()
        elif hasattr(parameters, "__iter__") and not isinstance(parameters, (str, Tensor)):
            pairs = list(parameters)
            for j, p in enumerate(pairs):
                if not isinstance(p, (tuple, list)) or len(p) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} should be a "
                                     f"(key, value) pair, got {p!r}")
        else:
            raise TypeError(f"ParameterDict.update should be called with an iterable of key/value "
                            f"pairs, but got {type(parameters).__name__}")
        for k, v in pairs:
            self[k] = v

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         if isinstance(p, Tensor) else f"({k}): Object of type: {type(p).__name__}"
                         for k, p in self.items())
