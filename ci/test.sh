#!/usr/bin/env bash
# Install the test dependencies and run the whole suite over every backend on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# torch: the CPU build (an unpinned 'torch' would download a multi-GB CUDA build).
if ! "$PY" -c "import torch" 2>/dev/null; then
  "$PY" -m pip install -q "torch==2.13.0" || echo "torch not installed: its backend is skipped"
fi
# jax: the CPU build (jaxlib's CPU wheel; 'portanet[jax]' leaves the choice of jaxlib to you).
if ! "$PY" -c "import jax" 2>/dev/null; then
  "$PY" -m pip install -q "jax[cpu]==0.10.2" || echo "jax not installed: its backend is skipped"
fi
"$PY" -m pip install -q -e ".[test,examples,mpi,fast]"
BACKENDS=$("$PY" -c "import portanet as pn; print(','.join(pn.available_backends()))")
echo "backends available: $BACKENDS"
# numba compiles its kernels once per machine (cached beside the source): do it here, not
# inside the first test that happens to need one
"$PY" -m portanet.kernels
# The whole suite on every backend plus array_api_strict's simulated accelerator
# `device1` (it refuses host conversion as CuPy does, and value checks are deferred there
# as on a GPU: what fails there would fail on CuPy), in two pytest-xdist workers (the
# machine's 2 cores). tests/test_plugin.py runs pytest inside pytest (pytester), which
# does not work under xdist: it runs on its own below.
# JAX compiles every new operation and shape on first use (XLA, 50-100 ms each here), so
# the whole suite there would take over half an hour on 2 cores: jax runs the subset listed
# in ci/jax_tests.txt (every op's gradcheck, the tensor API and autograd, in-place updates
# on immutable arrays, layers and optimizers against PyTorch's numbers, the random
# streams, one whole seeded run), the rest on the other backends.
FULL=$(echo "$BACKENDS" | tr ',' '\n' | grep -vx jax | paste -sd, -)
"$PY" -m pytest -q -p no:cacheprovider -n 2 --portanet-backends="$FULL,array_api_strict:device1" \
  --ignore=tests/test_plugin.py "$@"
"$PY" -m pytest -q -p no:cacheprovider tests/test_plugin.py "$@"
if [[ ",$BACKENDS," == *",jax,"* ]]; then
  "$PY" -m pytest -q -p no:cacheprovider -n 2 --portanet-backends=jax \
    $(grep -v '^\s*#' ci/jax_tests.txt) "$@"
fi
# the fast paths' fallback: the kernel and optimizer tests again with numba unimportable
# (tests/no_numba/numba raises ImportError), so the generic code runs where numba would
PYTHONPATH="tests/no_numba${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m pytest -q -p no:cacheprovider \
  --portanet-backends="$FULL" tests/test_kernels_optim.py tests/test_kernels_conv.py tests/test_optim.py \
  tests/test_optim_reference.py tests/test_fast_paths.py "$@"
