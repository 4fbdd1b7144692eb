"""portanet: one backprop implementation for every Python Array API library.

Example:
    >>> import portanet as pn
    >>> model = pn.nn.Sequential(pn.nn.Linear(4, 8), pn.nn.ReLU(), pn.nn.Linear(8, 3))
    >>> loss = pn.nn.functional.cross_entropy(model(pn.randn(5, 4)), pn.tensor([0, 1, 2, 0, 1]))
    >>> loss.backward()
"""
__version__ = "0.1.0"

from . import backend, checks, random  # noqa: E402,F401
from .dtypes import (bool, complex64, complex128, double, dtype, float, float16, float32,  # noqa: E402,F401,A004
                     float64, get_default_dtype, half, int, int8, int16, int32, int64, long,
                     promote_types, result_type, set_default_dtype, short, uint8)
from .backend.devices import device, get_default_device, set_default_device  # noqa: E402,F401
from . import accelerator, cuda  # noqa: E402,F401
from .autograd.function import (Function, enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: E402,F401
                                set_grad_enabled)
from .autograd.tensor import Tensor, as_tensor, tensor  # noqa: E402,F401
from .backend import (Backend, BackendError, available_backends, get_backend, set_backend,  # noqa: E402,F401
                      to_numpy, use_backend)
from .ops.api import *  # noqa: E402,F401,F403
from .random import manual_seed  # noqa: E402,F401
from . import nn, optim, testing  # noqa: E402,F401
from .io import CheckpointError, load, load_checkpoint, save, save_checkpoint  # noqa: E402,F401
from . import data, distributed, train, utils  # noqa: E402,F401
from . import linalg  # noqa: E402,F401  (indexops: pn.linalg, as torch.linalg)
from .creation import *  # noqa: E402,F401,F403
from .random import Generator  # noqa: E402,F401
# trainapi: torch.backends flags, determinism, compile, amp (see backends_flags.py, amp.py)
from . import amp, autograd, backends_flags as backends  # noqa: E402,F401
from .amp import autocast  # noqa: E402,F401
from .backends_flags import (are_deterministic_algorithms_enabled, compile,  # noqa: E402,F401,A004
                             get_float32_matmul_precision,
                             is_deterministic_algorithms_warn_only_enabled,
                             set_float32_matmul_precision, use_deterministic_algorithms)
cuda.amp = amp.cuda_amp  # torch.cuda.amp.GradScaler / autocast
# mathops: the global stream's seed and state under PyTorch's top-level names
from .random import get_rng_state, initial_seed, seed, set_rng_state  # noqa: E402,F401
from .ops.reduce_extra import norm  # noqa: E402,F401
from .printing import get_printoptions, set_printoptions  # noqa: E402,F401
from . import special  # noqa: E402,F401
