"""Write tests/fixtures/torchapi/reference.json: what PyTorch gives for the surface of
issue 11 items 1, 3 and 6 (type promotion, max/min/sort/topk values, indices and
gradients, linspace/logspace values), so tests/test_torchapi_reference.py needs no PyTorch.

    python tests/reference/gen_torchapi_reference.py
"""
import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "torchapi" / "reference.json"

# (label, left operand, op, right operand): operands are ("t", dtype, ndim) for a tensor
# of ones with that many dims, or a Python number
PROMOTION = []
DT = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
PY = [True, 2, 2.5]
OPS = ["+", "-", "*", "/", "**", "<", "=="]


def operand(spec):
    if isinstance(spec, list):
        _, dt, nd = spec
        t = torch.ones((2,) * nd, dtype=getattr(torch, dt))
        return t if dt == "bool" else t + 1
    return spec


def main():
    cases = []
    for a in DT:
        for b in DT + PY:
            for nd_b in ((1, 0) if isinstance(b, str) else (None,)):
                for op in OPS:
                    left = ["t", a, 1]
                    right = ["t", b, nd_b] if isinstance(b, str) else b
                    if op in ("-", "**") and "bool" in (a, b if isinstance(b, str) else ""):
                        continue   # PyTorch refuses bool subtraction; bool ** is odd
                    try:
                        r = eval(f"x {op} y", {"x": operand(left), "y": operand(right)})
                    except RuntimeError:
                        continue
                    cases.append([left, op, right, str(r.dtype).replace("torch.", "")])
    x = torch.tensor([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, -1.0, 4.0], [2.0, 2.0, 2.0, 2.0]],
                     dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    # topk's order among ties is PyTorch's implementation detail: its cases use ``y``,
    # without ties
    y = torch.tensor([[1.0, 3.0, 2.5, -2.0], [0.5, 0.25, -1.0, 4.0], [2.0, 1.5, 3.0, 2.75]],
                     dtype=torch.float64, requires_grad=True)
    red = {}
    for name, fn in {
        "max_dim1": lambda t: torch.max(t, 1),
        "min_dim1": lambda t: torch.min(t, 1),
        "max_dim0_keep": lambda t: torch.max(t, 0, keepdim=True),
        "sort_dim1": lambda t: torch.sort(t, dim=1, stable=True),
        "sort_desc": lambda t: torch.sort(t, dim=1, descending=True, stable=True),
        "topk2": lambda t: torch.topk(t, 2),
        "topk2_smallest_dim0": lambda t: torch.topk(t, 2, dim=0, largest=False),
    }.items():
        t = y if name.startswith("topk") else x
        t.grad = None
        v, i = fn(t)
        wv = torch.arange(1.0, v.numel() + 1, dtype=torch.float64).reshape(v.shape)
        (v * wv).sum().backward()
        red[name] = {"values": v.tolist(), "indices": i.tolist(), "grad": t.grad.tolist()}
    for name, fn in {"amax1": lambda t: torch.amax(t, 1), "amin1": lambda t: torch.amin(t, 1),
                     "max_all": lambda t: torch.max(t)}.items():
        x.grad = None
        v = fn(x)
        (v * (w if v.ndim else 1.0)).sum().backward()
        red[name] = {"values": v.tolist(), "grad": x.grad.tolist()}
    args = {"argmax": torch.argmax(x).item(), "argmax1": torch.argmax(x, 1).tolist(),
            "argmin0": torch.argmin(x, 0).tolist(), "argmax_keep": list(torch.argmax(x, keepdim=True).shape),
            "argsort_desc": torch.argsort(x, dim=1, descending=True, stable=True).tolist()}
    spaces = {"linspace": torch.linspace(-3.14159, 3.14159, 11).tolist(),
              "linspace64": torch.linspace(0, 1, 7, dtype=torch.float64).tolist(),
              "logspace": torch.logspace(-2, 1, 5).tolist()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "promotion": cases, "x": x.tolist(),
                               "y": y.tolist(),
                               "reductions": red, "args": args, "spaces": spaces}))
    print(f"wrote {OUT} ({len(cases)} promotion cases)")


if __name__ == "__main__":
    main()
