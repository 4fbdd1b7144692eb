"""Write tests/fixtures/indexops/reference.json: PyTorch's values, dtypes and gradients for
every case of tests/reference/indexops_cases.py, so tests/test_indexops.py needs no PyTorch.

    python tests/reference/gen_indexops_reference.py
"""
import json
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from indexops_cases import CASES, INPUTS  # noqa: E402

OUT = HERE.parents[0] / "fixtures" / "indexops" / "reference.json"


def ramp(n):
    """The fixed weights of the loss ``sum(out * w)``: 1, 2, ... 7, 1, 2 ... over 7."""
    return [(i % 7 + 1) / 7 for i in range(n)]


def describe(v):
    if isinstance(v, torch.Tensor):
        return {"tensor": v.detach().tolist(), "dtype": str(v.dtype).replace("torch.", ""),
                "shape": list(v.shape)}
    if isinstance(v, (tuple, list)) and not isinstance(v, torch.Size):
        return {"seq": [describe(x) for x in v]}
    if isinstance(v, torch.Size):
        return {"py": list(v)}
    return {"py": v}


def flat_tensors(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (tuple, list)) and not isinstance(v, torch.Size):
        return [t for x in v for t in flat_tensors(x)]
    return []


def main():
    ref, bad = {}, False
    for name, expr in CASES:
        env = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in INPUTS.items()}
        try:
            out = eval(expr, {"m": torch, **env})
        except Exception as e:  # noqa: BLE001 - list them all, then fail
            print(f"{name}: {type(e).__name__}: {e}")
            bad = True
            continue
        entry = describe(out)
        loss = None
        for t in flat_tensors(out):
            if t.requires_grad:
                w = torch.tensor(ramp(t.numel()), dtype=t.dtype).reshape(t.shape)
                term = (t * w).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
            entry["grads"] = {k: v.grad.tolist() for k, v in env.items() if v.grad is not None}
        ref[name] = entry
    if bad:
        raise SystemExit("some cases failed under PyTorch")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in ref.items())  # a case a line
    OUT.write_text(f'{{"torch": {json.dumps(torch.__version__)}, "cases": {{\n{lines}\n}}}}\n')
    print(f"wrote {OUT} ({len(ref)} cases)")


if __name__ == "__main__":
    main()
