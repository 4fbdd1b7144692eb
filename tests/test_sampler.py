"""DistributedSampler without MPI (num_replicas and rank given): shards disjoint and
complete, PyTorch's padding and drop_last, set_epoch; the DataLoader's sampler option,
its resume, and the check that a resume with another rank count divides the data the
same way.  Per-replica random streams (dropout forked by rank, initialization not)."""
import numpy as np
import pytest

import portanet as pn
from portanet.data import DataLoader, DistributedSampler, TensorDataset


def _shards(n, replicas, **kw):
    return [DistributedSampler(range(n), num_replicas=replicas, rank=r, **kw) for r in range(replicas)]


@pytest.mark.parametrize("n", [1, 7, 10, 12, 13])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_are_disjoint_and_complete(n, replicas, shuffle):
    shards = _shards(n, replicas, shuffle=shuffle, seed=7)
    parts = [list(s) for s in shards]
    assert {len(p) for p in parts} == {len(shards[0])} == {-(-n // replicas)}
    flat = [i for p in parts for i in p]
    assert set(flat) == set(range(n))                      # complete
    assert len(flat) - n == shards[0].total_size - n < replicas   # only the padding repeats
    # interleaving the shards gives back the epoch's order, whose first n are a permutation
    order = [parts[k % replicas][k // replicas] for k in range(len(flat))]
    assert sorted(order[:n]) == list(range(n))
    assert order[n:] == order[:len(flat) - n]              # padding repeats the start, as PyTorch
    dropped = [list(s) for s in _shards(n, replicas, shuffle=shuffle, seed=7, drop_last=True)]
    flat_d = [i for p in dropped for i in p]
    assert len(flat_d) == len(set(flat_d)) == (n // replicas) * replicas   # disjoint, tail cut


def test_pytorch_semantics_by_hand_and_set_epoch():
    assert [list(s) for s in _shards(10, 3, shuffle=False)] == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert [list(s) for s in _shards(10, 3, shuffle=False, drop_last=True)] == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    a, b = _shards(20, 2, seed=3)
    first = list(a)
    assert list(a) == first                                # same epoch, same order
    a.set_epoch(1)
    b.set_epoch(1)
    assert list(a) != first and set(list(a) + list(b)) == set(range(20))
    c = DistributedSampler(range(20), num_replicas=2, rank=0, seed=3)
    c.set_epoch(1)
    assert list(c) == list(a)                              # the order is a function of (seed, epoch)


def test_sampler_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer, got 0"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    if not pn.distributed.is_initialized():
        with pytest.raises(RuntimeError, match="pass num_replicas and rank, or call pn.distributed.init"):
            DistributedSampler(range(4))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(TensorDataset(np.zeros((4, 1))), sampler=range(4), shuffle=True)
    with pytest.raises(TypeError, match="sampler must be an iterable of indices with len"):
        DataLoader(TensorDataset(np.zeros((4, 1))), sampler=5)


def _loader(replicas, rank, batch_size, n=24):
    x = np.arange(n, dtype=np.float32)[:, None]
    ds = TensorDataset(x, np.arange(n))
    return DataLoader(ds, batch_size=batch_size,
                      sampler=DistributedSampler(ds, num_replicas=replicas, rank=rank, seed=1))


def test_dataloader_with_a_sampler_yields_its_indices_and_resumes(backend):
    loader = _loader(2, 1, batch_size=5)
    loader.sampler.set_epoch(4)
    want = loader.sampler.indices()
    got = np.concatenate([pn.to_numpy(y) for _, y in loader])
    np.testing.assert_array_equal(got, want)
    assert len(loader) == 3 and len(want) == 12
    it = iter(loader)
    next(it)
    state = loader.state_dict()                            # mid-epoch, epoch 4
    other = _loader(2, 1, batch_size=5)
    other.load_state_dict(state)
    assert other.sampler.epoch == 4
    rest = np.concatenate([pn.to_numpy(y) for _, y in other])
    np.testing.assert_array_equal(rest, want[5:])


def test_resume_with_another_rank_count_needs_the_same_division():
    saved = _loader(2, 0, batch_size=4).state_dict()       # global batch 8, epoch of 24
    _loader(1, 0, batch_size=8).load_state_dict(saved)     # same global batch: accepted
    _loader(4, 3, batch_size=2).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"divided differently: the state was saved by 2 rank\(s\) x batch 4 "
                       r"\(global batch 8, epoch of 24 samples\), this run has 1 rank\(s\) x batch 4 "
                       r"\(global batch 4, epoch of 24 samples\)"):
        _loader(1, 0, batch_size=4).load_state_dict(saved)
    saved10 = _loader(2, 0, batch_size=5).state_dict()     # global batch 10, epoch of 24
    with pytest.raises(ValueError, match=r"global batch 10, epoch of 24 samples\), this run has 5 rank\(s\) "
                       r"x batch 2 \(global batch 10, epoch of 25 samples\)"):
        _loader(5, 0, batch_size=2).load_state_dict(saved10)   # same global batch, other padding
    with pytest.raises(ValueError, match="seed 1 in the state, 2 here"):
        bad = _loader(2, 0, batch_size=4)
        bad.sampler.seed = 2
        bad.load_state_dict(saved)


def test_dropout_is_forked_by_replica_and_initialization_is_not(backend):
    def draws(replica):
        pn.random.set_replica(replica)
        try:
            pn.manual_seed(3)
            init = pn.to_numpy(pn.randn(50))
            mask = pn.to_numpy(pn.nn.Dropout(0.5)(pn.ones(200)))
            after = pn.to_numpy(pn.rand(20))               # the stream stays in step after dropout
            return init, mask, after, pn.random.get_rng_state()
        finally:
            pn.random.set_replica(0)

    base = draws(0)
    one, two, again = draws(1), draws(2), draws(1)
    for other in (one, two):
        np.testing.assert_array_equal(other[0], base[0])
        np.testing.assert_array_equal(other[2], base[2])
        assert other[3] == base[3]                         # checkpoints hold no replica
        assert not np.array_equal(other[1], base[1])
        assert 60 < np.count_nonzero(other[1]) < 140       # still p = 0.5
    assert not np.array_equal(one[1], two[1])
    np.testing.assert_array_equal(again[1], one[1])       # reproducible
    with pytest.raises(ValueError, match="set_replica: rank must be a non-negative integer, got -1"):
        pn.random.set_replica(-1)
