"""Write tests/fixtures/dataapi/reference.json: what torch.utils.data gives for collation
(default_collate/default_convert: structure, dtypes, shapes, values, error wording),
the deterministic samplers and loader plans, IterableDataset batches with workers,
ConcatDataset/StackDataset indexing, so tests/test_data_api.py needs no PyTorch.

The samples are written as JSON specs (decoded by ``build`` here with torch, and by the
test with portanet), so both sides collate the same inputs.

    python tests/reference/gen_dataapi_reference.py
"""
import json
import pathlib

import torch
from torch.utils import data as tud

from dataapi_specs import build, encode as _encode   # the script's folder is on sys.path

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "dataapi" / "reference.json"
def encode(out):
    return _encode(out, torch.Tensor, lambda t: (str(t.dtype).replace("torch.", ""), list(t.shape), t.tolist()))


T = lambda dt, v: {"tensor": [dt, v]}          # noqa: E731
N = lambda dt, v: {"np": [dt, v]}              # noqa: E731
S = lambda dt, v: {"npscalar": [dt, v]}        # noqa: E731

COLLATE = {
    "tuple_array_int": [{"tuple": [N("float32", [1, 2]), 0]}, {"tuple": [N("float32", [3, 4]), 1]}],
    "probe_dict": [{"dict": {"x": N("float32", [1, 2]), "y": 3, "name": "s1",
                             "t": {"tuple": [S("float32", 1.5), T("float32", [1, 2, 3])]}}},
                   {"dict": {"x": N("float32", [5, 6]), "y": 4, "name": "s2",
                             "t": {"tuple": [S("float32", 2.5), T("float32", [4, 5, 6])]}}}],
    "floats": [1.5, 2.0, -3.25],
    "bools": [True, False],
    "ints": [3, -1, 7],
    "int_then_float": [1, 2.5],
    "np_scalars": [S("int32", 3), S("int32", 4)],
    "np_float64": [S("float64", 0.5), S("float64", 1.5)],
    "np_bool": [S("bool_", True), S("bool_", False)],
    "int64_arrays": [N("int64", [[1, 2]]), N("int64", [[3, 4]])],
    "tensors": [T("float64", [[1, 2], [3, 4]]), T("float64", [[5, 6], [7, 8]])],
    "strings": ["a", "bc"],
    "bytes": [{"bytes": "x"}, {"bytes": "yz"}],
    "namedtuple": [{"point": [1.0, N("float32", [1])]}, {"point": [2.0, N("float32", [2])]}],
    "nested_lists": [{"list": [1, {"list": [2.0, "a"]}]}, {"list": [3, {"list": [4.0, "b"]}]}],
    "single": [T("float32", [1, 2])],
}
CONVERT = {
    "tuple": {"tuple": [N("float32", [1, 2]), 1, "a", S("float32", 2.0)]},
    "dict": {"dict": {"x": N("int64", [1]), "y": {"list": [S("float64", 1.0), 2.5]}}},
    "strarray": N("<U2", ["ab", "c"]),
    "point": {"point": [N("float32", [1]), "s"]},
    "scalar": 3,
}
COLLATE_ERRORS = {
    "shape": [N("float32", [1, 2]), N("float32", [1, 2, 3])],
    "tensor_shape": [T("float32", [1, 2]), T("float32", [3])],
    "lengths": [{"list": [1, 2]}, {"list": [1]}],
    "strarray": [N("<U1", ["a"]), N("<U1", ["b"])],
}


def loader_plans():
    ds = tud.TensorDataset(torch.arange(7))
    configs = {
        "bs3": dict(batch_size=3), "bs3_drop": dict(batch_size=3, drop_last=True),
        "none": dict(batch_size=None), "seq_sampler": dict(batch_size=2, sampler=tud.SequentialSampler(ds)),
        "batch_sampler": dict(batch_sampler=tud.BatchSampler(tud.SequentialSampler(range(7)), 3, False)),
        "batch_sampler_list": dict(batch_sampler=[[6, 0], [3], [1, 2, 4]]),
        "sampler_list": dict(sampler=[4, 4, 0], batch_size=2),
        "none_sampler": dict(batch_size=None, sampler=[5, 1]),
    }
    out = {}
    for name, kw in configs.items():
        loader = tud.DataLoader(ds, **kw)
        out[name] = {"len": len(loader), "batches": [encode(b) for b in loader]}
    return out


class Sharded(tud.IterableDataset):
    """Worker i yields i*100 + 0..lengths[i]-1; without workers 0..lengths[0]-1."""

    def __init__(self, lengths):
        self.lengths = lengths

    def __iter__(self):
        info = tud.get_worker_info()
        i = 0 if info is None else info.id
        return iter(range(i * 100, i * 100 + self.lengths[i]))


ITERABLE = {"w0_bs2": ([5], dict(batch_size=2)), "w0_drop": ([5], dict(batch_size=2, drop_last=True)),
            "w2_bs2": ([5, 2], dict(batch_size=2, num_workers=2)),
            "w3_none": ([1, 3, 0], dict(batch_size=None, num_workers=3)),
            "w2_drop": ([3, 4], dict(batch_size=2, drop_last=True, num_workers=2))}


def main():
    tensor = torch.from_numpy
    ref = {"collate": {}, "convert": {}, "collate_errors": {}}
    for name, spec in COLLATE.items():
        ref["collate"][name] = {"in": spec, "out": encode(tud.default_collate(build({"list": spec}, tensor)))}
    for name, spec in CONVERT.items():
        ref["convert"][name] = {"in": spec, "out": encode(tud.default_convert(build(spec, tensor)))}
    for name, spec in COLLATE_ERRORS.items():
        try:
            tud.default_collate(build({"list": spec}, tensor))
        except Exception as e:
            ref["collate_errors"][name] = {"in": spec, "type": type(e).__name__, "msg": str(e)}
    ref["sequential"] = list(tud.SequentialSampler(range(4)))
    ref["batch_sampler"] = {f"{n}_{b}_{d}": {"len": len(tud.BatchSampler(range(n), b, d)),
                                             "out": list(tud.BatchSampler(range(n), b, d))}
                            for n in (0, 5, 6) for b in (1, 2, 4) for d in (False, True)}
    ref["loader"] = loader_plans()
    ref["iterable"] = {}
    for name, (lengths, kw) in ITERABLE.items():
        ref["iterable"][name] = {"lengths": lengths, "kw": kw,
                                 "out": [encode(b) for b in tud.DataLoader(Sharded(lengths), **kw)]}
    cat = tud.ConcatDataset([range(3), range(10, 14), range(20, 21)])
    ref["concat"] = {"cumulative_sizes": cat.cumulative_sizes, "len": len(cat),
                     "items": {i: cat[i] for i in range(-8, 8)}}
    ref["stack"] = {"tuple": list(tud.StackDataset(range(3), "abc")[1]),
                    "dict": tud.StackDataset(a=range(3), b="abc")[2]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(ref, indent=None, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
