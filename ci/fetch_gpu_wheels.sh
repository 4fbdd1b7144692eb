#!/usr/bin/env bash
# Download, here (with network), the pure-Python wheels ci/gpu_check.sh installs on a GPU
# machine that has no network: the array-api packages the GPU image lacks. They land in
# .whl/ (ignored by git), which the device tool carries along with the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
versions=$("$PY" - <<'PY'
from importlib.metadata import version
print(" ".join(f"{n}=={version(n)}" for n in ("array-api-compat", "array-api-extra", "array-api-strict")))
PY
)
rm -rf .whl && mkdir -p .whl
# pure-Python wheels (py3-none-any): any Python of the GPU machine takes them
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 -d .whl $versions
ls .whl
