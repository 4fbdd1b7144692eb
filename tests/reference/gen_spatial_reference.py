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


def fcase_n(cid, name, args, **kwargs):
    """Several tensor inputs (input, weight, bias), all differentiable."""
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    out = getattr(F, name)(*ts, **kwargs)
    r = rng.standard_normal(out.shape)
    (out * torch.tensor(r)).sum().backward()
    d = {"name": np.array(name), "kwargs": np.array(json.dumps(kwargs)), "r": r,
         "out": out.detach().numpy()}
    for i, (a, t) in enumerate(zip(args, ts)):
        d[f"arg{i}"], d[f"g{i}"] = np.asarray(a), t.grad.numpy()
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
    ((1, 2, 6, 4), {"scale_factor": 0.5, "mode": "nearest"}),   # the strided-slice path
    ((1, 1, 2, 3), {"scale_factor": 3, "mode": "nearest-exact"}),  # the broadcast path
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
fcase("unfold_2", "unfold", u(2, 4, 3), kernel_size=2, stride=[1, 2])   # unbatched
fcase("fold_2", "fold", u(8, 4), output_size=[3, 5], kernel_size=2, stride=[1, 2])  # unbatched
fcase("fold_0", "fold", u(2, 12, 12), output_size=[4, 5], kernel_size=2)
fcase("fold_1", "fold", u(1, 12, 12), output_size=[6, 5], kernel_size=[2, 3], dilation=[1, 2],
      padding=1, stride=[2, 1])

# ------------------------------------------------------------------- pooling
pools = [
    ("max_pool2d", distinct(1, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    ("max_pool2d", distinct(1, 2, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1,
                                          "ceil_mode": True, "return_indices": True}),
    ("max_pool2d", distinct(2, 1, 5, 6), {"kernel_size": [2, 3], "stride": [1, 2],
                                          "dilation": [2, 1], "return_indices": True}),
    ("max_pool1d", distinct(1, 2, 8), {"kernel_size": 3, "stride": 2, "ceil_mode": True,
                                       "return_indices": True}),
    ("avg_pool2d", u(1, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    ("avg_pool2d", u(1, 2, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", u(1, 2, 6, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                   "count_include_pad": False}),
    ("avg_pool2d", u(1, 2, 5, 6), {"kernel_size": [3, 2], "padding": 1, "divisor_override": 4}),
    ("avg_pool1d", u(2, 3, 7), {"kernel_size": 3}),
    ("avg_pool1d", u(2, 3, 8), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                "count_include_pad": False}),
    ("adaptive_avg_pool1d", u(2, 3, 7), {"output_size": 3}),
    ("adaptive_max_pool1d", distinct(2, 3, 7), {"output_size": 3, "return_indices": True}),
    ("adaptive_max_pool1d", distinct(1, 2, 3), {"output_size": 5}),
    ("adaptive_max_pool2d", distinct(2, 2, 7, 5), {"output_size": [3, 2], "return_indices": True}),
    ("adaptive_max_pool2d", distinct(1, 2, 5, 6), {"output_size": [None, 4]}),
    ("lp_pool2d", rng.uniform(0.1, 1.0, (1, 2, 5, 6)), {"norm_type": 2, "kernel_size": 2}),
    ("lp_pool2d", rng.uniform(0.1, 1.0, (1, 2, 5, 6)), {"norm_type": 1.5, "kernel_size": [2, 3],
                                                       "stride": 1, "ceil_mode": True}),
    ("lp_pool1d", rng.uniform(0.1, 1.0, (2, 2, 7)), {"norm_type": 3, "kernel_size": 2}),
]
for i, (name, x, kw) in enumerate(pools):
    fcase(f"pool_{i}", name, x, **kw)
# ties: every maximum picks the first (row-major) in its window, gradients included
fcase("pool_ties_0", "max_pool2d", np.round(u(1, 1, 6, 6)), kernel_size=3, stride=2, padding=1,
      return_indices=True)
fcase("pool_ties_1", "adaptive_max_pool2d", np.round(u(1, 2, 5, 7)), output_size=[2, 3],
      return_indices=True)


# volumes and the 1-d transposed convolution
fcase_n("conv3d_0", "conv3d", [u(2, 4, 4, 5, 4), u(6, 2, 3, 2, 3), u(6)], stride=[2, 1, 2],
        padding=[1, 0, 2], dilation=[1, 2, 1], groups=2)
fcase_n("conv3d_1", "conv3d", [u(1, 2, 4, 3, 4), u(3, 2, 2, 3, 2)], padding="same", dilation=2)
fcase_n("convt1d_0", "conv_transpose1d", [u(2, 4, 5), u(4, 3, 3), u(6)], stride=2, padding=1,
        output_padding=1, groups=2)
fcase_n("convt1d_1", "conv_transpose1d", [u(1, 2, 4), u(2, 3, 2)], dilation=2)
fcase("pool3d_0", "max_pool3d", distinct(1, 2, 4, 5, 6), kernel_size=[2, 3, 2], stride=[1, 2, 2],
      padding=[1, 1, 0], dilation=[2, 1, 1], ceil_mode=True, return_indices=True)
fcase("pool3d_1", "max_pool3d", np.round(u(1, 1, 3, 4, 4)), kernel_size=2, stride=1,
      return_indices=True)
fcase("pool3d_2", "avg_pool3d", u(1, 2, 5, 4, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True)
fcase("pool3d_3", "avg_pool3d", u(1, 2, 5, 4, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True,
      count_include_pad=False)
fcase_n("convt3d_0", "conv_transpose3d", [u(2, 4, 3, 2, 3), u(4, 3, 3, 2, 3), u(6)],
        stride=[2, 1, 2], padding=[1, 0, 1], output_padding=[1, 0, 1], groups=2, dilation=[1, 2, 1])
fcase_n("convt3d_1", "conv_transpose3d", [u(1, 2, 2, 2, 3), u(2, 3, 2, 2, 2)], stride=3, dilation=2,
        padding=2)
fcase("pool3d_5", "adaptive_avg_pool3d", u(1, 2, 5, 3, 4), output_size=[2, None, 3])
fcase("pool3d_6", "adaptive_max_pool3d", distinct(1, 2, 5, 3, 4), output_size=[2, 2, 3],
      return_indices=True)
fcase("pool3d_7", "adaptive_max_pool3d", np.round(u(1, 1, 3, 4, 5)), output_size=2,
      return_indices=True)
fcase("pool3d_4", "avg_pool3d", u(1, 2, 4, 4, 2), kernel_size=2, divisor_override=3)

# spatial transformers
fcase("affine_0", "affine_grid", u(2, 2, 3), size=[2, 3, 4, 5], align_corners=False)
fcase("affine_1", "affine_grid", u(1, 2, 3), size=[1, 1, 3, 2], align_corners=True)
for i, (mode, pm, ac) in enumerate([("bilinear", "zeros", False), ("bilinear", "border", True),
                                    ("nearest", "zeros", True), ("bilinear", "zeros", True),
                                    ("nearest", "border", False)]):
    fcase_n(f"grid_sample_{i}", "grid_sample", [u(2, 2, 4, 5), rng.uniform(-1.2, 1.2, (2, 3, 2, 2))],
            mode=mode, padding_mode=pm, align_corners=ac)


def unpool(cid, nd, shape, pool_kw, output_size=None):
    pool = getattr(F, f"max_pool{nd}d")
    y, idx = pool(torch.tensor(distinct(*shape)), return_indices=True, **pool_kw)
    t = y.clone().requires_grad_(True)
    kw = {k: v for k, v in pool_kw.items() if k in ("kernel_size", "stride", "padding")}
    out = getattr(F, f"max_unpool{nd}d")(t, idx, output_size=output_size, **kw)
    r = rng.standard_normal(out.shape)
    (out * torch.tensor(r)).sum().backward()
    kw["output_size"] = output_size
    d = {"name": np.array(f"max_unpool{nd}d"), "kwargs": np.array(json.dumps(kw)),
         "arg0": y.detach().numpy(), "indices": idx.numpy(), "r": r, "out": out.detach().numpy(),
         "g0": t.grad.numpy()}
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


unpool("unpool_0", 2, (1, 2, 4, 6), {"kernel_size": 2})
unpool("unpool_1", 2, (1, 2, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}, [7, 6])
unpool("unpool_2", 2, (2, 1, 5, 5), {"kernel_size": 2, "stride": 2}, [5, 5])
unpool("unpool_3", 1, (1, 2, 9), {"kernel_size": 3, "stride": 2})

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
    ("MaxPool2d", (1, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    ("MaxPool1d", (1, 2, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("AvgPool2d", (1, 2, 5, 5), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ("AvgPool1d", (1, 2, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("AdaptiveAvgPool1d", (1, 2, 7), {"output_size": 3}),
    ("AdaptiveMaxPool1d", (1, 2, 7), {"output_size": 3}),
    ("AdaptiveMaxPool2d", (1, 2, 5, 7), {"output_size": [2, None]}),
    ("LPPool2d", (1, 2, 5, 5), {"norm_type": 2, "kernel_size": 2}),
    ("LPPool1d", (1, 2, 7), {"norm_type": 1, "kernel_size": 3, "stride": 2}),
    ("MaxPool3d", (1, 2, 3, 4, 4), {"kernel_size": 2, "ceil_mode": True}),
    ("AvgPool3d", (1, 2, 3, 4, 4), {"kernel_size": 2, "stride": 1}),
    ("AdaptiveAvgPool3d", (1, 2, 3, 4, 4), {"output_size": [1, None, 2]}),
    ("AdaptiveMaxPool3d", (1, 2, 3, 4, 4), {"output_size": 2}),
]
for i, (name, shape, kw) in enumerate(mods):
    mcase(f"mod_{i}", name, u(*shape), **kw)



# ------------------------------------------- convolutions with a padding_mode
def convcase(cid, name, shape, **kwargs):
    m = getattr(torch.nn, name)(**kwargs)
    x = torch.tensor(u(*shape), requires_grad=True)
    out = m(x)
    r = rng.standard_normal(out.shape)
    (out * torch.tensor(r)).sum().backward()
    d = {"name": np.array(name), "kwargs": np.array(json.dumps(kwargs)), "arg0": x.detach().numpy(),
         "r": r, "out": out.detach().numpy(), "g0": x.grad.numpy(), "repr": np.array(repr(m)),
         "weight": m.weight.detach().numpy(), "bias": m.bias.detach().numpy(),
         "gweight": m.weight.grad.numpy()}
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


convcase("convmode_0", "Conv2d", (2, 2, 5, 6), in_channels=2, out_channels=3, kernel_size=3,
         padding=[1, 2], padding_mode="reflect")
convcase("convmode_1", "Conv1d", (2, 2, 7), in_channels=2, out_channels=3, kernel_size=4,
         padding="same", dilation=2, padding_mode="circular")
convcase("convmode_3", "Conv3d", (1, 2, 3, 4, 4), in_channels=2, out_channels=2, kernel_size=2,
         padding=1, padding_mode="circular")
convcase("convmode_4", "ConvTranspose1d", (2, 2, 5), in_channels=2, out_channels=4, kernel_size=3,
         stride=2, groups=2)
convcase("convmode_5", "ConvTranspose3d", (1, 2, 2, 3, 2), in_channels=2, out_channels=3,
         kernel_size=2, stride=2, padding=[0, 1, 0])
convcase("convmode_2", "Conv2d", (1, 2, 5, 5), in_channels=2, out_channels=4, kernel_size=[2, 3],
         padding=1, stride=2, groups=2, padding_mode="replicate")

OUT.parent.mkdir(parents=True, exist_ok=True)
np.savez_compressed(OUT, **flat)
print(f"wrote {len(flat)} arrays to {OUT}")
