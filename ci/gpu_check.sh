#!/usr/bin/env bash
# The prepared check for a lent GPU machine (issue 12). Usage: bash ci/gpu_check.sh [RESULTS_DIR]
#
# In one run of at most ~8 minutes it writes into RESULTS_DIR (default runs/gpu/), one file
# per part so a failing part does not hide the others:
#   env.txt       GPU, driver, Python and library versions
#   doctor.txt    python -m portanet doctor (every backend trains the same seeded MLP)
#   syncs.txt     host syncs per training step: CuPy under CUDA stream capture, portanet's
#                 torch:cuda and PyTorch eager under torch.cuda.set_sync_debug_mode
#   bench.txt     MLP / CNN / LSTM steps: portanet/cupy, portanet/torch:cuda, PyTorch CUDA eager
#   pytest_cupy.txt        the suite with --portanet-backends=numpy,cupy
#   pytest_torch_cuda.txt  the suite with --portanet-backends=torch:cuda
#   summary.txt   one line per part: its exit status and seconds
# The machine has no network: array-api-compat/-extra/-strict come as wheels in .whl/
# (ci/fetch_gpu_wheels.sh downloads them; the device tool carries .whl). On a machine
# without a GPU it says "no GPU" and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-runs/gpu}
PY=${PYTHON:-python3}

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "no GPU: nvidia-smi finds none, so there is nothing for ci/gpu_check.sh to check here"
  exit 0
fi
mkdir -p "$OUT_DIR"
if ls .whl/*.whl >/dev/null 2>&1; then
  # into the environment itself (a lent machine is bare and given back after the run), so
  # that the suite's child processes, which set their own PYTHONPATH, find them too
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    .whl/*.whl || echo "wheel install failed" >&2
fi
# this checkout's portanet first; the pytest plugin by name (no pip install -e: nothing
# to build, nothing to fetch)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 JAX_PLATFORMS=cpu
# the image's mpiexec (Open MPI) refuses to start as root without these
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
: > "$OUT_DIR/summary.txt"

part() {  # part NAME SECONDS command...: run with a time limit, log, record status
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  echo "=== $name: $*" | tee -a "$OUT_DIR/$name.txt"
  timeout "$limit" "$@" >>"$OUT_DIR/$name.txt" 2>&1
  local rc=$?
  echo "$name: exit $rc in $((SECONDS - t0)) s" | tee -a "$OUT_DIR/summary.txt"
  tail -n 4 "$OUT_DIR/$name.txt"
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
  nvidia-smi -L
  "$PY" - <<'PY'
import importlib, platform
print("python", platform.python_version(), platform.machine())
for m in ("numpy", "cupy", "torch", "jax", "numba", "array_api_compat", "array_api_extra",
          "array_api_strict", "safetensors", "mpi4py", "pytest"):
    try:
        mod = importlib.import_module(m)
        print(f"{m:18s} {getattr(mod, '__version__', '?')}  {mod.__file__}")
    except Exception as e:
        print(f"{m:18s} missing: {e}")
import cupy, torch
print("cupy CUDA runtime", cupy.cuda.runtime.runtimeGetVersion(), "driver", cupy.cuda.runtime.driverGetVersion())
print("torch CUDA", torch.version.cuda, torch.cuda.get_device_name(0))
PY
} > "$OUT_DIR/env.txt" 2>&1
head -n 3 "$OUT_DIR/env.txt"

# numba's kernels compile once (cached beside the source), meanwhile, before the workers start
"$PY" -m portanet.kernels >/dev/null 2>&1 &
KERNELS=$!
part doctor 60 "$PY" -m portanet doctor --backends numpy,cupy,torch,array_api_strict
part syncs 75 "$PY" ci/gpu_check.py syncs
part bench 60 "$PY" ci/gpu_check.py bench
wait $KERNELS
N=$(( $(nproc) > 12 ? 12 : $(nproc) ))
part pytest_cupy 150 "$PY" -m pytest -q -p no:cacheprovider -p portanet.testing.pytest_plugin \
  -n "$N" --timeout=60 --tb=short -rfE --ignore=tests/test_plugin.py --portanet-backends=numpy,cupy tests
part pytest_torch_cuda 150 "$PY" -m pytest -q -p no:cacheprovider -p portanet.testing.pytest_plugin \
  -n "$N" --timeout=60 --tb=short -rfE --ignore=tests/test_plugin.py --portanet-backends=torch:cuda tests
cat "$OUT_DIR/summary.txt"
