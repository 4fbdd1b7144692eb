"""Compile every numba kernel now, for float32 and float64: ``python -m portanet.kernels``.

numba compiles a kernel at its first call (0.3-1.5 s each, about 30 signatures) and caches
the machine code next to the source (``cache=True``), so every later process loads it in
milliseconds.  Run this once after installing (CI does, before the tests) to keep the
compilation out of the first training step and out of the test suite's time.

Example:
    $ python -m portanet.kernels
    compiled 30 kernel signatures in 14.2 s (cached in .../portanet/kernels/__pycache__)
"""
from __future__ import annotations

import os
import sys
import time


def warm_up() -> int:
    """Call every kernel once per dtype; returns the number of signatures now compiled."""
    import numpy as np

    from . import numba_optim as O
    from . import numba_pool as P
    groups = {
        O.sgd: dict(lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0,
                    maximize=False),
        O.adam: dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=True,
                     maximize=False),
        O.adamax: dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False),
        O.nadam: dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                      momentum_decay=4e-3, maximize=False),
        O.radam: dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False),
        O.adagrad: dict(lr=0.1, lr_decay=0.0, eps=1e-10, weight_decay=0.0, maximize=False),
        O.adadelta: dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False),
        O.rmsprop: dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.5,
                        centered=True, maximize=False),
    }
    states = {O.adam: ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), O.adamax: ("exp_avg", "exp_inf"),
              O.nadam: ("exp_avg", "exp_avg_sq"), O.radam: ("exp_avg", "exp_avg_sq"),
              O.adagrad: ("sum",), O.adadelta: ("square_avg", "acc_delta"),
              O.rmsprop: ("square_avg", "grad_avg", "momentum_buffer"), O.sgd: ()}
    n = 0
    for dt in (np.float32, np.float64):
        for rule, group in groups.items():
            p, g = np.ones(3, dt), np.ones(3, dt)
            state = {"step": 0.0, "mu_product": 1.0, **{k: np.zeros(3, dt) for k in states[rule]}}
            for _ in range(2):  # SGD's first step and the ones after take different branches
                assert rule(p, g, state, group)
            n += 1
        x = np.ones((1, 2, 4, 4), dt)
        for kernel, stride, pads in [((2, 2), (2, 2), (0, 0, 0, 0)), ((3, 3), (1, 1), (1, 1, 1, 1))]:
            y, saved = P.max_pool2d(x, kernel, stride, pads, (1, 1))
            saved.backward(np.ones_like(y))
            y, saved = P.avg_pool2d(x, kernel, stride, pads, 1.0)
            saved.backward(np.ones_like(y))
            n += 4
    from . import numba_philox
    numba_philox.uint32_stream(0, 1, 8)
    return n + 1


def main() -> int:
    if os.environ.get("PORTANET_NUMBA", "1") == "0":
        print("PORTANET_NUMBA=0: numba kernels are off, nothing to compile")
        return 0
    try:
        import numba  # noqa: F401
    except ImportError:
        print("numba is not installed: the generic code runs (pip install 'portanet[fast]')")
        return 0
    t = time.perf_counter()
    n = warm_up()
    where = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    print(f"compiled {n} kernel signatures in {time.perf_counter() - t:.1f} s (cached in {where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
