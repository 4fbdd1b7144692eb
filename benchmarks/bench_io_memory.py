"""Memory of ``pn.load`` and ``pn.save`` on a ~100 MB state dict, each in a fresh process.

For each portanet tree given (default: the one this script belongs to), a child
process imports it, then measures one operation on a file of float32 tensors shaped
like a model's (a few large matrices and many small vectors):

* ``tracemalloc`` peak: Python and NumPy allocations made during the call;
* RSS peak growth: ``ru_maxrss`` after the call minus the resident size before it
  (what the operating system sees, page cache of a memory map included).

Both are printed in MB and as a multiple of the file's size: reading through one copy
is 1.0x; reading the whole file into ``bytes`` and then building arrays from it is
2.0x.  Pass ``--tree /path/to/other/checkout`` to compare with another version (for
example the main branch); trees are measured in turn, alternating over ``--rounds``,
and the minimum per tree is reported.  Never fails.

    python benchmarks/bench_io_memory.py [--mb 100] [--rounds 3] [--tree /work/main]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, os, resource, sys, tracemalloc
import numpy as np
import portanet as pn
op, path = sys.argv[1], sys.argv[2]
arrays = None
if op == "save":
    n = os.path.getsize(path)                       # same tensors as the file to load
    arrays = pn.load(path)
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
base = rss()
tracemalloc.start()
if op == "load":
    out = pn.load(path)
else:
    pn.save(arrays, path + ".out")
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": peak, "rss": max(0, maxrss - base), "file": os.path.getsize(path),
                  "where": pn.__file__}))
"""


def make_file(path: str, mb: int) -> None:
    import numpy as np
    rng = np.random.default_rng(0)
    arrays, total, i = {}, 0, 0
    while total < mb * 2**20:
        shape = (1024, 1024) if i % 4 else (1024,)
        arrays[f"layer{i}.weight"] = rng.standard_normal(shape, dtype=np.float32)
        total += arrays[f"layer{i}.weight"].nbytes
        i += 1
    from safetensors.numpy import save_file
    save_file(arrays, path)


def measure(tree: str, op: str, path: str) -> dict | None:
    env = {**os.environ, "PYTHONPATH": tree, "PORTANET_BACKEND": "numpy"}
    r = subprocess.run([sys.executable, "-c", CHILD, op, path], capture_output=True, text=True,
                       env=env, cwd=tree)
    if r.returncode != 0:
        print(f"  {tree} {op}: failed: {r.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tree", action="append", default=[], help="another portanet checkout")
    args = ap.parse_args()
    trees = [HERE] + args.tree
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "state.safetensors")
        make_file(path, args.mb)
        size = os.path.getsize(path)
        print(f"file: {size / 2**20:.1f} MB of float32 tensors")
        best: dict = {}
        for _ in range(args.rounds):
            for tree in trees:
                for op in ("load", "save"):
                    m = measure(tree, op, path)
                    if m is None:
                        continue
                    key = (tree, op)
                    old = best.get(key)
                    best[key] = m if old is None else {k: min(m[k], old[k]) if k in ("peak", "rss") else m[k]
                                                       for k in m}
        print(f"{'tree':<28} {'op':<5} {'tracemalloc peak':>20} {'RSS peak growth':>20}")
        for (tree, op), m in best.items():
            print(f"{tree:<28} {op:<5} {m['peak'] / 2**20:>10.1f} MB {m['peak'] / size:>5.2f}x "
                  f"{m['rss'] / 2**20:>10.1f} MB {m['rss'] / size:>5.2f}x")


if __name__ == "__main__":
    main()
