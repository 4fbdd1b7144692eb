"""DataLoader worker processes: the same batches in the same order, prefetching, clean
shutdown (end of epoch, early break, worker exception, timeout, dead worker), seeding."""
import gc
import multiprocessing as mp
import os
import time

import numpy as np
import pytest

import portanet as pn
from portanet.data import DataLoader, Dataset, TensorDataset
from portanet.utils.data import get_worker_info


def _ds(n=37):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(x, np.arange(n) % 5)


def _host(batches):
    return [tuple(pn.to_numpy(t) for t in b) if isinstance(b, (tuple, list)) else pn.to_numpy(b)
            for b in batches]


def _same(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        for s, t in zip(u, v):
            assert s.dtype == t.dtype and s.shape == t.shape
            np.testing.assert_array_equal(s, t)


def _no_children():
    deadline = time.monotonic() + 5
    while mp.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return mp.active_children() == []


class _Squares(Dataset):
    """A custom Dataset subclass: tuples of an array, a Tensor and a Python int."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        return np.float32([i, i * i]), pn.tensor([float(i)]), i


@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (False, True)])
def test_same_batches_as_without_workers(backend, shuffle, drop_last):
    kw = dict(batch_size=5, shuffle=shuffle, drop_last=drop_last)
    pn.manual_seed(3)
    want = _host(DataLoader(_ds(), **kw))
    state = pn.random.get_rng_state()
    pn.manual_seed(3)
    loader = DataLoader(_ds(), num_workers=2, **kw)
    got = list(loader)
    assert all(t.backend is backend for b in got for t in b)
    _same(want, _host(got))
    assert pn.random.get_rng_state() == state      # the workers drew nothing from the main stream
    assert _no_children()


def test_custom_dataset_and_collate_fn(backend):
    def collate(samples):       # made in the worker (NumPy there), arrives on this backend
        return {"x": pn.tensor(np.stack([s[0] for s in samples])), "n": [s[2] for s in samples]}
    for collate_fn in (None, collate):
        want = list(DataLoader(_Squares(), batch_size=4, collate_fn=collate_fn))
        got = list(DataLoader(_Squares(), batch_size=4, collate_fn=collate_fn, num_workers=3,
                              prefetch_factor=1))
        if collate_fn is None:
            _same(_host(want), _host(got))
            assert got[0][1].backend is backend and got[0][1].shape == (4, 1)
        else:
            assert [b["n"] for b in got] == [b["n"] for b in want]
            for u, v in zip(want, got):
                assert v["x"].backend is backend
                np.testing.assert_array_equal(pn.to_numpy(u["x"]), pn.to_numpy(v["x"]))
    assert _no_children()


def test_batch_order_worker_ids_and_init_fn():
    class WhoFetched(Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = get_worker_info()
            return np.int64([info.id, info.num_workers, self.tag])

    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.seed >= 0
        info.dataset.tag = 10 + worker_id      # each worker's own copy of the dataset
    ds = WhoFetched()
    ds.tag = -1
    rows = [pn.to_numpy(b) for b in DataLoader(ds, batch_size=2, num_workers=3, worker_init_fn=init)]
    assert [int(r[0, 0]) for r in rows] == [0, 1, 2, 0, 1, 2]       # batch b from worker b % 3
    assert all(int(r[0, 1]) == 3 and int(r[0, 2]) == 10 + int(r[0, 0]) for r in rows)
    assert ds.tag == -1 and get_worker_info() is None                # the main process's copy


def test_early_break_and_exhaustion_leave_no_process():
    loader = DataLoader(_ds(200), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 0:
            pids = [p.pid for p in mp.active_children()]
            assert len(pids) == 2
        if i == 3:
            break
    assert _no_children()
    it = iter(loader)
    next(it)
    del it
    assert _no_children()
    assert len(list(loader)) == 100 and _no_children()


class _Failing(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"sample {i} is corrupt")
        return np.float32([i])


def test_worker_exception_surfaces_with_its_traceback():
    with pytest.raises(ValueError) as info:
        for _ in DataLoader(_Failing(), batch_size=2, num_workers=2):
            pass
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback")
    assert "in __getitem__" in msg and 'raise ValueError(f"sample {i} is corrupt")' in msg
    assert msg.rstrip().endswith("ValueError: sample 5 is corrupt")
    assert _no_children()


def test_worker_init_fn_exception():
    def init(worker_id):
        raise KeyError(f"no shard for worker {worker_id}")
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(_ds(), batch_size=4, num_workers=2, worker_init_fn=init))
    assert _no_children()


def test_unpicklable_batch_is_an_error_not_a_hang():
    def collate(samples):
        return lambda: samples
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process 0"):
        list(DataLoader(_ds(), batch_size=4, num_workers=1, collate_fn=collate, timeout=30))
    assert _no_children()


class _Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(3)
        return np.float32([i])


def test_timeout(monkeypatch):
    import portanet.data.multiprocess as M
    monkeypatch.setattr(M, "STATUS_INTERVAL", 0.2)   # how long shutdown waits before terminating
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        list(DataLoader(_Slow(), batch_size=1, num_workers=1, timeout=0.3))
    assert time.monotonic() - t0 < 2.0 and _no_children()


class _Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


def test_dead_worker(monkeypatch):
    import portanet.data.multiprocess as M
    monkeypatch.setattr(M, "STATUS_INTERVAL", 0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(_Dies(), batch_size=1, num_workers=1))
    assert _no_children()


def test_persistent_workers():
    loader = DataLoader(_ds(), batch_size=4, shuffle=True, num_workers=2, persistent_workers=True)
    pn.manual_seed(0)
    first = list(loader)
    pids = sorted(p.pid for p in mp.active_children())
    for i, _ in enumerate(loader):   # an epoch left early keeps the workers...
        if i == 1:
            break
    second = list(loader)            # ...and its leftover batches are not mixed into the next
    assert sorted(p.pid for p in mp.active_children()) == pids and len(pids) == 2
    pn.manual_seed(0)
    ref = DataLoader(_ds(), batch_size=4, shuffle=True)
    want = [list(ref), list(ref), list(ref)]
    _same(_host(want[0]), _host(first))
    _same(_host(want[2]), _host(second))
    del loader
    gc.collect()
    assert _no_children()


def test_resume_mid_epoch_with_workers():
    loader = DataLoader(_ds(), batch_size=4, shuffle=True, seed=7, num_workers=2)
    it = iter(loader)
    seen = [next(it) for _ in range(3)]
    state = loader.state_dict()
    rest = list(it)
    other = DataLoader(_ds(), batch_size=4, shuffle=True, seed=7, num_workers=2)
    other.load_state_dict(state)
    _same(_host(rest), _host(list(other)))
    assert len(seen) + len(rest) == len(loader) and _no_children()


def test_random_draws_in_workers_are_seeded():
    class Noisy(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            return np.float32([np.random.rand(), pn.rand(1).item()])

    def run():
        pn.manual_seed(1)
        return np.concatenate([pn.to_numpy(b) for b in DataLoader(Noisy(), batch_size=2, num_workers=2)])
    a, b = run(), run()
    np.testing.assert_array_equal(a, b)                        # reproducible
    assert len(np.unique(a[:, 0])) == 8 and len(np.unique(a[:, 1])) == 8   # workers differ


def test_spawn_context():
    pn.manual_seed(2)
    want = _host(DataLoader(_ds(), batch_size=6, shuffle=True))
    pn.manual_seed(2)
    got = _host(DataLoader(_ds(), batch_size=6, shuffle=True, num_workers=2,
                           multiprocessing_context="spawn"))
    _same(want, got)
    assert _no_children()


def test_pin_memory_accepted(backend):
    a = _host(DataLoader(_ds(), batch_size=8, pin_memory=True))
    b = _host(DataLoader(_ds(), batch_size=8, pin_memory=True, pin_memory_device="cuda", num_workers=1))
    _same(a, b)


def test_argument_errors():
    ds = _ds()
    with pytest.raises(ValueError, match=r"num_workers option should be non-negative; use num_workers=0 "
                                         r"to disable multiprocessing. \(got num_workers=-1\)"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match=r"prefetch_factor option should be a positive integer, got 0"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match=r"timeout option should be non-negative \(got timeout=-1\)"):
        DataLoader(ds, num_workers=1, timeout=-1)
    with pytest.raises(ValueError, match="multiprocessing_context option should specify a valid start method"):
        DataLoader(ds, num_workers=1, multiprocessing_context="threads")
    with pytest.raises(TypeError, match="worker_init_fn must be callable, got int"):
        DataLoader(ds, num_workers=1, worker_init_fn=3)
