"""pn.distributed without MPI running: errors raised before any collective (each message
checked), bucket assignment, flat buffers and host staging on every backend, the graph
walk of find_unused_parameters, the model comparison, and ``import portanet`` without
mpi4py.  Nothing here initializes MPI in the test process."""
import os
import subprocess
import sys

import numpy as np
import pytest

import portanet as pn
from portanet.distributed import buckets, comm, flat
from portanet.distributed.ddp import reachable_leaves
from portanet.distributed.optimizer import DistributedOptimizer, wrap_optimizer
from portanet.distributed.staging import stage_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.skipif(comm.is_initialized(), reason="these check the uninitialized state")


def test_import_portanet_needs_no_mpi4py():
    code = "import sys, portanet as pn; assert 'mpi4py' not in sys.modules; print(pn.distributed.is_initialized())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": ROOT},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_calls_before_init_say_to_call_init():
    for fn in (pn.distributed.rank, pn.distributed.size, pn.distributed.barrier):
        with pytest.raises(RuntimeError, match=r"has not been initialized: call pn.distributed.init\(\) first"):
            fn()
    with pytest.raises(RuntimeError, match="call pn.distributed.init"):
        pn.distributed.DistributedDataParallel(pn.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="call pn.distributed.init"):
        pn.distributed.allreduce(pn.ones(2))
    assert "mpi4py.MPI" not in sys.modules or not comm.is_initialized()


def test_argument_errors_name_the_argument():
    with pytest.raises(ValueError, match="allreduce: op must be one of 'mean', 'sum', 'max', got 'min'"):
        pn.distributed.allreduce(pn.ones(2), op="min")
    with pytest.raises(TypeError, match="allreduce: tensor must be a portanet Tensor, got ndarray"):
        pn.distributed.allreduce(np.ones(2))
    with pytest.raises(TypeError, match="all_gather: tensor must be a portanet Tensor, got list"):
        pn.distributed.all_gather([1.0])
    with pytest.raises(ValueError, match="init: timeout must be positive seconds, got 0"):
        pn.distributed.init(timeout=0)
    with pytest.raises(TypeError, match="DistributedDataParallel: module must be a portanet Module, got function"):
        pn.distributed.DistributedDataParallel(lambda x: x)
    with pytest.raises(TypeError, match="DistributedOptimizer: optimizer must be a portanet Optimizer, got str"):
        pn.distributed.DistributedOptimizer("sgd")
    opt = pn.optim.SGD(pn.nn.Linear(2, 2).parameters(), lr=0.1)
    wrapped = wrap_optimizer(DistributedOptimizer, opt, "DistributedOptimizer")
    assert isinstance(wrapped, pn.optim.SGD) and wrapped.param_groups is opt.param_groups
    with pytest.raises(TypeError, match="the optimizer is already wrapped by DistributedOptimizer"):
        wrap_optimizer(DistributedOptimizer, wrapped, "DistributedOptimizer")
    for bad, msg in ((dict(average_every=0), "average_every must be an integer >= 1, got 0"),
                     (dict(average_every=2, warmup_steps=-1), "warmup_steps must be an integer >= 0, got -1")):
        with pytest.raises(ValueError, match=msg):
            pn.distributed.LocalSGD(pn.optim.SGD(pn.nn.Linear(2, 2).parameters(), lr=0.1), **bad)
    ps = list(pn.nn.Linear(2, 2).parameters())
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        buckets.Reducer(ps, bucket_cap_mb=0)
    with pytest.raises(ValueError, match="backward_passes_per_step must be a positive integer, got 0"):
        buckets.Reducer(ps, passes=0, who="DistributedOptimizer")
    with pytest.raises(TypeError, match="broadcast_parameters: expected Tensors, got int at 'a'"):
        flat.named_tensors({"a": 1}, "broadcast_parameters")


def test_buckets_reverse_order_first_bucket_at_one_mib_and_by_dtype():
    mlp = pn.nn.Sequential(pn.nn.Linear(784, 512), pn.nn.ReLU(), pn.nn.Linear(512, 256), pn.nn.ReLU(),
                           pn.nn.Linear(256, 10))
    ps = list(mlp.parameters())
    one = buckets.assign_buckets(ps[::-1], 25.0)          # 2.1 MB: the first bucket takes all
    assert [len(b.params) for b in one] == [6] and one[0].params[0] is ps[-1]
    two = buckets.assign_buckets(ps[::-1], 0.5)            # closes after layer 2's weight (535 kB)
    where = {id(p): i for i, p in enumerate(ps)}
    assert [[where[id(p)] for p in b.params] for b in two] == [[5, 4, 3, 2], [1, 0]]
    assert [b.numel for b in two] == [10 + 2560 + 256 + 131072, 512 + 401408]
    small = buckets.assign_buckets(ps[::-1], 1e-6)         # one tensor per bucket
    assert len(small) == 6
    mixed = [pn.zeros(4, requires_grad=True), pn.zeros(4, dtype="float64", requires_grad=True),
             pn.zeros(4, requires_grad=True)]
    got = buckets.assign_buckets(mixed, 25.0)
    assert sorted(len(b.params) for b in got) == [1, 2]    # float32 together, float64 apart
    assert {pn.backend.dtype_name(b.params[0].dtype) for b in got} == {"float32", "float64"}


def test_flat_buffers_and_host_staging_round_trip(backend, xp):
    tensors = [pn.randn(3, 4), pn.randn(5), pn.randn(2, 1, 2)]
    arrays = [t.array for t in tensors]
    f = flat.flatten(arrays, xp)
    assert f.shape == (12 + 5 + 4,)
    stage = stage_for(f, backend)
    host = stage.to_host(f)
    assert isinstance(host, np.ndarray) and host.flags.c_contiguous
    back = stage.from_host(stage.recv_buffer(host) * 0 + host * 2)
    parts = flat.unflatten(back, [t.shape for t in tensors], [0, 12, 17], xp)
    for a, b in zip(parts, arrays):
        np.testing.assert_array_equal(pn.to_numpy(a), 2 * pn.to_numpy(b))
    group = flat.FlatGroup(tensors)
    before = [t._version for t in tensors]
    group.write_arrays(group.to_host() + 1, "a test")
    for t, a, v in zip(tensors, arrays, before):
        np.testing.assert_array_equal(pn.to_numpy(t), pn.to_numpy(a) + 1)
        assert t._version > v                              # a write: versions stamped


def test_reachable_leaves_finds_the_parameters_a_loss_uses():
    a, b, unused = pn.nn.Linear(3, 2), pn.nn.Linear(2, 1), pn.nn.Linear(2, 1)
    out = b(a(pn.randn(4, 3)).tanh())
    got = reachable_leaves({"y": (out, [pn.ones(1)])})
    assert got == {id(p) for p in list(a.parameters()) + list(b.parameters())}
    assert not got & {id(p) for p in unused.parameters()}
    w = pn.zeros(2, requires_grad=True)
    assert reachable_leaves(w) == {id(w)}


def test_model_comparison_names_both_shapes(monkeypatch):
    def fake(shapes_of_rank1):
        monkeypatch.setattr(comm, "all_gather_object", lambda mine: [mine, shapes_of_rank1])
    model = pn.nn.Sequential(pn.nn.Linear(3, 4), pn.nn.Linear(4, 2))
    named = list(model.named_parameters())
    mine = [(n, t.shape, "float32") for n, t in named]
    fake(mine)
    flat.check_same_structure(named, "DistributedDataParallel")          # equal: no error
    fake(mine[:2] + [("1.weight", (5, 4), "float32")] + mine[3:])
    with pytest.raises(ValueError, match=r"'1.weight' has shape \(2, 4\) on rank 0 but '1.weight' has "
                       r"shape \(5, 4\) on rank 1 \(tensor 2\)"):
        flat.check_same_structure(named, "DistributedDataParallel")
    fake(mine[:2] + [("1.weight", (2, 4), "float64")] + mine[3:])
    with pytest.raises(ValueError, match="'1.weight' is float32 on rank 0 but '1.weight' is float64 on rank 1"):
        flat.check_same_structure(named, "DistributedDataParallel")
    fake(mine[:3])
    with pytest.raises(ValueError, match=r"rank 0 has 4 tensors, rank 1 has 3 \(the first unmatched is "
                       r"'1.bias' of shape \(2,\)\)"):
        flat.check_same_structure(named, "DistributedDataParallel")
