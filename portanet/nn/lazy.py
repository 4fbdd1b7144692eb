"""Lazy modules: layers whose input size is read from the first batch they see.

``LazyLinear(10)`` is a ``Linear(?, 10)``: until its first call its weight and bias are
:class:`~portanet.nn.parameter.UninitializedParameter` placeholders; the first call
reads ``in_features`` from the input, gives the parameters their shapes, initializes
them as the ordinary layer does, and turns the module into that layer
(``type(m) is pn.nn.Linear`` afterwards).  PyTorch's behaviour throughout:

* the parameters keep their identity, so an optimizer built before the first call
  updates the real parameters afterwards (PyTorch allows this too; its docs still
  recommend a dry run first);
* ``state_dict()`` before the first call holds the placeholders themselves;
  ``pn.save`` refuses them; ``load_state_dict`` of initialized values into a lazy
  module gives the placeholders the loaded shapes (the module turns into the ordinary
  layer at its first call, which checks the input against the loaded shapes);
* ``.to(...)``/``.double()`` before the first call set the backend and dtype the
  parameters will get;
* the lazy layers are initialized when first called, i.e. after the ordinary layers of
  the same model: the draws from the random stream come in another order than for the
  same model written with ordinary layers (PyTorch's caveat too).

Example:
    >>> net = pn.nn.Sequential(pn.nn.LazyLinear(32), pn.nn.ReLU(), pn.nn.LazyLinear(10))
    >>> net(pn.randn(4, 20)).shape             # the dry run that fixes the shapes
    (4, 10)
    >>> type(net[0]).__name__, net[0].weight.shape
    ('Linear', (32, 20))
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import no_grad
from ..autograd.tensor import Tensor
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .layers import Linear
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d",
           "LazyBatchNorm1d", "LazyBatchNorm2d"]


def _infer_parameters(module, args):
    """The forward pre-hook of a lazy module: shapes from the first input, then become
    the ordinary layer and drop the hook."""
    with no_grad():
        module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module.__dict__["_initialize_hook"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _input(module, args) -> Tensor:
    if not args or not isinstance(args[0], Tensor):
        got = type(args[0]).__name__ if args else "no input"
        raise TypeError(f"{type(module).__name__} expected a pn.Tensor input, got {got}")
    return args[0]


class LazyModuleMixin:
    """Base of lazy modules (``torch.nn.modules.lazy.LazyModuleMixin``).

    A subclass implements ``initialize_parameters(input)`` (materialize the placeholders,
    then ``reset_parameters()``) and names the class to become in ``cls_to_become``.
    """

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module still waits for its shape."""
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`Linear` whose ``in_features`` is ``input.shape[-1]`` of its first call.

    Args:
        out_features: size of each output sample.
        bias: learn an additive bias.
        dtype: parameter dtype (default float32).

    Example:
        >>> fc = pn.nn.LazyLinear(10)
        >>> fc(pn.zeros(2, 784)).shape, type(fc).__name__
        ((2, 10), 'Linear')
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, dtype=None):
        argcheck.positive_int("LazyLinear", "out_features", out_features)
        super().__init__(0, 0, False, dtype)   # no bias yet: nothing allocated for nothing
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args) -> None:
        x = _input(self, (input,))
        if not x.ndim:
            raise ValueError(f"{type(self).__name__} expected an input with at least 1 dimension, "
                             f"got a 0-D tensor")
        if self.has_uninitialized_params():
            self.in_features = x.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()
        elif self.in_features == 0:   # parameters loaded by load_state_dict before the first call
            if x.shape[-1] != self.weight.shape[-1]:
                raise ValueError(f"{type(self).__name__}: the input's last dimension is {x.shape[-1]}, "
                                 f"the loaded weight of shape {self.weight.shape} expects "
                                 f"{self.weight.shape[-1]}")
            self.in_features = x.shape[-1]


class _LazyConvMixin(LazyModuleMixin):
    _nd = 2

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _placeholders(self, out_channels: int, bias: bool, dtype) -> None:
        self.out_channels = out_channels
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def initialize_parameters(self, input, *args) -> None:
        x = _input(self, (input,))
        if x.ndim != self._nd + 2:
            raise ValueError(f"{type(self).__name__} expected a {self._nd + 2}-D (batched) input, "
                             f"got a {x.ndim}-D input of shape {x.shape}"
                             + (" (add a batch axis: x[None])" if x.ndim == self._nd + 1 else ""))
        c = x.shape[1]
        if self.has_uninitialized_params():
            if c % self.groups:
                raise ValueError(f"in_channels must be divisible by groups: {type(self).__name__} "
                                 f"got an input with {c} channels (shape {x.shape}), groups={self.groups}")
            self.in_channels = c
            g = self.groups
            shape = ((c, self.out_channels // g) if self.transposed else (self.out_channels, c // g))
            self.weight.materialize(shape + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()
        elif self.in_channels == 0:   # parameters loaded before the first call
            want = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups
            if c != want:
                raise ValueError(f"{type(self).__name__}: the input has {c} channels (shape {x.shape}), "
                                 f"the loaded weight of shape {self.weight.shape} expects {want}")
            self.in_channels = c


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A :class:`Conv1d` whose ``in_channels`` is ``input.shape[1]`` of its first call.

    Args: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode="zeros", dtype=None (as :class:`Conv1d`, without ``in_channels``).

    Example:
        >>> pn.nn.LazyConv1d(8, 3)(pn.zeros(2, 4, 10)).shape
        (2, 8, 8)
    """

    cls_to_become = Conv1d
    _nd = 1

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, dtype)
        self._placeholders(out_channels, bias, dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A :class:`Conv2d` whose ``in_channels`` is ``input.shape[1]`` of its first call.

    Args: out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode="zeros", dtype=None (as :class:`Conv2d`, without ``in_channels``).

    Example:
        >>> conv = pn.nn.LazyConv2d(16, 3, padding=1)
        >>> conv(pn.zeros(2, 3, 8, 8)).shape, conv.weight.shape
        ((2, 16, 8, 8), (16, 3, 3, 3))
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, dtype)
        self._placeholders(out_channels, bias, dtype)


class LazyConvTranspose2d(_LazyConvMixin, ConvTranspose2d):
    """A :class:`ConvTranspose2d` whose ``in_channels`` is ``input.shape[1]`` of its first call.

    Args: out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1, padding_mode="zeros", dtype=None.

    Example:
        >>> pn.nn.LazyConvTranspose2d(8, 2, stride=2)(pn.zeros(1, 16, 7, 7)).shape
        (1, 8, 14, 14)
    """

    cls_to_become = ConvTranspose2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups,
                         False, dilation, padding_mode, dtype)
        self._placeholders(out_channels, bias, dtype)


class _LazyNormMixin(LazyModuleMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None):
        super().__init__(0, eps, momentum, False, False, dtype)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = Tensor(0, dtype="int64")

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args) -> None:
        x = _input(self, (input,))
        if x.ndim not in self._dims:
            dims = " or ".join(f"{d}-D" for d in self._dims)
            raise ValueError(f"{type(self).__name__} expected a {dims} input, got a {x.ndim}-D "
                             f"input of shape {x.shape}")
        if self.has_uninitialized_params():
            self.num_features = x.shape[1]
            for t in (self.weight, self.bias, self.running_mean, self.running_var):
                if t is not None:
                    t.materialize((self.num_features,))
            self.reset_parameters()
        elif self.num_features == 0:   # loaded by load_state_dict: the forward checks the input
            loaded = [t for t in (self.weight, self.running_mean) if t is not None]
            self.num_features = loaded[0].shape[0] if loaded else x.shape[1]


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """A :class:`BatchNorm1d` whose ``num_features`` is ``input.shape[1]`` of its first call.

    Args: eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None.

    Example:
        >>> bn = pn.nn.LazyBatchNorm1d()
        >>> bn(pn.randn(8, 5)).shape, bn.running_mean.shape
        ((8, 5), (5,))
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """A :class:`BatchNorm2d` whose ``num_features`` is ``input.shape[1]`` of its first call.

    Example:
        >>> pn.nn.LazyBatchNorm2d()(pn.randn(4, 3, 5, 5)).shape
        (4, 3, 5, 5)
    """

    cls_to_become = BatchNorm2d
