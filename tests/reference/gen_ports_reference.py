"""Run every ported script (``tests/ports/``) under PyTorch and store what the test compares.

Writes ``tests/fixtures/ports/<name>.json``: the loss at every ``backward()``, the
script's stdout, ``[sum, sum of squares]`` of each parameter of the models left in its
globals, and the arguments.  The random draws come from the harness's shared NumPy
stream (see ``tests/ports/harness.py``), so portanet's run sees the same ones.

    python tests/reference/gen_ports_reference.py [name ...]
"""
from __future__ import annotations

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ports"))

import harness  # noqa: E402
import torch  # noqa: E402


def main(names) -> None:
    out_dir = ROOT / "fixtures" / "ports"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names or harness.PORTS:
        argv = harness.PORTS[name].get("argv", [])
        result = harness.run(name, "torch", argv)
        result.update(argv=argv, torch_version=torch.__version__)
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(f"{name}: {len(result['losses'])} losses, {len(result['params'])} parameters -> {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
