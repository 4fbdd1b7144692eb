"""Random samplers (host draws: the same order on every backend for a seed), PyTorch's
argument errors for samplers, datasets and DataLoader, and resume/workers with the new
samplers and IterableDataset."""
import collections

import numpy as np
import pytest

import portanet as pn
from portanet.utils import data as tud


def _ys(loader):
    return [pn.to_numpy(b[-1] if isinstance(b, list) else b).tolist() for b in loader]


def test_random_sampler_orders(backend):
    s = tud.RandomSampler(range(10), generator=pn.Generator(3))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(10)) and a != b          # a new order each pass
    assert list(tud.RandomSampler(range(10), generator=pn.Generator(3))) == a   # a function of the seed
    more = list(tud.RandomSampler(range(4), num_samples=10, generator=pn.Generator(0)))
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3]
    assert set(more[8:]) <= {0, 1, 2, 3} and len(set(more[8:])) == 2
    rep = list(tud.RandomSampler(range(3), replacement=True, num_samples=50, generator=pn.Generator(0)))
    assert len(rep) == 50 and set(rep) == {0, 1, 2}
    pn.manual_seed(5)                                   # no generator: the global stream
    g1 = list(tud.RandomSampler(range(8)))
    pn.manual_seed(5)
    assert list(tud.RandomSampler(range(8))) == g1
    sub = list(tud.SubsetRandomSampler([10, 20, 30, 40], generator=pn.Generator(1)))
    assert sorted(sub) == [10, 20, 30, 40]
    # the loader's batches follow the sampler on the current backend
    ds = tud.TensorDataset(np.arange(10))
    got = _ys(tud.DataLoader(ds, batch_size=4, sampler=tud.RandomSampler(ds, generator=pn.Generator(3))))
    assert sum(got, []) == a
    assert isinstance(tud.DistributedSampler(range(4), 2, 0), tud.Sampler)


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0, 0.0]
    draws = np.array(list(tud.WeightedRandomSampler(w, 4000, generator=pn.Generator(0))))
    counts = np.bincount(draws, minlength=4)
    assert counts[0] == counts[3] == 0 and abs(counts[2] / 4000 - 0.75) < 0.03   # ~6 sigma
    no_rep = list(tud.WeightedRandomSampler([1, 1, 100, 0, 1], 4, replacement=False, generator=pn.Generator(2)))
    assert sorted(no_rep) == [0, 1, 2, 4]
    firsts = [list(tud.WeightedRandomSampler([1, 1, 100, 1], 2, replacement=False,
                                             generator=pn.Generator(k)))[0] for k in range(20)]
    assert firsts.count(2) >= 17                        # heavy weight is drawn first
    assert len(tud.WeightedRandomSampler(pn.tensor([0.5, 0.5]), 3)) == 3


def test_same_order_on_every_backend_with_a_generator():
    ds = tud.TensorDataset(np.arange(12))
    runs = []
    for name in pn.available_backends():
        with pn.use_backend(name):
            g = pn.Generator().manual_seed(7)
            runs.append(_ys(tud.DataLoader(ds, batch_size=5, shuffle=True, generator=g)) +
                        _ys(tud.DataLoader(ds, batch_size=5, sampler=tud.WeightedRandomSampler(
                            np.arange(12.0), 12, generator=pn.Generator(1)))))
    assert all(r == runs[0] for r in runs)


ERRORS = [
    (lambda: tud.RandomSampler(range(3), replacement=1), TypeError,
     "replacement should be a boolean value, but got replacement=1"),
    (lambda: tud.RandomSampler(range(3), num_samples=0), ValueError,
     "num_samples should be a positive integer value, but got num_samples=0"),
    (lambda: tud.RandomSampler(range(3), generator=3), TypeError,
     "RandomSampler: generator must be a portanet Generator"),
    (lambda: tud.WeightedRandomSampler([1.0], 0), ValueError,
     "num_samples should be a positive integer value, but got num_samples=0"),
    (lambda: tud.WeightedRandomSampler([1.0], 2, replacement="no"), ValueError,
     "replacement should be a boolean value, but got replacement='no'"),
    (lambda: tud.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError,
     r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
    (lambda: tud.WeightedRandomSampler([1.0, -1.0], 2), ValueError, "invalid multinomial distribution"),
    (lambda: tud.WeightedRandomSampler([1.0, 0.0], 2, replacement=False), ValueError,
     "cannot sample num_samples=2 without replacement from 1 non-zero weights"),
    (lambda: tud.BatchSampler(range(3), 0, False), ValueError,
     "batch_size should be a positive integer value, but got batch_size=0"),
    (lambda: tud.BatchSampler(range(3), 2, None), ValueError,
     "drop_last should be a boolean value, but got drop_last=None"),
    (lambda: tud.DataLoader(range(3), batch_sampler=[[0]], batch_size=2), ValueError,
     "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"),
    (lambda: tud.DataLoader(range(3), batch_size=None, drop_last=True), ValueError,
     "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"),
    (lambda: tud.DataLoader(range(3), batch_sampler=5), TypeError,
     "batch_sampler must be an iterable of indices with len"),
    (lambda: tud.DataLoader(tud.ChainDataset([]), shuffle=True), ValueError,
     "DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True"),
    (lambda: tud.DataLoader(tud.ChainDataset([]), sampler=[0]), ValueError,
     r"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler=\[0\]"),
    (lambda: tud.DataLoader(tud.ChainDataset([]), batch_sampler=[[0]]), ValueError,
     "DataLoader with IterableDataset: expected unspecified batch_sampler option"),
    (lambda: tud.DataLoader(range(3), generator=1), TypeError, "DataLoader: generator must be a portanet Generator"),
    (lambda: tud.DataLoader(range(3), generator=pn.Generator(), seed=1), ValueError,
     "pass generator= or seed=, not both"),
    (lambda: tud.ConcatDataset([]), ValueError, "datasets should not be an empty iterable"),
    (lambda: tud.ConcatDataset([tud.ChainDataset([])]), TypeError, "ConcatDataset does not support IterableDataset"),
    (lambda: tud.ConcatDataset([range(2)])[-3], ValueError,
     "absolute value of index should not exceed dataset length, got index -3 for length 2"),
    (lambda: tud.ConcatDataset([range(2)])[2], IndexError, "index 2 is out of range for length 2"),
    (lambda: tud.StackDataset(range(2), b=range(2)), ValueError, "but both types are given"),
    (lambda: tud.StackDataset(), ValueError, "at least one dataset should be passed"),
    (lambda: tud.StackDataset(range(2), range(3)), ValueError, r"size mismatch between datasets, got lengths \[2, 3\]"),
    (lambda: list(tud.ChainDataset([range(2)])), TypeError, "ChainDataset only supports IterableDataset, got range"),
    (lambda: tud.ChainDataset([])[0], TypeError, "ChainDataset is an IterableDataset: iterate it"),
    (lambda: len(tud.DataLoader(tud.ChainDataset.__new__(tud.IterableDataset))), TypeError,
     "object of type 'IterableDataset' has no len"),
]


@pytest.mark.parametrize("make,exc,msg", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_name_what_is_wrong(make, exc, msg):
    with pytest.raises(exc, match=msg):
        make()


def _resume(make, taken=2):
    """Batches after a mid-epoch state_dict/load_state_dict equal the uninterrupted rest."""
    a = make()
    list(a)                                             # epoch 1
    it = iter(a)
    head = [next(it) for _ in range(taken)]
    state = a.state_dict()
    rest = _ys(it)
    b = make()
    b.load_state_dict(state)
    assert _ys(b) == rest and len(rest) > 0
    assert _ys(a) == _ys(b)                             # and the next epoch too
    return head


def test_resume_with_the_new_samplers():
    ds = tud.TensorDataset(np.arange(11))
    _resume(lambda: tud.DataLoader(ds, batch_size=3, sampler=tud.RandomSampler(ds, generator=pn.Generator(4))))
    _resume(lambda: tud.DataLoader(ds, batch_size=2, sampler=tud.SubsetRandomSampler(
        range(1, 9), generator=pn.Generator(4))))
    _resume(lambda: tud.DataLoader(ds, batch_sampler=tud.BatchSampler(tud.WeightedRandomSampler(
        np.ones(11), 9, generator=pn.Generator(2)), 2, drop_last=True)))
    _resume(lambda: tud.DataLoader(ds, batch_size=2, shuffle=True, generator=pn.Generator().manual_seed(1)))
    _resume(lambda: tud.DataLoader(ds, batch_size=None, sampler=tud.SequentialSampler(ds)))

    class Stream(tud.IterableDataset):
        def __iter__(self):
            return iter(range(7))
    _resume(lambda: tud.DataLoader(Stream(), batch_size=2))

    class Custom(tud.Sampler):
        def __iter__(self):
            return iter(range(11))

        def __len__(self):
            return 11
    loader = tud.DataLoader(ds, batch_size=2, sampler=Custom())
    next(iter(loader))
    with pytest.raises(ValueError, match="cannot resume in the middle of an epoch with the sampler Custom"):
        tud.DataLoader(ds, batch_size=2, sampler=Custom()).load_state_dict(loader.state_dict())
    with pytest.raises(ValueError, match="RandomSampler.load_state_dict: length 11 in the state, 5 here"):
        tud.RandomSampler(range(5)).load_state_dict(tud.RandomSampler(range(11)).state_dict())


def test_workers_with_samplers_batch_size_none_and_mappings():
    ds = tud.TensorDataset(np.arange(9))
    mk = lambda **kw: tud.DataLoader(ds, sampler=tud.RandomSampler(ds, generator=pn.Generator(6)), **kw)  # noqa: E731
    assert _ys(mk(batch_size=2, num_workers=2)) == _ys(mk(batch_size=2))
    assert _ys(mk(batch_size=None, num_workers=2)) == _ys(mk(batch_size=None))

    class Rec(tud.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return collections.OrderedDict(x=np.float32(i), tag=f"r{i}")
    got = list(tud.DataLoader(Rec(), batch_size=2, num_workers=1))
    assert type(got[0]) is collections.OrderedDict and got[1]["tag"] == ["r2", "r3"]
    assert pn.to_numpy(got[1]["x"]).tolist() == [2.0, 3.0]
