"""Reference values for activations, layers and losses, computed by PyTorch in float64.

Writes ``tests/fixtures/nn_reference.npz`` (loaded with ``allow_pickle=False`` by
``tests/test_nn_reference.py``, so the default suite needs no PyTorch).  Re-run after
changing a case:

    python tests/reference/gen_nn_reference.py

Layout: one group of keys per case ``<case>/...``:
    kind        "F" (a function of torch.nn.functional), "M" (a module of torch.nn) or "mlp"
    name        the function or class name (PyTorch's; portanet uses the same names)
    kwargs      JSON of the scalar keyword arguments (call kwargs for F, constructor kwargs for M)
    tkw/<k>     tensor keyword arguments (``weight``, ``pos_weight``)
    arg<i>      positional inputs (float64 or int64); ``grad`` is the JSON list of those that
                require a gradient
    r           fixed projection for non-scalar outputs: gradients are of ``sum(out * r)``
    out         forward value;  g<i>  gradient of input i
    param/<k>   module parameters (state_dict keys);  pgrad/<k>  their gradients
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "nn_reference.npz"
rng = np.random.default_rng(20240601)


def u(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def probs(*shape):
    e = np.exp(u(*shape))
    return e / e.sum(axis=-1, keepdims=True)


X = u(4, 5, lo=-3, hi=3)
LABELS = np.array([0, 2, 1, 3, 2, 4])
W5 = u(5, lo=0.3, hi=2.0)
cases: dict[str, dict] = {}


def case(cid, kind, name, args, grad, kwargs=None, tkw=None):
    cases[cid] = dict(kind=kind, name=name, args=[np.asarray(a) for a in args], grad=list(grad),
                      kwargs=kwargs or {}, tkw=tkw or {})


# ------------------------------------------------------------ activations
ACTS = [
    ("sigmoid", {}, "Sigmoid", {}), ("tanh", {}, "Tanh", {}), ("relu", {}, "ReLU", {}),
    ("leaky_relu", {"negative_slope": 0.1}, "LeakyReLU", {"negative_slope": 0.1}),
    ("elu", {"alpha": 0.7}, "ELU", {"alpha": 0.7}),
    ("gelu", {}, "GELU", {}), ("gelu", {"approximate": "tanh"}, "GELU", {"approximate": "tanh"}),
    ("silu", {}, "SiLU", {}),
    ("softplus", {}, "Softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}, "Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("softmax", {"dim": 1}, "Softmax", {"dim": 1}), ("softmax", {"dim": 0}, "Softmax", {"dim": 0}),
    ("log_softmax", {"dim": 1}, "LogSoftmax", {"dim": 1}),
    ("log_softmax", {"dim": 0}, "LogSoftmax", {"dim": 0}),
    ("logsigmoid", {}, "LogSigmoid", {}),
]
for i, (fname, kw, mname, mkw) in enumerate(ACTS):
    x = X.copy()
    x[0, 0] = 25.0 if fname != "softmax" else x[0, 0]  # large input: overflow-free paths
    x[3, 4] = -30.0 if fname in ("sigmoid", "logsigmoid", "softplus", "silu") else x[3, 4]
    case(f"act{i}_{fname}", "F", fname, [x], [0], kw)
    case(f"mod{i}_{mname}", "M", mname, [x], [0], mkw)

# ----------------------------------------------------------------- layers
case("linear_bias", "M", "Linear", [u(6, 5)], [0], {"in_features": 5, "out_features": 3})
case("linear_nobias", "M", "Linear", [u(6, 5)], [0], {"in_features": 5, "out_features": 3, "bias": False})
case("linear_3d", "M", "Linear", [u(2, 3, 5)], [0], {"in_features": 5, "out_features": 4})
case("flatten", "M", "Flatten", [u(2, 3, 2)], [0])
case("identity", "M", "Identity", [u(2, 3)], [0])
case("F_linear", "F", "linear", [u(6, 5), u(3, 5), u(3)], [0, 1, 2])

# ----------------------------------------------------------------- losses
P, T = u(6, 5), u(6, 5)
PR, TB = rng.uniform(0.05, 0.95, (6, 5)), rng.uniform(0, 1, (6, 5))
for red in ("mean", "sum", "none"):
    case(f"mse_{red}", "F", "mse_loss", [P, T], [0, 1], {"reduction": red})
    case(f"l1_{red}", "F", "l1_loss", [P, T], [0, 1], {"reduction": red})
    case(f"ce_{red}", "F", "cross_entropy", [u(6, 5), LABELS], [0], {"reduction": red})
    case(f"nll_{red}", "F", "nll_loss", [np.log(probs(6, 5)), LABELS], [0], {"reduction": red})
    case(f"bce_{red}", "F", "binary_cross_entropy", [PR, TB], [0], {"reduction": red})
    case(f"bcel_{red}", "F", "binary_cross_entropy_with_logits", [P * 2, TB], [0, 1], {"reduction": red})
    case(f"mm_{red}", "F", "multi_margin_loss", [u(6, 5), LABELS], [0], {"reduction": red})
    case(f"kl_{red}", "F", "kl_div", [np.log(probs(6, 5)), probs(6, 5)], [0, 1], {"reduction": red})
case("huber_d1", "F", "huber_loss", [P, T], [0, 1])
case("huber_d05_none", "F", "huber_loss", [P, T], [0, 1], {"reduction": "none", "delta": 0.5})
case("huber_d2_sum", "F", "huber_loss", [P, T], [0, 1], {"reduction": "sum", "delta": 2.0})
case("smoothl1_b05", "F", "smooth_l1_loss", [P, T], [0, 1], {"beta": 0.5})
case("smoothl1_sum", "F", "smooth_l1_loss", [P, T], [0, 1], {"reduction": "sum"})
case("bce_weight", "F", "binary_cross_entropy", [PR, TB], [0], {}, {"weight": u(5, lo=0.5, hi=2)})
case("bcel_weight_pos", "F", "binary_cross_entropy_with_logits", [P * 2, TB], [0], {"reduction": "sum"},
     {"weight": u(6, 1, lo=0.5, hi=2), "pos_weight": u(5, lo=0.5, hi=3)})
case("bcel_pos_none", "F", "binary_cross_entropy_with_logits", [P * 2, TB], [0, 1], {"reduction": "none"},
     {"pos_weight": u(5, lo=0.5, hi=3)})
case("ce_weight", "F", "cross_entropy", [u(6, 5), LABELS], [0], {}, {"weight": W5})
case("ce_ignore", "F", "cross_entropy", [u(6, 5), LABELS], [0], {"ignore_index": 2})
case("ce_ignore_none", "F", "cross_entropy", [u(6, 5), LABELS], [0], {"ignore_index": 2, "reduction": "none"})
case("ce_smooth", "F", "cross_entropy", [u(6, 5), LABELS], [0], {"label_smoothing": 0.2})
case("ce_all", "F", "cross_entropy", [u(6, 5), LABELS], [0], {"ignore_index": 1, "label_smoothing": 0.1},
     {"weight": W5})
case("ce_all_sum", "F", "cross_entropy", [u(6, 5), LABELS], [0],
     {"ignore_index": 1, "label_smoothing": 0.1, "reduction": "sum"}, {"weight": W5})
case("ce_all_none", "F", "cross_entropy", [u(6, 5), LABELS], [0],
     {"ignore_index": 1, "label_smoothing": 0.1, "reduction": "none"}, {"weight": W5})
case("ce_3d", "F", "cross_entropy", [u(2, 5, 3), np.array([[0, 4, 2], [1, 1, 3]])], [0], {}, {"weight": W5})
case("ce_3d_none", "F", "cross_entropy", [u(2, 5, 3), np.array([[0, 4, 2], [1, 1, 3]])], [0],
     {"reduction": "none", "label_smoothing": 0.3})
case("ce_probs", "F", "cross_entropy", [u(6, 5), probs(6, 5)], [0, 1])
case("ce_probs_all", "F", "cross_entropy", [u(6, 5), probs(6, 5)], [0, 1], {"label_smoothing": 0.25},
     {"weight": W5})
case("ce_probs_none", "F", "cross_entropy", [u(6, 5), probs(6, 5)], [0], {"reduction": "none"})
case("ce_probs_3d", "F", "cross_entropy", [u(2, 5, 3), np.moveaxis(probs(2, 3, 5), -1, 1)], [0])
case("nll_weight_ignore", "F", "nll_loss", [np.log(probs(6, 5)), LABELS], [0], {"ignore_index": 2},
     {"weight": W5})
case("nll_weight_sum", "F", "nll_loss", [np.log(probs(6, 5)), LABELS], [0], {"reduction": "sum"},
     {"weight": W5})
case("mm_p2_weight", "F", "multi_margin_loss", [u(6, 5), LABELS], [0], {"p": 2}, {"weight": W5})
case("mm_p1_weight_margin", "F", "multi_margin_loss", [u(6, 5), LABELS], [0],
     {"margin": 0.5, "reduction": "sum"}, {"weight": W5})
case("mm_p2_none", "F", "multi_margin_loss", [u(6, 5), LABELS], [0], {"p": 2, "reduction": "none"})
case("kl_batchmean", "F", "kl_div", [np.log(probs(6, 5)), probs(6, 5)], [0], {"reduction": "batchmean"})
case("kl_log_target", "F", "kl_div", [np.log(probs(6, 5)), np.log(probs(6, 5))], [0, 1],
     {"reduction": "sum", "log_target": True})
case("kl_log_target_bm", "F", "kl_div", [np.log(probs(6, 5)), np.log(probs(6, 5))], [0],
     {"reduction": "batchmean", "log_target": True})
# the same losses as modules (constructor kwargs; tensor kwargs go to the constructor)
case("M_ce", "M", "CrossEntropyLoss", [u(6, 5), LABELS], [0], {"ignore_index": 3, "label_smoothing": 0.1},
     {"weight": W5})
case("M_mse", "M", "MSELoss", [P, T], [0, 1], {"reduction": "sum"})
case("M_l1", "M", "L1Loss", [P, T], [0, 1])
case("M_huber", "M", "HuberLoss", [P, T], [0, 1], {"delta": 0.7})
case("M_smoothl1", "M", "SmoothL1Loss", [P, T], [0, 1], {"beta": 0.3})
case("M_bce", "M", "BCELoss", [PR, TB], [0], {}, {"weight": u(5, lo=0.5, hi=2)})
case("M_bcel", "M", "BCEWithLogitsLoss", [P, TB], [0], {}, {"pos_weight": u(5, lo=0.5, hi=3)})
case("M_nll", "M", "NLLLoss", [np.log(probs(6, 5)), LABELS], [0], {"reduction": "none"}, {"weight": W5})
case("M_mm", "M", "MultiMarginLoss", [u(6, 5), LABELS], [0], {"p": 2, "margin": 1.5}, {"weight": W5})
case("M_kl", "M", "KLDivLoss", [np.log(probs(6, 5)), probs(6, 5)], [0], {"reduction": "batchmean"})


def _t(a, grad=False):
    t = torch.from_numpy(np.array(a))
    return t.requires_grad_(True) if grad else t


def run(c, store):
    args = [_t(a, i in c["grad"]) for i, a in enumerate(c["args"])]
    tkw = {k: _t(v) for k, v in c["tkw"].items()}
    params = {}
    if c["kind"] == "F":
        fn = getattr(F, c["name"], None) or getattr(torch, c["name"])
        out = fn(*args, **c["kwargs"], **tkw)
    else:
        mod = getattr(torch.nn, c["name"])(**c["kwargs"], **tkw).double()
        for k, p in mod.named_parameters():
            with torch.no_grad():  # parameters from the NumPy stream, not torch's generator
                p.copy_(_t(u(*p.shape)))
            params[k] = p
        out = mod(*args)
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
    for k, p in params.items():
        store[f"param/{k}"] = p.detach().numpy()
        store[f"pgrad/{k}"] = p.grad.numpy()


def mlp(store):
    """20-32-16-5 MLP, ReLU then Tanh, cross-entropy: the issue's 1e-9 parameter-gradient check."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16),
                              torch.nn.Tanh(), torch.nn.Linear(16, 5)).double()
    x = u(16, 20)
    y = rng.integers(0, 5, 16)
    loss = F.cross_entropy(net(_t(x)), _t(y))
    loss.backward()
    store["x"], store["y"], store["out"] = x, y, loss.detach().numpy()
    for k, p in net.named_parameters():
        store[f"param/{k}"] = p.detach().numpy()
        store[f"pgrad/{k}"] = p.grad.numpy()


def main():
    flat = {}
    for cid, c in cases.items():
        store = {"kind": np.array(c["kind"]), "name": np.array(c["name"]),
                 "kwargs": np.array(json.dumps(c["kwargs"])), "grad": np.array(json.dumps(c["grad"]))}
        for i, a in enumerate(c["args"]):
            store[f"arg{i}"] = a
        for k, v in c["tkw"].items():
            store[f"tkw/{k}"] = np.asarray(v)
        run(c, store)
        flat.update({f"{cid}/{k}": v for k, v in store.items()})
    store = {"kind": np.array("mlp")}
    mlp(store)
    flat.update({f"mlp/{k}": v for k, v in store.items()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **flat)
    print(f"wrote {len(cases) + 1} cases, {len(flat)} arrays to {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
