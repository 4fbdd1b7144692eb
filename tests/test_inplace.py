"""In-place helpers (``portanet.backend.inplace``): in place where the array allows it,
functional where it does not (read-only NumPy views here; JAX arrays always)."""
import numpy as np

import portanet as pn
from portanet.backend.inplace import add_at, copy_of, iadd, imul, iset, set_at


def test_set_at_and_add_at_give_the_values_on_every_backend(backend, xp):
    a = backend.asarray(np.zeros((3, 4)), "float64")
    a = set_at(xp, a, (slice(1, 3), slice(None)), 2.0)
    a = add_at(xp, a, (slice(None), slice(0, 4, 2)), backend.asarray(np.ones((3, 2)), "float64"))
    want = np.zeros((3, 4))
    want[1:3] = 2.0
    want[:, 0:4:2] += 1.0
    np.testing.assert_array_equal(pn.to_numpy(a), want)


def test_writeable_arrays_are_updated_in_place():
    a = np.zeros(4)
    assert set_at(np, a, (slice(0, 2),), 1.0) is a and a.tolist() == [1, 1, 0, 0]
    assert add_at(np, a, (slice(1, 3),), 1.0) is a and a.tolist() == [1, 2, 1, 0]
    assert iadd(a, 1.0) is a and imul(a, 2.0) is a and a.tolist() == [4, 6, 4, 2]
    assert iset(a, np.ones(4)) is a and a.tolist() == [1, 1, 1, 1]
    assert copy_of(np, a) is not a


def test_read_only_arrays_are_left_alone():
    a = np.zeros(4)
    a.flags.writeable = False
    b = set_at(np, a, (slice(0, 2),), 1.0)
    c = add_at(np, a, (slice(1, 3),), 1.0)
    d = iadd(a, 1.0)
    e = iset(a, np.ones(4))
    assert a.tolist() == [0, 0, 0, 0]
    assert b.tolist() == [1, 1, 0, 0] and c.tolist() == [0, 1, 1, 0]
    assert d.tolist() == [1, 1, 1, 1] and e.tolist() == [1, 1, 1, 1]
    assert copy_of(np, a) is a  # nothing can write into it: no copy needed


def test_embedding_padding_row_is_written_through_the_tensor(backend):
    emb = pn.nn.Embedding(5, 3, padding_idx=2)
    before = emb.weight._version
    emb.reset_parameters()
    assert emb.weight._version > before  # the write is stamped, as every in-place change
    np.testing.assert_array_equal(pn.to_numpy(emb.weight)[2], [0.0, 0.0, 0.0])
