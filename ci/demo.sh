#!/usr/bin/env bash
# Install portanet with the examples' extras and train the flagship example with pn.train.fit:
# an MLP on the bundled 8x8 digits (about 97% test accuracy), writing runs/train_digits.png
# and checkpoints. Runs on $PORTANET_BACKEND when set (numpy by default). Works from any cwd.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -m pip install -q -e ".[examples,fast]"
exec "$PY" examples/train_digits.py "$@"
