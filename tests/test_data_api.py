"""torch.utils.data's surface against what PyTorch gives (tests/reference/gen_dataapi_reference.py
writes the fixture): default_collate/default_convert (structure, dtypes, shapes, values,
errors), BatchSampler/SequentialSampler, the loader's plans for sampler=/batch_sampler=/
batch_size=None, IterableDataset batches with workers, ConcatDataset/StackDataset."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
from portanet.utils import data as tud

HERE = pathlib.Path(__file__).resolve().parent
REF = json.loads((HERE / "fixtures" / "dataapi" / "reference.json").read_text())
_spec = importlib.util.spec_from_file_location("dataapi_specs", HERE / "reference" / "dataapi_specs.py")
specs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(specs)


def build(spec):
    return specs.build(spec, pn.from_numpy)


def encode(out):
    return specs.encode(out, pn.Tensor, lambda t: (pn.backend.dtype_name(t.dtype), list(t.shape),
                                                   pn.to_numpy(t).tolist()))


def _on(backend, out):
    """Every Tensor in ``out`` lives on ``backend``."""
    if isinstance(out, pn.Tensor):
        assert out._bk is backend
    elif isinstance(out, dict):
        for v in out.values():
            _on(backend, v)
    elif isinstance(out, (list, tuple)):
        for v in out:
            _on(backend, v)


def test_default_collate_and_convert_as_pytorch(backend):
    for name, case in REF["collate"].items():
        out = tud.default_collate(build({"list": case["in"]}))
        assert encode(out) == case["out"], name
        _on(backend, out)
    for name, case in REF["convert"].items():
        assert encode(tud.default_convert(build(case["in"]))) == case["out"], name
    t = pn.ones(2, requires_grad=True)
    assert tud.default_convert([t])[0] is t                # a Tensor as it is, as PyTorch


@pytest.mark.parametrize("name", sorted(REF["collate_errors"]))
def test_collate_errors_carry_pytorchs_wording(name):
    case = REF["collate_errors"][name]
    # PyTorch's catch-all RuntimeError is a ValueError here (README: the type names the mistake)
    exc = {"RuntimeError": ValueError, "TypeError": TypeError}[case["type"]]
    import re
    with pytest.raises(exc, match=re.escape(case["msg"])):
        tud.default_collate(build({"list": case["in"]}))
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, "
                                        "numbers, dicts or lists; found <class 'object'>"):
        tud.default_collate([object()])


def test_batch_and_sequential_samplers_as_pytorch():
    assert list(tud.SequentialSampler(range(4))) == REF["sequential"]
    for key, want in REF["batch_sampler"].items():
        n, b, d = key.split("_")
        s = tud.BatchSampler(range(int(n)), int(b), d == "True")
        assert (len(s), list(s)) == (want["len"], want["out"]), key


def test_loader_plans_as_pytorch(backend):
    ds = tud.TensorDataset(np.arange(7))
    configs = {
        "bs3": dict(batch_size=3), "bs3_drop": dict(batch_size=3, drop_last=True),
        "none": dict(batch_size=None), "seq_sampler": dict(batch_size=2, sampler=tud.SequentialSampler(ds)),
        "batch_sampler": dict(batch_sampler=tud.BatchSampler(tud.SequentialSampler(range(7)), 3, False)),
        "batch_sampler_list": dict(batch_sampler=[[6, 0], [3], [1, 2, 4]]),
        "sampler_list": dict(sampler=[4, 4, 0], batch_size=2),
        "none_sampler": dict(batch_size=None, sampler=[5, 1]),
    }
    assert set(configs) == set(REF["loader"])
    for name, kw in configs.items():
        loader = tud.DataLoader(ds, **kw)
        got = list(loader)
        assert {"len": len(loader), "batches": [encode(b) for b in got]} == REF["loader"][name], name
        _on(backend, got)


class Sharded(tud.IterableDataset):
    """Worker i yields i*100 + 0..lengths[i]-1 (the generator script's dataset)."""

    def __init__(self, lengths):
        self.lengths = lengths

    def __iter__(self):
        info = tud.get_worker_info()
        if info is not None:
            assert info.dataset is self          # the worker's copy, the one iterated
            assert info.num_workers == len(self.lengths) and isinstance(info.seed, int)
        i = 0 if info is None else info.id
        return iter(range(i * 100, i * 100 + self.lengths[i]))


@pytest.mark.parametrize("name", sorted(REF["iterable"]))
def test_iterable_dataset_batches_as_pytorch(name):
    case = REF["iterable"][name]
    loader = tud.DataLoader(Sharded(case["lengths"]), **case["kw"])
    assert [encode(b) for b in loader] == case["out"]
    assert [encode(b) for b in loader] == case["out"]      # a second epoch: fresh iterators


def test_iterable_dataset_on_every_backend_and_chain(backend):
    out = list(tud.DataLoader(tud.ChainDataset([Sharded([3]), Sharded([2])]), batch_size=2))
    assert [pn.to_numpy(b).tolist() for b in out] == [[0, 1], [2, 0], [1]]
    _on(backend, out)
    both = Sharded([1]) + Sharded([2])
    assert isinstance(both, tud.ChainDataset) and list(both) == [0, 0, 1] and len(tud.ChainDataset([])) == 0


def test_concat_and_stack_datasets_as_pytorch():
    cat = tud.ConcatDataset([range(3), range(10, 14), range(20, 21)])
    ref = REF["concat"]
    assert cat.cumulative_sizes == ref["cumulative_sizes"] and len(cat) == ref["len"]
    assert {str(i): cat[i] for i in range(-8, 8)} == ref["items"]
    assert list(tud.StackDataset(range(3), "abc")[1]) == REF["stack"]["tuple"]
    assert tud.StackDataset(a=range(3), b="abc")[2] == REF["stack"]["dict"]
    a, b = tud.TensorDataset(np.arange(2)), tud.TensorDataset(np.arange(5, 8))
    assert isinstance(a + b, tud.ConcatDataset) and len(a + b) == 5
    ys = [pn.to_numpy(y).tolist() for y, in tud.DataLoader(a + b, batch_size=2, shuffle=True, seed=0)]
    assert sorted(sum(ys, [])) == [0, 1, 5, 6, 7]


def test_pytorchs_module_paths():
    from portanet.utils.data.dataloader import DataLoader, default_collate
    from portanet.utils.data.dataset import ConcatDataset, random_split
    from portanet.utils.data.sampler import SubsetRandomSampler, WeightedRandomSampler
    assert DataLoader is pn.data.DataLoader and default_collate is pn.data.default_collate
    assert ConcatDataset is pn.data.ConcatDataset and random_split is pn.data.random_split
    assert SubsetRandomSampler is tud.SubsetRandomSampler and WeightedRandomSampler is pn.data.WeightedRandomSampler
