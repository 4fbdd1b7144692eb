"""Spatial ops, forward + backward, portanet (NumPy backend) against PyTorch CPU.

One case per op family of the "spatial" additions, on feature-map sizes a small CNN
(U-Net decoder, GAN generator, spatial transformer) sees: ``(8, 32, 32, 32)`` float32.
Each contender computes ``op(x)``, then the gradient of ``sum(op(x) * r)``.  Both run in
one process, interleaved in rounds (``common.interleaved``), median per round, then the
minimum over rounds; the ratios are the figures to read (the machine is shared).

    python benchmarks/bench_spatial.py [--repeat 60] [--cases nearest2x bilinear2x ...]

Never fails: without PyTorch only portanet's times are printed.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import interleaved, machine, print_table, try_import_torch  # noqa: E402

SHAPE = (8, 32, 32, 32)
# name -> (function of (F, x), needs x of 4 channel-groups for pixel_shuffle etc.)
CASES = {
    "nearest2x": lambda F, x: F.interpolate(x, scale_factor=2, mode="nearest"),
    "bilinear2x": lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
    "bicubic_to_48": lambda F, x: F.interpolate(x, size=(48, 48), mode="bicubic"),
    "pad_reflect1": lambda F, x: F.pad(x, (1, 1, 1, 1), mode="reflect"),
    "pad_zeros1": lambda F, x: F.pad(x, (1, 1, 1, 1)),
    "pixel_shuffle2": lambda F, x: F.pixel_shuffle(x, 2),
    "unfold3": lambda F, x: F.unfold(x, 3, padding=1),
    "adaptive_max_7": lambda F, x: F.adaptive_max_pool2d(x, 7),
    "max_pool_ceil3": lambda F, x: F.max_pool2d(x, 3, 2, ceil_mode=True),
}


def _step(lib, F, fn, x, r):
    def step():
        x.grad = None
        (fn(F, x) * r).sum().backward()
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    args = ap.parse_args()
    print(machine())
    import portanet as pn
    import portanet.nn.functional as pF
    torch = try_import_torch()
    x0 = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    for name in args.cases:
        fn = CASES[name]
        px = pn.tensor(x0, requires_grad=True)
        pr = pn.tensor(np.random.default_rng(1).standard_normal(tuple(fn(pF, px).shape))
                       .astype(np.float32))
        steps = {"portanet/numpy": _step(pn, pF, fn, px, pr)}
        if torch is not None:
            import torch.nn.functional as tF
            tx = torch.tensor(x0, requires_grad=True)
            steps["torch"] = _step(torch, tF, fn, tx, torch.tensor(pn.to_numpy(pr)))
        times = interleaved(steps, repeat=args.repeat, rounds=5, warmup=3, reduce=min)
        print_table(times, baseline="torch" if torch is not None else None, unit="ms",
                    title=f"{name}: {SHAPE} float32, forward + backward")


if __name__ == "__main__":
    main()
