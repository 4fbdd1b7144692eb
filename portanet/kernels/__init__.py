"""Backend-specific kernels behind portanet's fast-path registry (``portanet.backend.fast``).

Each module here names an array library (and numba) directly, which core code never
does; the ops and optimizers reach them only through ``fast.lookup(xp, name)`` and keep
their generic Array API code as the reference and the fallback.  Every kernel is proven
equal to the generic path by ``tests/test_kernels_*.py``.

* :mod:`.numba_optim`: one fused loop per optimizer update (all options), numba.
* :mod:`.numba_pool`: max and average pooling, one pass each way, numba.
* :mod:`.numba_philox`: the Philox random stream in one loop, numba.
* :mod:`.numpy_conv`: stride-1 convolution as shifted-row GEMMs, NumPy.
* :mod:`.numpy_optim`: SGD with in-place NumPy calls (small arrays, or no numba).

``python -m portanet.kernels`` compiles the numba kernels ahead of use (once per machine).
"""

# fast-path name -> function of .numba_optim (named here so that registering them
# does not import numba)
OPTIM_RULES = {f"optim.{n}": n for n in
               ("sgd", "adam", "adamax", "nadam", "radam", "adagrad", "adadelta", "rmsprop")}

# numba (0.3-1 s to import) is loaded only once an array this large reaches a numba path
NUMBA_MIN_SIZE = 65536
