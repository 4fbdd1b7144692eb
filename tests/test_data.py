"""pn.data: DataLoader sizes, shuffling that is the same on every backend, every sample
once per epoch, exact mid-epoch resume; datasets, random_split, collate."""
import numpy as np
import pytest

import portanet as pn
from portanet.data import DataLoader, Dataset, Subset, TensorDataset, datasets, random_split

BACKENDS = pn.available_backends()


def _ds(n, d=3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    return TensorDataset(x, np.arange(n, dtype=np.int64))


@pytest.mark.parametrize("n,bs,drop_last,sizes", [
    (10, 3, False, [3, 3, 3, 1]), (10, 3, True, [3, 3, 3]), (9, 3, True, [3, 3, 3]),
    (10, 10, False, [10]), (10, 1, False, [1] * 10), (10, 32, False, [10]), (10, 32, True, []),
])
def test_sizes_and_drop_last(n, bs, drop_last, sizes):
    loader = DataLoader(_ds(n), batch_size=bs, drop_last=drop_last)
    assert len(loader) == len(sizes)
    batches = list(loader)
    assert [xb.shape[0] for xb, _ in batches] == sizes
    if batches:                                           # no shuffle: in order, rows intact
        ys = np.concatenate([pn.to_numpy(yb) for _, yb in batches])
        np.testing.assert_array_equal(ys, np.arange(len(ys)))
        np.testing.assert_array_equal(pn.to_numpy(batches[0][0])[0], [0.0, 1.0, 2.0])


def test_batches_are_tensors_on_the_current_backend(backend):
    xb, yb = next(iter(DataLoader(_ds(8), batch_size=4, shuffle=True)))
    assert isinstance(xb, pn.Tensor) and xb._bk is backend and yb._bk is backend
    assert pn.backend.dtype_name(xb.dtype) == "float32" and pn.backend.dtype_name(yb.dtype) == "int64"
    assert xb.shape == (4, 3) and not xb.requires_grad
    # each row travels with its label
    np.testing.assert_array_equal(pn.to_numpy(xb)[:, 0], 3 * pn.to_numpy(yb))


def test_every_sample_exactly_once_per_epoch(backend):
    loader = DataLoader(_ds(23), batch_size=5, shuffle=True)
    orders = []
    for _ in range(3):
        ys = np.concatenate([pn.to_numpy(yb) for _, yb in loader])
        assert sorted(ys.tolist()) == list(range(23))
        orders.append(ys)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    assert not np.array_equal(orders[0], np.arange(23))


def _epochs(seed=None, global_seed=7, n=20, epochs=2):
    pn.manual_seed(global_seed)
    loader = DataLoader(_ds(n), batch_size=6, shuffle=True, seed=seed)
    return [np.concatenate([pn.to_numpy(yb) for _, yb in loader]) for _ in range(epochs)]


def test_same_order_on_every_backend_for_the_same_seed():
    assert len(BACKENDS) >= 2
    runs = {}
    for name in BACKENDS:
        with pn.use_backend(name):
            runs[name] = (_epochs(), _epochs(seed=5, global_seed=1), _epochs(seed=5, global_seed=2))
    ref = runs["numpy"]
    for name in BACKENDS:
        for a, b in zip(runs[name], ref):
            np.testing.assert_array_equal(np.stack(a), np.stack(b), err_msg=name)
    # a loader's own seed makes its order independent of the global stream
    np.testing.assert_array_equal(np.stack(ref[1]), np.stack(ref[2]))
    assert not np.array_equal(ref[0][0], ref[1][0])


@pytest.mark.parametrize("seed", [None, 11])
def test_state_dict_resumes_mid_epoch_exactly(seed):
    pn.manual_seed(3)
    loader = DataLoader(_ds(30), batch_size=4, shuffle=True, seed=seed)
    list(loader)                                          # epoch 1
    it = iter(loader)
    [next(it) for _ in range(3)]                          # 3 batches into epoch 2
    state, rng = loader.state_dict(), pn.random.get_rng_state()
    assert state["epoch"] == 2 and state["batches_taken"] == 3 and state["in_epoch"]
    rest = [pn.to_numpy(yb) for _, yb in it] + [pn.to_numpy(yb) for _, yb in loader]  # + epoch 3

    pn.manual_seed(99)                                    # a fresh process, as it were
    other = DataLoader(_ds(30), batch_size=4, shuffle=True, seed=seed)
    other.load_state_dict(state)
    pn.random.set_rng_state(rng)
    again = [pn.to_numpy(yb) for _, yb in other] + [pn.to_numpy(yb) for _, yb in other]
    assert len(again) == len(rest) == 5 + 8
    for a, b in zip(again, rest):
        np.testing.assert_array_equal(a, b)
    assert other.epoch == 3


def test_state_dict_refuses_another_dataset():
    state = DataLoader(_ds(30), batch_size=4, shuffle=True).state_dict()
    with pytest.raises(ValueError, match="length 30 in the state, 31 here"):
        DataLoader(_ds(31), batch_size=4, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match="without a seed, this one is seeded"):
        DataLoader(_ds(30), batch_size=4, shuffle=True, seed=1).load_state_dict(state)


def test_bad_batch_size_and_mismatched_arrays():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        DataLoader(_ds(4), batch_size=0)
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \(4, 2\), \(5,\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(5))


def test_tensor_dataset_accepts_tensors_of_any_backend(backend):
    x, y = pn.randn(12, 2), pn.randint(0, 3, (12,))
    ds = TensorDataset(x, y)
    np.testing.assert_array_equal(ds.arrays[0], pn.to_numpy(x))
    with pn.use_backend("numpy"):                         # data on the host feed any backend
        xb, yb = next(iter(DataLoader(ds, batch_size=12)))
        assert xb._bk.name == "numpy"
    np.testing.assert_array_equal(pn.to_numpy(yb), pn.to_numpy(y))


class _Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.float32([i]), "y": np.float32(i * i)}


def test_generic_dataset_dicts_and_collate_fn(backend):
    batches = list(DataLoader(_Squares(), batch_size=3))
    assert [b["x"].shape for b in batches] == [(3, 1), (3, 1), (1, 1)]
    np.testing.assert_array_equal(pn.to_numpy(batches[1]["y"]), [9.0, 16.0, 25.0])
    assert batches[0]["y"]._bk is backend
    seen = list(DataLoader(_Squares(), batch_size=4, collate_fn=lambda s: [int(d["y"]) for d in s]))
    assert seen == [[0, 1, 4, 9], [16, 25, 36]]
    xb, yb = pn.data.default_collate([(np.ones(2), 0), (np.zeros(2), 1)])
    np.testing.assert_array_equal(pn.to_numpy(xb), [[1, 1], [0, 0]])
    np.testing.assert_array_equal(pn.to_numpy(yb), [0, 1])


def test_random_split():
    pn.manual_seed(0)
    a, b, c = random_split(_ds(10), [5, 3, 2])
    assert (len(a), len(b), len(c)) == (5, 3, 2) and isinstance(a, Subset)
    ids = np.concatenate([s.indices for s in (a, b, c)])
    assert sorted(ids.tolist()) == list(range(10))
    assert int(b[0][1]) == b.indices[0]                   # sample lookup goes through the indices
    ys = np.concatenate([pn.to_numpy(yb) for _, yb in DataLoader(c, batch_size=8)])
    np.testing.assert_array_equal(ys, c.indices)
    # fractions: floors, remainder to the first subsets (PyTorch's rule)
    assert [len(s) for s in random_split(_ds(10), [0.34, 0.33, 0.33])] == [4, 3, 3]
    pn.manual_seed(0)
    np.testing.assert_array_equal(random_split(_ds(10), [5, 3, 2])[0].indices, a.indices)
    with pytest.raises(ValueError, match=r"lengths \[5, 4\] must be non-negative integers summing to the dataset's length 10"):
        random_split(_ds(10), [5, 4])


@pytest.mark.parametrize("make,shape,classes", [
    (datasets.load_digits, (64,), 10), (datasets.two_spirals, (2,), 2),
    (datasets.moons, (2,), 2), (datasets.mnist1d, (40,), 10)])
def test_datasets_split_host_arrays(make, shape, classes):
    s = make()
    xtr, ytr, xte, yte = s
    assert xtr.shape[1:] == shape == xte.shape[1:] and isinstance(xtr, np.ndarray)
    assert xtr.dtype == np.float32 and ytr.dtype == np.int64
    assert len(xtr) == len(ytr) and len(xte) == len(yte)
    assert abs(len(xte) / (len(xtr) + len(xte)) - 0.2) < 0.01
    assert set(np.unique(ytr)) == set(range(classes)) and np.isfinite(xtr).all()
    np.testing.assert_array_equal(make().x_train, xtr)    # seeded: the same every time
    assert not np.array_equal(make(seed=1).y_train, ytr)
    train_rows = {r.tobytes() for r in xtr}
    assert not any(r.tobytes() in train_rows for r in xte[:50])  # no test row is a train row


def test_digits_values_and_image_shape():
    s = datasets.load_digits(flatten=False)
    assert s.x_train.shape[1:] == (1, 8, 8)
    assert s.x_train.min() == 0.0 and s.x_train.max() == 1.0
    assert len(s.x_train) + len(s.x_test) == 1797
