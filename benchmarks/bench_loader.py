"""DataLoader throughput with worker processes: one epoch over a dataset whose samples
cost CPU time to make (a stand-in for decoding and augmenting images).

Contenders, measured in the same run and interleaved (each one epoch per sample):

* portanet's ``DataLoader`` with ``num_workers`` 0 and N, and N with
  ``persistent_workers=True`` (no start-up per epoch);
* PyTorch's ``torch.utils.data.DataLoader`` with the same settings (its workers also
  fork on Linux), collating into torch tensors.

The dataset returns ``(float32 image, int label)``; both loaders collate the same host
arrays, and portanet's batches land on the NumPy backend.  Prints milliseconds per
epoch and ratios to PyTorch's single-process loader.  Never fails: a missing PyTorch is
skipped.  On a shared 2-core machine workers cannot give more than about 2x.

    python benchmarks/bench_loader.py [--samples 512] [--work 30] [--workers 2] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402


class Synthetic:
    """``n`` samples, each ``work`` rounds of elementwise NumPy work on a 3x32x32 image."""

    def __init__(self, n: int, work: int):
        self.n, self.work = n, work

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        img = np.random.default_rng(i).random((3, 32, 32), dtype=np.float32)
        for _ in range(self.work):
            img = np.tanh(img * np.float32(1.01) + np.float32(0.01))
        return img, i % 10


def epoch(loader):
    def run():
        for xb, yb in loader:
            pass
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=512)
    ap.add_argument("--work", type=int, default=30, help="rounds of work per sample")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import portanet as pn
    ds, bs, w = Synthetic(args.samples, args.work), args.batch_size, args.workers
    steps = {
        "portanet workers=0": epoch(pn.utils.data.DataLoader(ds, batch_size=bs)),
        f"portanet workers={w}": epoch(pn.utils.data.DataLoader(ds, batch_size=bs, num_workers=w)),
        f"portanet workers={w} persistent": epoch(pn.utils.data.DataLoader(
            ds, batch_size=bs, num_workers=w, persistent_workers=True)),
    }
    torch = try_import_torch(2)
    if torch is not None:
        TL = torch.utils.data.DataLoader
        steps["torch workers=0"] = epoch(TL(ds, batch_size=bs))
        steps[f"torch workers={w}"] = epoch(TL(ds, batch_size=bs, num_workers=w))
        steps[f"torch workers={w} persistent"] = epoch(TL(ds, batch_size=bs, num_workers=w,
                                                         persistent_workers=True))
    print(machine())
    print(f"{args.samples} samples x {args.work} rounds of work, batch {bs}; min over {args.rounds} rounds")
    times = interleaved(steps, repeat=args.rounds, rounds=args.rounds, warmup=1, reduce=min)
    print_table(times, baseline="torch workers=0" if torch is not None else "portanet workers=0", unit="ms")


if __name__ == "__main__":
    main()
