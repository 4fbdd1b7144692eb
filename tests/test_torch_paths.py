"""PyTorch's module paths and the small idioms the ported scripts need (issue 11 item 9)."""
import numpy as np
import pytest

import portanet as pn


def test_utils_data_is_the_data_module():
    from portanet.utils.data import (DataLoader, Dataset, DistributedSampler, Subset, TensorDataset,
                                     default_collate, get_worker_info, random_split)
    from portanet.utils.data.distributed import DistributedSampler as DS2
    assert DataLoader is pn.data.DataLoader and Dataset is pn.data.Dataset
    assert TensorDataset is pn.data.TensorDataset and Subset is pn.data.Subset
    assert random_split is pn.data.random_split and default_collate is pn.data.default_collate
    assert DistributedSampler is DS2 is pn.data.DistributedSampler
    assert get_worker_info() is None
    assert pn.utils.data.DataLoader is DataLoader     # `import portanet as torch; torch.utils.data...`


def test_bool_sum_counts(backend):
    """``(predicted == labels).sum().item()``: a bool tensor sums to an int64 count."""
    x, y = pn.tensor([1, 2, 3, 4]), pn.tensor([1, 0, 3, 0])
    s = (x == y).sum()
    assert s.item() == 2 and pn.backend.dtype_name(s.dtype) == "int64"
    m = (pn.tensor([[1.0, -1.0], [2.0, 3.0]]) > 0).sum(dim=1)
    assert m.tolist() == [1, 2]


def test_load_accepts_torch_arguments(tmp_path, backend):
    net = pn.nn.Linear(3, 2)
    path = tmp_path / "net.pth"
    pn.save(net.state_dict(), path)
    other = pn.nn.Linear(3, 2)
    other.load_state_dict(pn.load(path, weights_only=True))
    other.load_state_dict(pn.load(path, map_location="cpu"))
    np.testing.assert_array_equal(pn.to_numpy(other.weight), pn.to_numpy(net.weight))


def test_collate_tensor_samples(backend):
    """Datasets that return Tensors (``transform=torch.tensor``) collate like arrays."""
    class Ds(pn.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return pn.tensor([float(i), 2.0 * i]), i

    xb, yb = next(iter(pn.utils.data.DataLoader(Ds(), batch_size=3)))
    assert xb.backend is backend and xb.shape == (3, 2) and yb.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(pn.to_numpy(xb), [[0, 0], [1, 2], [2, 4]])
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        pn.utils.data.DataLoader(Ds(), batch_size=0)
