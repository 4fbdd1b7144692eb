"""Reference values for the lazy modules, computed by PyTorch in float64.

Writes ``tests/fixtures/lazy_reference.npz`` (read by ``tests/test_lazy.py`` with
``allow_pickle=False``, so the default suite needs no PyTorch):

    python tests/reference/gen_lazy_reference.py

Per case ``<case>/``: ``x1`` the first (shape-inferring) input and ``y1`` its output;
``state1/<k>`` the module's state_dict after that call (the weights a test copies);
``x2``, ``r`` a second input and a projection; ``y2`` the output on ``x2``; ``gx`` and
``grad/<k>`` the gradients of ``sum(y2 * r)``; ``state2/<k>`` the state after the second
call (BatchNorm's running statistics); ``kwargs`` the constructor's JSON arguments.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "lazy_reference.npz"
rng = np.random.default_rng(20250611)

CASES = {
    "linear": ("LazyLinear", {"out_features": 3}, (4, 5)),
    "linear_nobias_3d": ("LazyLinear", {"out_features": 2, "bias": False}, (2, 3, 4)),
    "conv1d": ("LazyConv1d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, (2, 3, 7)),
    "conv2d": ("LazyConv2d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "groups": 2},
               (2, 2, 7, 6)),
    "conv_transpose2d": ("LazyConvTranspose2d", {"out_channels": 3, "kernel_size": 2, "stride": 2},
                         (1, 4, 3, 3)),
    "batchnorm1d": ("LazyBatchNorm1d", {}, (6, 3)),
    "batchnorm1d_3d": ("LazyBatchNorm1d", {"momentum": 0.3}, (4, 3, 5)),
    "batchnorm2d": ("LazyBatchNorm2d", {}, (4, 3, 2, 2)),
}


def main() -> None:
    torch.manual_seed(0)
    out: dict[str, np.ndarray] = {}
    for cid, (cls, kwargs, shape) in CASES.items():
        m = getattr(torch.nn, cls)(**kwargs, dtype=torch.float64)
        x1 = torch.tensor(rng.normal(size=shape))
        y1 = m(x1)
        out[f"{cid}/state1_keys"] = np.array(json.dumps(list(m.state_dict())))
        for k, v in m.state_dict().items():
            out[f"{cid}/state1/{k}"] = v.detach().numpy().copy()
        x2 = torch.tensor(rng.normal(size=shape), requires_grad=True)
        y2 = m(x2)
        r = torch.tensor(rng.normal(size=tuple(y2.shape)))
        (y2 * r).sum().backward()
        out.update({f"{cid}/x1": x1.numpy(), f"{cid}/y1": y1.detach().numpy(),
                    f"{cid}/x2": x2.detach().numpy(), f"{cid}/y2": y2.detach().numpy(),
                    f"{cid}/r": r.numpy(), f"{cid}/gx": x2.grad.numpy(),
                    f"{cid}/cls": np.array(cls), f"{cid}/became": np.array(type(m).__name__),
                    f"{cid}/kwargs": np.array(json.dumps(kwargs))})
        for k, p in m.named_parameters():
            out[f"{cid}/grad/{k}"] = p.grad.numpy()
        for k, v in m.state_dict().items():
            out[f"{cid}/state2/{k}"] = v.detach().numpy().copy()
    OUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(CASES)} cases)")


if __name__ == "__main__":
    main()
