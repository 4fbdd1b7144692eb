"""Forward + backward of a few nnlayers additions: portanet (NumPy) vs PyTorch CPU.

Workloads: ``embedding_bag`` (10k x 64 table, 64 bags of 40 indices given by offsets,
mode mean), ``ctc_loss`` (T=50, N=8, C=20, targets of 10), ``hardswish`` on 256x1024,
``cosine_similarity`` on 256x512, ``rms_norm`` on 64x512.  Prints median microseconds
per forward+backward (interleaved rounds in one process) and the ratio to PyTorch;
never fails.

    PYTHONPATH=. python benchmarks/bench_nnlayers.py [--repeat 40] [--torch-threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

rng = np.random.default_rng(0)
TABLE = rng.standard_normal((10000, 64)).astype(np.float32)
IDX = rng.integers(0, 10000, 64 * 40)
OFFS = np.arange(0, 64 * 40, 40)
LOGITS = rng.standard_normal((50, 8, 20)).astype(np.float32)
TGT = rng.integers(1, 20, (8, 10))
X = rng.standard_normal((256, 1024)).astype(np.float32)
A, B = rng.standard_normal((256, 512)).astype(np.float32), rng.standard_normal((256, 512)).astype(np.float32)
R = rng.standard_normal((64, 512)).astype(np.float32)


def cases(lib, F, tensor, grad):
    """name -> step() for one library (``tensor(a, grad)`` makes its tensors)."""
    w = tensor(TABLE, True)
    idx, offs = tensor(IDX, False), tensor(OFFS, False)
    lg, tg = tensor(LOGITS, True), tensor(TGT, False)
    x, a, b, r = tensor(X, True), tensor(A, True), tensor(B, False), tensor(R, True)
    return {
        "embedding_bag": lambda: F.embedding_bag(idx, w, offs, mode="mean").sum().backward(),
        "ctc_loss": lambda: F.ctc_loss(lg.log_softmax(2), tg, [50] * 8, [10] * 8).backward(),
        "hardswish": lambda: F.hardswish(x).sum().backward(),
        "cosine_similarity": lambda: F.cosine_similarity(a, b).sum().backward(),
        "rms_norm": lambda: F.rms_norm(r, (512,)).sum().backward(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--torch-threads", type=int, default=2,
                    help="PyTorch's intra-op threads (1 is steadier on a busy machine)")
    args = ap.parse_args()
    print(machine())
    import portanet as pn
    pn.set_backend("numpy")
    mine = cases("portanet", pn.nn.functional,
                 lambda a, g: pn.tensor(a, requires_grad=g) if a.dtype.kind == "f" else pn.tensor(a), None)
    torch = try_import_torch(args.torch_threads)
    theirs = {}
    if torch is not None:
        theirs = cases("torch", torch.nn.functional,
                       lambda a, g: torch.tensor(a, requires_grad=g), None)
    for name in mine:
        steps = {"portanet/numpy": mine[name]}
        if name in theirs:
            steps["torch"] = theirs[name]
        times = interleaved(steps, args.repeat, warmup=3)
        print_table(times, baseline="torch" if theirs else None, unit="us", title=name)


if __name__ == "__main__":
    main()
