"""``pn.autograd``: the tape, and ``torch.autograd``'s public names.

* ``pn.autograd.Function``: user-defined ops with PyTorch's ``ctx`` API
  (:class:`portanet.autograd.custom.CustomFunction`).  portanet's own primitives
  subclass the array-level :class:`portanet.autograd.function.Function` instead.
* :func:`grad`, :func:`backward`, anomaly mode (:mod:`portanet.autograd.grad_api`).
* ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Example:
    >>> from portanet.autograd import Function, grad
"""
from .function import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                       set_grad_enabled)
from .tensor import Tensor  # noqa: F401
from .custom import CustomFunction as Function, FunctionCtx, once_differentiable  # noqa: F401
from .grad_api import (backward, detect_anomaly, grad, is_anomaly_enabled,  # noqa: F401
                       set_detect_anomaly)

__all__ = ["Function", "FunctionCtx", "once_differentiable", "grad", "backward",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]
