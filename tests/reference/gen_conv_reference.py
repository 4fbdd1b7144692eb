"""Reference values for convolution, pooling, normalization and embedding, by PyTorch (float64).

Writes ``tests/fixtures/conv_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_conv_reference.py``, so the default suite needs no PyTorch).  Re-run after
changing a case:

    python tests/reference/gen_conv_reference.py

Layout, one group of keys per case ``<case>/...``:
    name      the torch.nn.functional name (portanet uses the same)
    kwargs    JSON of the scalar keyword arguments
    arg<i>    tensor inputs (float64 or int64); ``grad`` is the JSON list of those that
              require a gradient; the last ones are passed by the keyword names in ``names``
    r         fixed projection: gradients are of ``sum(out * r)``
    out       forward value;  g<i>  gradient of input i
Batch-norm sequences (``bnseq_*``): ``kwargs`` (constructor), ``x<k>`` the training inputs,
``xe`` the eval input, ``r``, ``weight``/``bias`` the initial affine parameters; results
``out_train``/``gx_train``/``gw_train``/``gb_train`` for the last training step, buffers
``running_mean``/``running_var``/``num_batches_tracked``, then ``out_eval``/``gx_eval``.
Module layouts (``mod_*``): ``name``, ``kwargs`` and ``state`` (JSON of state_dict keys and shapes).
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "conv_reference.npz"
rng = np.random.default_rng(20240604)
torch.set_default_dtype(torch.float64)
flat: dict[str, np.ndarray] = {}


def u(*shape):
    return rng.uniform(-1.0, 1.0, size=shape)


def fcase(cid, name, args, grad, names=(), **kwargs):
    """``names``: keyword names of the trailing tensor arguments (e.g. weight, bias)."""
    targs = [torch.tensor(a, requires_grad=i in grad) for i, a in enumerate(args)]
    npos = len(targs) - len(names)
    out = getattr(F, name)(*targs[:npos], **dict(zip(names, targs[npos:])), **kwargs)
    r = rng.standard_normal(out.shape)
    (out * torch.tensor(r)).sum().backward()
    d = {"name": np.array(name), "kwargs": np.array(json.dumps(kwargs)),
         "names": np.array(json.dumps(list(names))),
         "grad": np.array(json.dumps(list(grad))), "r": r, "out": out.detach().numpy()}
    for i, (a, t) in enumerate(zip(args, targs)):
        d[f"arg{i}"] = np.asarray(a)
        if i in grad:
            d[f"g{i}"] = t.grad.numpy()
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


# ---------------------------------------------------------------- convolution
conv2d = [  # (N, C, H, W, O, K, kwargs)
    (2, 3, 7, 6, 4, (3, 3), {}),
    (2, 3, 7, 6, 4, (3, 2), {"stride": 2, "padding": 1}),
    (1, 4, 8, 9, 6, (3, 3), {"stride": (2, 1), "padding": (2, 0), "dilation": (1, 2)}),
    (2, 4, 6, 6, 6, (3, 3), {"padding": 1, "groups": 2}),
    (1, 4, 5, 5, 4, (2, 2), {"groups": 4, "dilation": 2, "padding": 1}),
    (2, 2, 6, 5, 3, (4, 3), {"padding": "same"}),
    (2, 2, 6, 5, 3, (2, 2), {"padding": "same", "dilation": 2}),
    (2, 2, 5, 5, 3, (3, 3), {"padding": "valid", "stride": 3}),
]
for i, (n, c, h, w, o, k, kw) in enumerate(conv2d):
    g = kw.get("groups", 1)
    fcase(f"conv2d_{i}", "conv2d", [u(n, c, h, w), u(o, c // g, *k), u(o)], [0, 1, 2], **kw)
fcase("conv2d_nobias", "conv2d", [u(2, 3, 5, 5), u(2, 3, 3, 3)], [0, 1], stride=2)
conv1d = [(2, 3, 11, 4, 3, {}), (2, 4, 10, 6, 4, {"stride": 2, "padding": 1, "groups": 2}),
          (1, 2, 9, 2, 3, {"padding": "same", "dilation": 3})]
for i, (n, c, length, o, k, kw) in enumerate(conv1d):
    g = kw.get("groups", 1)
    fcase(f"conv1d_{i}", "conv1d", [u(n, c, length), u(o, c // g, k), u(o)], [0, 1, 2], **kw)
convt = [  # (N, Cin, H, W, Cout, K, kwargs)
    (2, 3, 4, 5, 2, (3, 3), {}),
    (2, 4, 3, 4, 6, (3, 2), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    (1, 2, 4, 4, 3, (2, 3), {"stride": (1, 2), "dilation": 2, "padding": (1, 0)}),
]
for i, (n, c, h, w, o, k, kw) in enumerate(convt):
    g = kw.get("groups", 1)
    fcase(f"convt_{i}", "conv_transpose2d", [u(n, c, h, w), u(c, o // g, *k), u(o)], [0, 1, 2], **kw)

# -------------------------------------------------------------------- pooling
# distinct values so that max pooling has no ties (ties pick the first max in both)
for i, (shape, kw) in enumerate([((2, 3, 6, 6), {"kernel_size": 2}),
                                 ((1, 2, 7, 8), {"kernel_size": 3, "stride": 2, "padding": 1}),
                                 ((1, 2, 7, 7), {"kernel_size": (3, 2), "stride": (1, 2), "dilation": (2, 1)}),
                                 ((2, 1, 5, 5), {"kernel_size": 3, "stride": 1})]):
    x = rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0
    fcase(f"maxpool2d_{i}", "max_pool2d", [x], [0], **kw)
fcase("maxpool1d_0", "max_pool1d", [rng.permutation(30).reshape(1, 3, 10) / 7.0], [0],
      kernel_size=3, stride=2, padding=1)
for i, (shape, kw) in enumerate([((2, 3, 6, 6), {"kernel_size": 2}),
                                 ((1, 2, 7, 8), {"kernel_size": 3, "stride": 2, "padding": 1}),
                                 ((1, 2, 7, 8), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                 "count_include_pad": False}),
                                 ((1, 2, 5, 6), {"kernel_size": (2, 3), "stride": 1})]):
    fcase(f"avgpool2d_{i}", "avg_pool2d", [u(*shape)], [0], **kw)
for i, (shape, size) in enumerate([((2, 3, 7, 9), (2, 3)), ((1, 2, 5, 5), 1), ((1, 2, 6, 4), (4, 4))]):
    fcase(f"adaptive_{i}", "adaptive_avg_pool2d", [u(*shape)], [0], output_size=size)

# -------------------------------------------------------------- normalization
fcase("layer_norm_0", "layer_norm", [u(3, 4, 5), u(5), u(5)], [0, 1, 2], names=("weight", "bias"),
      normalized_shape=[5])
fcase("layer_norm_1", "layer_norm", [u(2, 3, 4), u(3, 4), u(3, 4)], [0, 1, 2],
      names=("weight", "bias"), normalized_shape=[3, 4], eps=1e-3)
fcase("layer_norm_2", "layer_norm", [u(4, 6)], [0], normalized_shape=[6])
fcase("group_norm_0", "group_norm", [u(2, 6, 3, 3), u(6), u(6)], [0, 1, 2], names=("weight", "bias"),
      num_groups=3)
fcase("group_norm_1", "group_norm", [u(3, 4, 5)], [0], num_groups=2)
fcase("batch_norm_eval", "batch_norm", [u(3, 4, 2, 2), u(4), rng.uniform(0.5, 2, 4), u(4), u(4)],
      [0, 3, 4], training=False)
fcase("batch_norm_train", "batch_norm", [u(5, 3, 4), np.zeros(3), np.ones(3), u(3), u(3)],
      [0, 3, 4], training=True, momentum=0.2)
fcase("embedding_0", "embedding", [np.array([[1, 3, 3], [0, 7, 1]]), u(8, 4)], [1])
fcase("embedding_pad", "embedding", [np.array([[2, 0, 2, 5], [0, 0, 1, 2]]), u(6, 3)], [1],
      padding_idx=0)


def bnseq(cid, cls, shapes, **kwargs):
    m = getattr(torch.nn, cls)(shapes[0][1], **kwargs)
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, m.weight.shape)))
            m.bias.copy_(torch.tensor(u(*m.bias.shape)))
    d = {"name": np.array(cls), "kwargs": np.array(json.dumps(kwargs))}
    if m.affine:
        d["weight"], d["bias"] = m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()
    m.train()
    for k, s in enumerate(shapes):
        x = torch.tensor(rng.normal(0.5, 2.0, s), requires_grad=True)
        d[f"x{k}"] = x.detach().numpy()
        m.zero_grad()
        out = m(x)
    r = rng.standard_normal(out.shape)
    d["r"] = r
    (out * torch.tensor(r)).sum().backward()
    d["out_train"], d["gx_train"] = out.detach().numpy(), x.grad.numpy()
    if m.affine:
        d["gw_train"], d["gb_train"] = m.weight.grad.numpy().copy(), m.bias.grad.numpy().copy()
    for b in ("running_mean", "running_var", "num_batches_tracked"):
        if getattr(m, b) is not None:
            d[b] = getattr(m, b).numpy()
    m.eval()
    xe = torch.tensor(rng.normal(0.5, 2.0, shapes[-1]), requires_grad=True)
    out = m(xe)
    (out * torch.tensor(r)).sum().backward()
    d["xe"], d["out_eval"], d["gx_eval"] = xe.detach().numpy(), out.detach().numpy(), xe.grad.numpy()
    for k, v in d.items():
        flat[f"{cid}/{k}"] = v


bnseq("bnseq_2d", "BatchNorm2d", [(4, 3, 3, 3), (2, 3, 4, 2), (3, 3, 2, 2)], momentum=0.3)
bnseq("bnseq_1d_cma", "BatchNorm1d", [(6, 4), (5, 4), (7, 4)], momentum=None)
bnseq("bnseq_1d_3d", "BatchNorm1d", [(4, 2, 5), (3, 2, 3)], affine=False, eps=1e-3)
bnseq("bnseq_notrack", "BatchNorm2d", [(3, 2, 2, 2)], track_running_stats=False)

# ------------------------------------------------------ module state layouts
torch.set_default_dtype(torch.float32)  # the default parameter dtype, as in portanet
for name, kwargs in [("Conv2d", dict(in_channels=4, out_channels=6, kernel_size=3, groups=2)),
                     ("Conv2d", dict(in_channels=2, out_channels=3, kernel_size=(2, 4), bias=False)),
                     ("Conv1d", dict(in_channels=3, out_channels=5, kernel_size=4)),
                     ("ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=3, groups=2)),
                     ("BatchNorm1d", dict(num_features=5)), ("BatchNorm2d", dict(num_features=3)),
                     ("BatchNorm2d", dict(num_features=3, affine=False)),
                     ("LayerNorm", dict(normalized_shape=[3, 4])),
                     ("LayerNorm", dict(normalized_shape=5, bias=False)),
                     ("GroupNorm", dict(num_groups=2, num_channels=4)),
                     ("Embedding", dict(num_embeddings=7, embedding_dim=3, padding_idx=2))]:
    m = getattr(torch.nn, name)(**kwargs)
    cid = f"mod_{len([k for k in flat if k.endswith('/state')])}"
    flat[f"{cid}/name"] = np.array(name)
    flat[f"{cid}/kwargs"] = np.array(json.dumps(kwargs))
    flat[f"{cid}/state"] = np.array(json.dumps({k: [list(v.shape), str(v.dtype)[6:]]
                                                for k, v in m.state_dict().items()}))

OUT.parent.mkdir(parents=True, exist_ok=True)
np.savez_compressed(OUT, **flat)
print(f"wrote {len(flat)} arrays to {OUT}")
