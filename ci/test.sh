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
"$PY" -c "import portanet as pn; print('backends available:', ', '.join(pn.available_backends()))"
# numba compiles its kernels once per machine (cached beside the source): do it here, not
# inside the first test that happens to need one
"$PY" -m portanet.kernels
"$PY" -m pytest -q -p no:cacheprovider "$@"
# the fast paths' fallback: the kernel and optimizer tests again with numba unimportable
# (tests/no_numba/numba raises ImportError), so the generic code runs where numba would
PYTHONPATH="tests/no_numba${PYTHONPATH:+:$PYTHONPATH}" exec "$PY" -m pytest -q -p no:cacheprovider \
  tests/test_kernels_optim.py tests/test_kernels_conv.py tests/test_optim.py \
  tests/test_optim_reference.py tests/test_fast_paths.py "$@"
