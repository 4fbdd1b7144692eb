"""Reference values for padding, interpolation, pixel rearrangement, fold/unfold and the
pooling additions, by PyTorch (float64).

Writes ``tests/fixtures/spatial_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_spatial.py``, so the default suite needs no PyTorch).  Re-run after
changing a case:

    python tests/reference/gen_spatial_reference.py

Layout, one group of keys per case ``<case>/...``:
    name    the torch.nn.functional name (portanet uses the same)
    kwargs  JSON of the keyword arguments (tuples written as lists)
    arg0    the input (float64);  r  fixed projection: gradients are of ``sum(out * r)``
    out     forward value (``out1``: a second output, e.g. pooling indices);  g0  gradient
Module cases (``mod_*``): ``name``, ``kwargs``, ``arg0``, ``out``, ``repr`` (PyTorch's).
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "spatial_reference.npz"
rng = np.random.default_rng(20261126)
torch.set_default_dtype(torch.float64)
flat: dict[str, np.ndarray] = {}


def u(*shape):
    return rng.uniform(-1.0, 1.0, size=shape)


def distinct(*shape):
    """Values without ties (max pooling picks the first maximum; ties would test nothing)."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0 - 1.0


def fcase(cid, name, x, grad=True, **kwargs):
    t = torch.tensor(x, requires_grad=grad)
    out = getattr(F, name)(t, **kwargs)
    extra = None
    if isinstance(out, tuple):
        out, extra = out
    r = rng.standard_normal(out.shape)
    d = {"name": np.array(name), "kwargs": np.array(json.dumps(kwargs)), "arg0": np.asarray(x),
         "r": r, "out": out.detach().numpy()}
    if extra is not None:
        d["out1"] = extra.numpy()
    if grad:
        (out * torch.tensor(r)).sum().backward()
        d["g0"] = t.grad.numpy()
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


def mcase(cid, name, x, **kwargs):
    m = getattr(torch.nn, name)(**kwargs)
    out = m(torch.tensor(x))
    if isinstance(out, tuple):
        out = out[0]
    d = {"name": np.array(name), "kwargs": np.array(json.dumps(kwargs)), "arg0": np.asarray(x),
         "out": out.detach().numpy(), "repr": np.array(repr(m))}
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


# ------------------------------------------------------------------- padding
pads = [
    ("constant", (2, 3, 5), (1, 2), {"value": 0.5}),
    ("constant", (2, 3, 5, 4), (-1, 2, 1, -2), {}),
    ("constant", (2, 3, 4), (1, 0, 0, 2, 1, 1), {"value": -2.0}),
    ("reflect", (2, 3, 5), (2, 3), {}),
    ("reflect", (1, 2, 4, 5), (1, 2, 3, 0), {}),
    ("reflect", (2, 4, 5), (1, 1, 2, 2), {}),
    ("reflect", (1, 2, 5, 4), (-1, 2, 2, -1), {}),
    ("reflect", (1, 1, 3, 3, 4), (1, 2, 2, 1, 1, 1), {}),
    ("replicate", (2, 3, 4), (3, 1), {}),
    ("replicate", (1, 2, 3, 4), (2, 1, 0, 3), {}),
    ("replicate", (1, 2, 2, 3, 3), (1, 1, 2, 0, 1, 2), {}),
    ("circular", (2, 2, 5), (2, 5), {}),
    ("circular", (1, 2, 3, 4), (1, 2, 3, 0), {}),
    ("circular", (1, 1, 2, 3, 3), (1, 0, 2, 1, 1, 1), {}),
]
for i, (mode, shape, p, kw) in enumerate(pads):
    fcase(f"pad_{i}", "pad", u(*shape), pad=list(p), mode=mode, **kw)

# ------------------------------------------------------------- interpolation
interp = [
    ((2, 2, 5), {"scale_factor": 2.5, "mode": "linear"}),
    ((2, 2, 5), {"size": 3, "mode": "linear", "align_corners": True}),
    ((1, 2, 6), {"size": 4, "mode": "nearest"}),
    ((1, 2, 3, 4), {"scale_factor": 2, "mode": "nearest"}),
    ((1, 2, 5, 4), {"size": [7, 3], "mode": "nearest"}),
    ((1, 2, 5, 4), {"size": [3, 7], "mode": "nearest-exact"}),
    ((1, 2, 5, 3), {"scale_factor": 2.1, "mode": "nearest"}),
    ((2, 1, 4, 5), {"size": [7, 3], "mode": "bilinear"}),
    ((2, 1, 4, 5), {"scale_factor": [1.5, 0.6], "mode": "bilinear"}),
    ((1, 2, 4, 3), {"size": [6, 7], "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 2, 4, 5), {"size": [7, 9], "mode": "bicubic"}),
    ((1, 2, 6, 5), {"size": [3, 4], "mode": "bicubic"}),
    ((1, 1, 4, 4), {"scale_factor": 1.6, "mode": "bicubic", "align_corners": True}),
    ((1, 2, 3, 4, 3), {"scale_factor": 1.5, "mode": "trilinear"}),
    ((1, 1, 3, 2, 4), {"size": [4, 3, 2], "mode": "trilinear", "align_corners": True}),
    ((1, 2, 3, 2, 4), {"scale_factor": 2, "mode": "nearest"}),
    ((1, 2, 7, 5), {"size": [3, 2], "mode": "area"}),
    ((1, 2, 7), {"scale_factor": 0.5, "mode": "area"}),
]
for i, (shape, kw) in enumerate(interp):
    fcase(f"interp_{i}", "interpolate", u(*shape), **kw)

# ------------------------------------------------- pixel shuffle, fold/unfold
fcase("pixel_shuffle_0", "pixel_shuffle", u(2, 8, 3, 2), upscale_factor=2)
fcase("pixel_shuffle_1", "pixel_shuffle", u(9, 2, 2), upscale_factor=3)
fcase("pixel_unshuffle_0", "pixel_unshuffle", u(2, 2, 6, 4), downscale_factor=2)
fcase("channel_shuffle_0", "channel_shuffle", u(2, 6, 2, 2), groups=3)
fcase("unfold_0", "unfold", u(2, 3, 4, 5), kernel_size=2)
fcase("unfold_1", "unfold", u(1, 2, 6, 5), kernel_size=[2, 3], dilation=[1, 2], padding=1,
      stride=[2, 1])
fcase("fold_0", "fold", u(2, 12, 12), output_size=[4, 5], kernel_size=2)
fcase("fold_1", "fold", u(1, 12, 12), output_size=[6, 5], kernel_size=[2, 3], dilation=[1, 2],
      padding=1, stride=[2, 1])

# ------------------------------------------------------------------- modules
mods = [
    ("ZeroPad1d", (1, 2, 3), {"padding": [1, 2]}), ("ZeroPad2d", (1, 1, 2, 3), {"padding": 1}),
    ("ZeroPad3d", (1, 1, 2, 2, 2), {"padding": [1, 0, 0, 1, 1, 0]}),
    ("ConstantPad1d", (1, 2, 3), {"padding": 2, "value": 3.5}),
    ("ConstantPad2d", (1, 1, 2, 3), {"padding": [1, 0, 2, 1], "value": -1.0}),
    ("ConstantPad3d", (1, 1, 2, 2, 2), {"padding": 1, "value": 2.0}),
    ("ReflectionPad1d", (1, 2, 4), {"padding": 2}),
    ("ReflectionPad2d", (1, 1, 3, 4), {"padding": [1, 0, 2, 1]}),
    ("ReflectionPad3d", (1, 1, 2, 3, 3), {"padding": 1}),
    ("ReplicationPad1d", (1, 2, 3), {"padding": [3, 1]}),
    ("ReplicationPad2d", (1, 1, 2, 3), {"padding": 2}),
    ("ReplicationPad3d", (1, 1, 2, 2, 2), {"padding": 1}),
    ("CircularPad1d", (1, 2, 4), {"padding": [1, 3]}),
    ("CircularPad2d", (1, 1, 3, 3), {"padding": 1}),
    ("CircularPad3d", (1, 1, 2, 2, 3), {"padding": 1}),
    ("Upsample", (1, 2, 3, 3), {"scale_factor": 2}),
    ("Upsample", (1, 2, 3, 3), {"size": [5, 4], "mode": "bilinear"}),
    ("Upsample", (1, 2, 3, 3), {"scale_factor": 1.5, "mode": "bicubic", "align_corners": True}),
    ("UpsamplingNearest2d", (1, 2, 2, 3), {"scale_factor": 2}),
    ("UpsamplingBilinear2d", (1, 2, 2, 3), {"size": [4, 5]}),
    ("PixelShuffle", (1, 8, 2, 2), {"upscale_factor": 2}),
    ("PixelUnshuffle", (1, 2, 4, 4), {"downscale_factor": 2}),
    ("ChannelShuffle", (1, 4, 2, 2), {"groups": 2}),
    ("Unfold", (1, 2, 4, 4), {"kernel_size": 3, "padding": 1}),
    ("Fold", (1, 8, 9), {"output_size": [4, 4], "kernel_size": 2}),
]
for i, (name, shape, kw) in enumerate(mods):
    mcase(f"mod_{i}", name, u(*shape), **kw)

OUT.parent.mkdir(parents=True, exist_ok=True)
np.savez_compressed(OUT, **flat)
print(f"wrote {len(flat)} arrays to {OUT}")
