"""Forward + backward of the indexops ops: portanet (NumPy backend; fast paths off too
where the generic one-hot scatter-add fits in memory) vs PyTorch CPU, interleaved in one process; prints median microseconds and ratios
to PyTorch, never fails.

Workloads (float32): gather along dim 1 of (256, 1000) with (256, 10) indices;
scatter_add of (256, 10) into (256, 1000); index_select of 64 rows of (1000, 128);
one-hot rows by ``zeros(256, 100).scatter_(1, labels, 1.0)``; cdist of (128, 32) and
(256, 32).

    PYTHONPATH=. python benchmarks/bench_indexops.py [--repeat 60]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

rng = np.random.default_rng(0)
X = rng.standard_normal((256, 1000)).astype(np.float32)
IDX = rng.integers(0, 1000, (256, 10))
SRC = rng.standard_normal((256, 10)).astype(np.float32)
E = rng.standard_normal((1000, 128)).astype(np.float32)
ROWS = rng.integers(0, 1000, 64)
LAB = rng.integers(0, 100, (256, 1))
A, B = rng.standard_normal((128, 32)).astype(np.float32), rng.standard_normal((256, 32)).astype(np.float32)


def workloads(m, tensor):
    x, e, a = (tensor(v, True) for v in (X, E, A))
    idx, src, rows, lab, b = tensor(IDX), tensor(SRC), tensor(ROWS), tensor(LAB), tensor(B)
    zeros = m.zeros(256, 1000)

    def grad(out):
        out.sum().backward()
    return {
        "gather": lambda: grad(m.gather(x, 1, idx)),
        "scatter_add": lambda: grad(zeros.scatter_add(1, idx, x[:, :10])),
        "index_select": lambda: grad(m.index_select(e, 0, rows)),
        "one_hot scatter_": lambda: m.zeros(256, 100).scatter_(1, lab, 1.0),
        "cdist": lambda: grad(m.cdist(a, b)),
    }


SMALL = ("index_select", "one_hot scatter_")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=60)
    args = ap.parse_args()
    print(machine())
    import portanet as pn
    from portanet.backend import fast
    torch = try_import_torch()
    pn.set_backend("numpy")
    pw = workloads(pn, lambda v, g=False: pn.tensor(v, requires_grad=g))
    tw = workloads(torch, lambda v, g=False: torch.tensor(v, requires_grad=g)) if torch else {}

    def generic(step):
        def run():
            with fast.disabled():
                step()
        return run
    for name in pw:
        steps = {"portanet/numpy": pw[name]}
        if name in SMALL:     # the generic scatter-add is a one-hot product: small sizes only
            steps["portanet/numpy generic"] = generic(pw[name])
        if name in tw:
            steps["torch CPU"] = tw[name]
        times = interleaved(steps, args.repeat)
        print_table(times, "torch CPU" if "torch CPU" in times else None, "us", f"\n{name}")
    with contextlib.suppress(Exception):
        pn.checks.flush()


if __name__ == "__main__":
    main()
