"""Reference values for the nnlayers breadth work (more activations, losses, distances,
layers), computed by PyTorch in float64.

Writes ``tests/fixtures/nnlayers_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_nnlayers_reference.py``, so the default suite needs no PyTorch).  Re-run
after changing a case:

    python tests/reference/gen_nnlayers_reference.py

Layout (as gen_nn_reference.py): one group of keys per case ``<case>/...``:
    kind        "F" (a function of torch.nn.functional) or "M" (a module of torch.nn)
    name        the function or class name (PyTorch's; portanet uses the same names)
    kwargs      JSON of the scalar keyword arguments (call kwargs for F, constructor kwargs for M)
    nargs       the number of positional inputs;  arg<i>  those inputs (float64 or int64)
    grad        JSON list of the inputs that require a gradient
    tkw/<k>     tensor keyword arguments (``weight``, ``offsets`` ...)
    r           fixed projection for non-scalar outputs: gradients are of ``sum(out * r)``
    out         forward value;  g<i>  gradient of input i
    param/<k>   module parameters (state_dict keys);  pgrad/<k>  their gradients
"""
from __future__ import annotations

import json
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "nnlayers_reference.npz"
rng = np.random.default_rng(20261126)


def u(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def sign(*shape):
    return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


X = u(4, 5, lo=-4, hi=4)
# the kinks of the piecewise activations, where PyTorch's gradient convention matters
K = np.array([-6.0, -3.0, -2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0])
cases: dict[str, dict] = {}


def case(cid, kind, name, args, grad, kwargs=None, tkw=None, tgrad=(), logsoftmax0=False):
    """``logsoftmax0``: the first input goes through ``log_softmax(-1)`` first (CTC's
    gradient is PyTorch's only for normalized log-probabilities)."""
    cases[cid] = dict(kind=kind, name=name, args=[np.asarray(a) for a in args], grad=list(grad),
                      kwargs=kwargs or {}, tkw=tkw or {}, tgrad=list(tgrad), pre=logsoftmax0)


# ------------------------------------------------------------ activations
ACTS = [
    ("hardtanh", {}, "Hardtanh", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 3.0}, "Hardtanh", {"min_val": -2.0, "max_val": 3.0}),
    ("relu6", {}, "ReLU6", {}), ("hardsigmoid", {}, "Hardsigmoid", {}),
    ("hardswish", {}, "Hardswish", {}), ("hardshrink", {}, "Hardshrink", {}),
    ("hardshrink", {"lambd": 1.0}, "Hardshrink", {"lambd": 1.0}),
    ("softshrink", {}, "Softshrink", {}), ("softshrink", {"lambd": 1.0}, "Softshrink", {"lambd": 1.0}),
    ("threshold", {"threshold": 0.5, "value": -3.0}, "Threshold", {"threshold": 0.5, "value": -3.0}),
    ("selu", {}, "SELU", {}), ("celu", {}, "CELU", {}), ("celu", {"alpha": 0.5}, "CELU", {"alpha": 0.5}),
    ("mish", {}, "Mish", {}), ("softsign", {}, "Softsign", {}), ("tanhshrink", {}, "Tanhshrink", {}),
    ("rrelu", {"lower": 0.1, "upper": 0.3}, "RReLU", {"lower": 0.1, "upper": 0.3}),
    ("logsigmoid", {}, None, {}),
]
for i, (fname, kw, mname, mkw) in enumerate(ACTS):
    case(f"act{i}_{fname}", "F", fname, [X], [0], kw)
    case(f"kink{i}_{fname}", "F", fname, [K], [0], kw)
    if mname:
        case(f"mod{i}_{mname}", "M", mname, [X], [0], mkw)
case("mish_big", "F", "mish", [np.array([-40.0, -20.0, 15.0, 30.0, 100.0])], [0])
case("glu", "F", "glu", [u(3, 4)], [0])
case("glu_dim0", "F", "glu", [u(4, 3)], [0], {"dim": 0})
case("M_GLU", "M", "GLU", [u(2, 3, 6)], [0])
case("softmin", "F", "softmin", [u(3, 4)], [0], {"dim": 1})
case("softmin_d0", "F", "softmin", [u(3, 4)], [0], {"dim": 0})
case("M_Softmin", "M", "Softmin", [u(3, 4)], [0], {"dim": 1})
case("M_Softmax2d", "M", "Softmax2d", [u(2, 3, 2, 2)], [0])
case("M_Softmax2d_3d", "M", "Softmax2d", [u(3, 2, 2)], [0])
case("prelu_1", "F", "prelu", [np.concatenate([X, [K[:5]]]), np.array([0.3])], [0, 1])
case("prelu_c", "F", "prelu", [u(2, 3, 4), u(3, lo=0, hi=1)], [0, 1])
case("prelu_1d", "F", "prelu", [K[:6], u(1, lo=0, hi=1)], [0, 1])
case("M_PReLU", "M", "PReLU", [u(2, 3, 4)], [0], {"num_parameters": 3})
case("M_PReLU_1", "M", "PReLU", [u(4, 5)], [0])

# ------------------------------------------------------------ distances
A, B = u(4, 5), u(4, 5)
case("cos_sim", "F", "cosine_similarity", [A, B], [0, 1])
case("cos_sim_d0_bcast", "F", "cosine_similarity", [u(3, 4), u(3, 1)], [0, 1], {"dim": 0})
case("cos_sim_eps", "F", "cosine_similarity", [A * 1e-5, B], [0, 1], {"eps": 1e-3})
case("M_CosineSimilarity", "M", "CosineSimilarity", [u(2, 3, 4), u(2, 3, 4)], [0, 1], {"dim": 2})
for p in (2.0, 1.0, 3.0, float("inf")):
    case(f"pdist_p{p}", "F", "pairwise_distance", [A, B], [0, 1], {"p": p})
case("pdist_keep", "F", "pairwise_distance", [A, B], [0, 1], {"keepdim": True, "eps": 0.1})
case("pdist_1d", "F", "pairwise_distance", [u(5), u(5)], [0, 1])
case("M_PairwiseDistance", "M", "PairwiseDistance", [A, B], [0, 1], {"p": 1.5})
case("normalize", "F", "normalize", [A], [0])
case("normalize_p1_d0", "F", "normalize", [A], [0], {"p": 1.0, "dim": 0})
case("normalize_zero_row", "F", "normalize", [np.vstack([A, np.zeros((1, 5))])], [0], {"eps": 1e-6})
case("normalize_3d", "F", "normalize", [u(2, 3, 4)], [0], {"dim": -1, "p": 3.0})

# ------------------------------------------------------------ losses
Y = sign(6)
Y2 = sign(3, 4)
MLT = np.array([[3, 0, -1, 1, 2], [1, 2, 4, -1, 0], [0, 1, 2, 3, 4], [-1, 2, 3, 1, 0]])
for red in ("mean", "sum", "none"):
    r = {"reduction": red}
    case(f"mrank_{red}", "F", "margin_ranking_loss", [u(6), u(6), Y], [0, 1], {**r, "margin": 0.3})
    case(f"hinge_{red}", "F", "hinge_embedding_loss", [u(3, 4), Y2], [0], r)
    case(f"softm_{red}", "F", "soft_margin_loss", [u(3, 4) * 3, Y2], [0], r)
    case(f"mlsm_{red}", "F", "multilabel_soft_margin_loss", [u(4, 5), rng.integers(0, 2, (4, 5)) * 1.0],
         [0, 1], r)
    case(f"mlm_{red}", "F", "multilabel_margin_loss", [u(4, 5), MLT], [0], r)
    case(f"cosemb_{red}", "F", "cosine_embedding_loss", [u(6, 4), u(6, 4), Y], [0, 1],
         {**r, "margin": 0.2})
    case(f"trip_{red}", "F", "triplet_margin_loss", [u(5, 4), u(5, 4), u(5, 4)], [0, 1, 2], r)
    case(f"pois_{red}", "F", "poisson_nll_loss", [u(3, 4), u(3, 4, lo=0, hi=4)], [0, 1], r)
    case(f"gnll_{red}", "F", "gaussian_nll_loss", [u(3, 4), u(3, 4), u(3, 4, lo=0.1, hi=2)], [0, 1, 2], r)
case("hinge_margin", "F", "hinge_embedding_loss", [u(3, 4), Y2], [0], {"margin": 0.5})
case("hinge_other_targets", "F", "hinge_embedding_loss", [u(3, 4), u(3, 4)], [0])
case("mlsm_weight", "F", "multilabel_soft_margin_loss", [u(4, 5), rng.integers(0, 2, (4, 5)) * 1.0],
     [0], {}, {"weight": u(5, lo=0.5, hi=2)})
case("mlm_1d", "F", "multilabel_margin_loss", [u(5), MLT[0]], [0])
case("mm_weight_p2", "F", "multi_margin_loss", [u(4, 5), np.array([0, 3, 4, 1])], [0], {"p": 2},
     {"weight": u(5, lo=0.5, hi=2)})
case("cosemb_1d", "F", "cosine_embedding_loss", [u(4), u(4), np.array(-1.0)], [0, 1],
     {"margin": -0.9})
case("trip_p1_swap", "F", "triplet_margin_loss", [u(5, 4), u(5, 4), u(5, 4)], [0, 1, 2],
     {"p": 1, "swap": True, "margin": 2.0})
case("trip_1d", "F", "triplet_margin_loss", [u(4), u(4), u(4)], [0, 1, 2], {"margin": 3.0})
case("tripd", "F", "triplet_margin_with_distance_loss", [u(5, 4), u(5, 4), u(5, 4)], [0, 1, 2],
     {"swap": True, "margin": 2.0})
case("pois_nolog_full", "F", "poisson_nll_loss", [u(3, 4, lo=0.1, hi=3), u(3, 4, lo=0, hi=4)], [0, 1],
     {"log_input": False, "full": True})
case("pois_full", "F", "poisson_nll_loss", [u(3, 4), u(3, 4, lo=0, hi=4)], [0], {"full": True,
                                                                                  "eps": 1e-3})
case("gnll_full", "F", "gaussian_nll_loss", [u(3, 4), u(3, 4), u(3, 4, lo=0.1, hi=2)], [0, 1, 2],
     {"full": True})
case("gnll_homo", "F", "gaussian_nll_loss", [u(3, 4), u(3, 4), u(3, lo=0.1, hi=2)], [0, 1, 2])
case("gnll_homo1", "F", "gaussian_nll_loss", [u(3, 4), u(3, 4), u(3, 1, lo=0.1, hi=2)], [0, 2])
case("gnll_clamp", "F", "gaussian_nll_loss", [u(3, 4), u(3, 4), u(3, 4, lo=0, hi=0.2)], [0, 2],
     {"eps": 0.1})
case("M_MarginRankingLoss", "M", "MarginRankingLoss", [u(6), u(6), Y], [0, 1], {"margin": 0.5})
case("M_HingeEmbeddingLoss", "M", "HingeEmbeddingLoss", [u(3, 4), Y2], [0], {"margin": 2.0})
case("M_SoftMarginLoss", "M", "SoftMarginLoss", [u(3, 4), Y2], [0], {"reduction": "sum"})
case("M_MultiLabelSoftMarginLoss", "M", "MultiLabelSoftMarginLoss",
     [u(4, 5), rng.integers(0, 2, (4, 5)) * 1.0], [0], {}, {"weight": u(5, lo=0.5, hi=2)})
case("M_MultiLabelMarginLoss", "M", "MultiLabelMarginLoss", [u(4, 5), MLT], [0], {"reduction": "none"})
case("M_CosineEmbeddingLoss", "M", "CosineEmbeddingLoss", [u(6, 4), u(6, 4), Y], [0, 1], {"margin": 0.1})
case("M_TripletMarginLoss", "M", "TripletMarginLoss", [u(5, 4), u(5, 4), u(5, 4)], [0, 1, 2],
     {"margin": 1.5, "p": 3.0})
case("M_TripletMarginWithDistanceLoss", "M", "TripletMarginWithDistanceLoss",
     [u(5, 4), u(5, 4), u(5, 4)], [0, 1, 2], {"margin": 1.5})
case("M_PoissonNLLLoss", "M", "PoissonNLLLoss", [u(3, 4), u(3, 4, lo=0, hi=4)], [0], {"full": True})
case("M_GaussianNLLLoss", "M", "GaussianNLLLoss", [u(3, 4), u(3, 4), u(3, 4, lo=0.1, hi=2)], [0, 2],
     {"full": True, "eps": 1e-3})

# ------------------------------------------------------------ layers
case("bilinear", "F", "bilinear", [u(4, 3), u(4, 2), u(5, 3, 2), u(5)], [0, 1, 2, 3])
case("bilinear_3d_nobias", "F", "bilinear", [u(2, 3, 3), u(2, 3, 2), u(4, 3, 2)], [0, 1, 2])
case("M_Bilinear", "M", "Bilinear", [u(4, 3), u(4, 2)], [0, 1],
     {"in1_features": 3, "in2_features": 2, "out_features": 5})
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 2])
OFFS = np.array([0, 3, 3, 7])
for mode in ("sum", "mean", "max"):
    case(f"ebag_{mode}", "F", "embedding_bag", [IDX, u(10, 3)], [1], {"mode": mode},
         {"offsets": OFFS})
    case(f"ebag2d_{mode}", "F", "embedding_bag", [IDX.reshape(2, 5), u(10, 3)], [1], {"mode": mode})
    case(f"ebag_pad_{mode}", "F", "embedding_bag", [IDX, u(10, 3)], [1],
         {"mode": mode, "padding_idx": 2}, {"offsets": OFFS})
case("ebag_psw", "F", "embedding_bag", [IDX, u(10, 3)], [1], {"mode": "sum"},
     {"offsets": OFFS, "per_sample_weights": u(10)}, ["per_sample_weights"])
case("ebag_last", "F", "embedding_bag", [IDX, u(10, 3)], [1], {"include_last_offset": True},
     {"offsets": np.array([0, 2, 6, 10])})
case("M_EmbeddingBag", "M", "EmbeddingBag", [IDX.reshape(5, 2)], [],
     {"num_embeddings": 10, "embedding_dim": 3, "mode": "max"})
EIDX = np.array([[1, 4, 1], [0, 4, 2]])
case("emb_maxnorm", "F", "embedding", [EIDX, u(6, 3) * 2], [1], {"max_norm": 1.5})
case("emb_maxnorm_p1", "F", "embedding", [EIDX, u(6, 3) * 2], [1], {"max_norm": 2.0, "norm_type": 1.0})
case("ebag_maxnorm", "F", "embedding_bag", [IDX, u(10, 3) * 2], [1], {"max_norm": 1.0, "mode": "sum"},
     {"offsets": OFFS})
case("M_Embedding_maxnorm", "M", "Embedding", [EIDX], [],
     {"num_embeddings": 6, "embedding_dim": 3, "max_norm": 0.5, "padding_idx": 0})
case("rms", "F", "rms_norm", [u(3, 4, 5)], [0], {"normalized_shape": [4, 5]}, {"weight": u(4, 5)},
     ["weight"])
case("rms_eps", "F", "rms_norm", [u(3, 4)], [0], {"eps": 0.1, "normalized_shape": [4]})
case("M_RMSNorm", "M", "RMSNorm", [u(3, 4)], [0], {"normalized_shape": 4})
case("M_RMSNorm_noaff", "M", "RMSNorm", [u(2, 3, 4)], [0], {"normalized_shape": [3, 4],
                                                             "elementwise_affine": False})
case("inorm", "F", "instance_norm", [u(2, 3, 5)], [0])
case("inorm_aff", "F", "instance_norm", [u(2, 3, 4, 2)], [0], {},
     {"weight": u(3), "bias": u(3)}, ["weight", "bias"])
case("inorm_running", "F", "instance_norm", [u(2, 3, 4)], [0],
     {"use_input_stats": False}, {"running_mean": u(3), "running_var": u(3, lo=0.5, hi=2)})
case("M_InstanceNorm1d", "M", "InstanceNorm1d", [u(2, 3, 5)], [0], {"num_features": 3})
case("M_InstanceNorm1d_unb", "M", "InstanceNorm1d", [u(3, 5)], [0],
     {"num_features": 3, "affine": True})
case("M_InstanceNorm2d", "M", "InstanceNorm2d", [u(2, 3, 4, 2)], [0], {"num_features": 3,
                                                                       "affine": True})
case("M_InstanceNorm3d", "M", "InstanceNorm3d", [u(1, 2, 2, 3, 2)], [0], {"num_features": 2})
case("lrn", "F", "local_response_norm", [u(2, 5, 3)], [0], {"size": 3, "alpha": 0.1})
case("lrn_even", "F", "local_response_norm", [u(1, 6, 2, 2)], [0],
     {"size": 4, "alpha": 0.5, "beta": 0.5, "k": 2.0})
case("M_LocalResponseNorm", "M", "LocalResponseNorm", [u(2, 4, 2, 3, 2)], [0],
     {"size": 2, "alpha": 0.3})
case("M_BatchNorm3d", "M", "BatchNorm3d", [u(2, 3, 2, 2, 2)], [0], {"num_features": 3})

# CTC: (T, N, C) logits through log_softmax; targets padded (N, S) or concatenated
CT = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
for red in ("mean", "sum", "none"):
    case(f"ctc_{red}", "F", "ctc_loss", [u(7, 3, 5), CT], [0],
         {"input_lengths": [7, 6, 7], "target_lengths": [3, 2, 1], "reduction": red}, logsoftmax0=True)
case("ctc_tensor_lengths", "F", "ctc_loss", [u(6, 3, 5), np.array([[1, 3, 3], [3, 1, 4], [4, 0, 0]]),
                                               np.array([6, 6, 5]), np.array([3, 3, 2])],
     [0], {"blank": 2}, logsoftmax0=True)
case("ctc_concat", "F", "ctc_loss", [u(6, 3, 5), np.array([1, 2, 2, 3, 1, 4])], [0],
     {"input_lengths": [6, 5, 4], "target_lengths": [3, 2, 1]}, logsoftmax0=True)
case("ctc_unbatched", "F", "ctc_loss", [u(5, 4), np.array([1, 3])], [0],
     {"input_lengths": [5], "target_lengths": [2], "reduction": "sum"}, logsoftmax0=True)
case("ctc_zero_inf", "F", "ctc_loss", [u(3, 2, 4), np.array([[1, 1, 1], [2, 3, 0]])], [0],
     {"input_lengths": [3, 3], "target_lengths": [3, 2], "zero_infinity": True, "reduction": "none"},
     logsoftmax0=True)
case("M_CTCLoss", "M", "CTCLoss", [u(6, 2, 4), np.array([[1, 2], [3, 0]]), np.array([6, 4]),
                                  np.array([2, 1])], [0], {"blank": 0}, logsoftmax0=True)


def _t(a, grad=False):
    import torch
    t = torch.from_numpy(np.array(a))
    return t.requires_grad_(True) if grad else t


def run(c, store):
    import torch
    import torch.nn.functional as F
    args = [_t(a, i in c["grad"]) for i, a in enumerate(c["args"])]
    call = [args[0].log_softmax(-1)] + args[1:] if c["pre"] else args
    tkw = {k: _t(v, k in c["tgrad"]) for k, v in c["tkw"].items()}
    params = {}
    if c["kind"] == "F":
        out = getattr(F, c["name"])(*call, **c["kwargs"], **tkw)
    else:
        mod = getattr(torch.nn, c["name"])(**c["kwargs"], **tkw).double().eval()
        for k, p in mod.named_parameters():
            with torch.no_grad():  # parameters from the NumPy stream, not torch's generator
                p.copy_(_t(u(*p.shape)))
            params[k] = p
        out = mod(*call)
    if out.ndim:
        r = u(*out.shape)
        store["r"] = r
        (out * _t(r)).sum().backward()
    else:
        out.backward()
    store["out"] = out.detach().numpy()
    for i, a in enumerate(args):
        if i in c["grad"]:
            store[f"g{i}"] = a.grad.numpy()
    for k in c["tgrad"]:
        store[f"tgrad/{k}"] = tkw[k].grad.numpy()
    for k, p in params.items():
        store[f"param/{k}"] = p.detach().numpy()
        store[f"pgrad/{k}"] = p.grad.numpy()


def main():
    import torch
    flat = {}
    for cid, c in cases.items():
        store = {"kind": np.array(c["kind"]), "name": np.array(c["name"]),
                 "kwargs": np.array(json.dumps(c["kwargs"])), "grad": np.array(json.dumps(c["grad"])),
                 "nargs": np.array(len(c["args"])), "pre": np.array(c["pre"])}
        for i, a in enumerate(c["args"]):
            store[f"arg{i}"] = a
        for k, v in c["tkw"].items():
            store[f"tkw/{k}"] = np.asarray(v)
        run(c, store)
        flat.update({f"{cid}/{k}": v for k, v in store.items()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **flat)
    print(f"wrote {len(cases)} cases, {len(flat)} arrays to {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
