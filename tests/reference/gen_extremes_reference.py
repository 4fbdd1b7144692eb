"""Reference values of losses, activations and reductions at EXTREME inputs, by PyTorch.

Logits of +-1e4, probabilities of exactly 0 and 1, constant vectors (zero variance), a
single element: the inputs where a naive formula gives inf or NaN and PyTorch gives a
finite number (issue 10).  Computed in float32 AND float64 (saturation depends on the
dtype: a sigmoid reaches 1.0 at a logit of 17 in float32, 37 in float64).

Writes ``tests/fixtures/extremes_reference.npz`` (read with ``allow_pickle=False`` by
``tests/test_extremes.py``, so the default suite needs no PyTorch).  Re-run after
changing a case:

    python tests/reference/gen_extremes_reference.py

Layout, one group of keys per case ``<case>@<dtype>/...``:
    fn       the function: ``F.<name>`` (torch.nn.functional) or ``T.<name>`` (torch.<name>)
    kwargs   JSON of the scalar keyword arguments
    tkw/<k>  tensor keyword arguments (``weight``, ``pos_weight``), in the case's dtype
    arg<i>   positional inputs (float in the case's dtype, or int64 class indices)
    grad     JSON list of the inputs that require a gradient
    r        fixed projection: gradients are of ``sum(out * r)`` (absent for scalar outputs)
    out      forward value;  g<i>  gradient of input i
"""
from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "extremes_reference.npz"
rng = np.random.default_rng(20261126)

BIG = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4], [50.0, -50.0, 0.5]])
HUGE = np.array([-1e4, -100.0, -30.0, -17.0, 0.0, 17.0, 30.0, 100.0, 1e4])
P01 = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30, 1.0 - 1e-7, 1e-7])
T01 = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0, 0.0, 0.5])
LABELS = np.array([0, 2, 1, 1])
CONST = np.full((3, 4), 2.5)
W3 = np.array([0.5, 2.0, 1.0])

# (id, fn, args, grad, kwargs, tensor kwargs)
CASES = [
    # probabilities of exactly 0 and 1: the log clamped at -100 in value and gradient
    ("bce_01", "F.binary_cross_entropy", [P01, T01], [0], {}, {}),
    # (PyTorch's gradient for the target is log(1-p) - log(p), unclamped: inf at 0 and 1)
    ("bce_mid", "F.binary_cross_entropy", [P01[4:7] * 0.5 + 0.25, T01[4:7]], [0, 1], {}, {}),
    ("bce_01_sum", "F.binary_cross_entropy", [P01, T01], [0], {"reduction": "sum"}, {}),
    ("bce_01_none_w", "F.binary_cross_entropy", [P01, T01], [0], {"reduction": "none"},
     {"weight": np.linspace(0.5, 2.0, 8)}),
    # logits of +-1e4
    ("bcel_big", "F.binary_cross_entropy_with_logits", [HUGE, np.resize(T01, 9)], [0, 1], {}, {}),
    ("bcel_big_pw", "F.binary_cross_entropy_with_logits", [HUGE, np.resize(T01, 9)], [0],
     {"reduction": "sum"}, {"pos_weight": np.full(9, 3.0)}),
    ("ce_big", "F.cross_entropy", [BIG, LABELS], [0], {}, {}),
    ("ce_big_ls_w", "F.cross_entropy", [BIG, LABELS], [0], {"label_smoothing": 0.1}, {"weight": W3}),
    ("ce_big_none", "F.cross_entropy", [BIG, LABELS], [0], {"reduction": "none"}, {}),
    ("ce_big_probs", "F.cross_entropy", [BIG, np.eye(3)[LABELS]], [0], {}, {}),
    ("nll_big", "F.nll_loss", [BIG, LABELS], [0], {}, {}),
    ("mm_big", "F.multi_margin_loss", [BIG, LABELS], [0], {}, {}),
    ("mm_big_p2", "F.multi_margin_loss", [BIG, LABELS], [0], {"p": 2, "margin": 0.5}, {}),
    ("kl_zero_target", "F.kl_div", [np.log(np.array([[0.2, 0.3, 0.5]] * 2)),
                                    np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])], [0],
     {"reduction": "batchmean"}, {}),
    ("kl_big_logt", "F.kl_div", [BIG, -np.abs(BIG)], [0, 1], {"log_target": True, "reduction": "sum"}, {}),
    ("huber_big", "F.huber_loss", [HUGE, np.zeros(9)], [0, 1], {"delta": 0.5}, {}),
    ("sl1_big", "F.smooth_l1_loss", [HUGE, np.zeros(9)], [0, 1], {"beta": 2.0}, {}),
    ("sl1_beta0", "F.smooth_l1_loss", [HUGE, np.zeros(9)], [0], {"beta": 0.0}, {}),
    ("l1_big", "F.l1_loss", [HUGE, np.ones(9)], [0, 1], {}, {}),
    ("mse_big", "F.mse_loss", [HUGE, np.ones(9)], [0, 1], {"reduction": "sum"}, {}),
    # activations at +-1e4
    ("softmax_big", "F.softmax", [BIG], [0], {"dim": 1}, {}),
    ("log_softmax_big", "F.log_softmax", [BIG], [0], {"dim": 1}, {}),
    ("logsigmoid_big", "F.logsigmoid", [HUGE], [0], {}, {}),
    ("softplus_big", "F.softplus", [HUGE], [0], {}, {}),
    ("softplus_big_beta", "F.softplus", [HUGE], [0], {"beta": 2.0, "threshold": 5.0}, {}),
    ("sigmoid_big", "T.sigmoid", [HUGE], [0], {}, {}),
    ("tanh_big", "T.tanh", [HUGE], [0], {}, {}),
    ("elu_big", "F.elu", [HUGE], [0], {}, {}),
    ("gelu_big", "F.gelu", [HUGE], [0], {}, {}),
    ("gelu_tanh_big", "F.gelu", [HUGE], [0], {"approximate": "tanh"}, {}),
    ("silu_big", "F.silu", [HUGE], [0], {}, {}),
    ("leaky_big", "F.leaky_relu", [HUGE], [0], {"negative_slope": 0.1}, {}),
    # zero variance: finite gradients (0 for std/var of a constant)
    ("var_const", "T.var", [CONST], [0], {}, {}),
    ("std_const", "T.std", [CONST], [0], {}, {}),
    ("std_const_dim", "T.std", [CONST], [0], {"dim": 1}, {}),
    ("var_const_dim0", "T.var", [CONST], [0], {"dim": 0, "correction": 0}, {}),
    ("layer_norm_const", "F.layer_norm", [CONST], [0], {"normalized_shape": [4]}, {}),
    ("group_norm_const", "F.group_norm", [np.full((2, 4, 3), 1.5)], [0], {"num_groups": 2}, {}),
]


def _torch_fn(name):
    lib, fn = name.split(".")
    return getattr(F if lib == "F" else torch, fn)


def main() -> None:
    out: dict[str, np.ndarray] = {}
    warnings.simplefilter("ignore")
    for cid, fn, args, grad, kwargs, tkw in CASES:
        for dtype in ("float32", "float64"):
            tdt = getattr(torch, dtype)
            key = f"{cid}@{dtype}"
            targs = []
            for i, a in enumerate(args):
                a = np.asarray(a)
                t = (torch.tensor(a, dtype=torch.int64) if a.dtype.kind == "i"
                     else torch.tensor(a.astype(dtype), dtype=tdt, requires_grad=i in grad))
                targs.append(t)
                out[f"{key}/arg{i}"] = t.detach().numpy()
            tk = {k: torch.tensor(np.asarray(v, dtype=dtype)) for k, v in tkw.items()}
            for k, v in tk.items():
                out[f"{key}/tkw/{k}"] = v.numpy()
            y = _torch_fn(fn)(*targs, **kwargs, **tk)
            out[f"{key}/fn"] = np.array(fn)
            out[f"{key}/kwargs"] = np.array(json.dumps(kwargs))
            out[f"{key}/grad"] = np.array(json.dumps(grad))
            out[f"{key}/out"] = y.detach().numpy()
            if y.ndim:
                r = torch.tensor(rng.uniform(0.5, 1.5, size=tuple(y.shape)).astype(dtype))
                out[f"{key}/r"] = r.numpy()
                y = (y * r).sum()
            y.backward()
            for i in grad:
                out[f"{key}/g{i}"] = targs[i].grad.numpy()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({len(CASES)} cases x 2 dtypes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
