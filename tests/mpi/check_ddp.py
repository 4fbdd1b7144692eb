"""Run under ``mpiexec -n 2`` by tests/test_distributed.py (backend from PORTANET_BACKEND).

Two processes on half batches must end with the weights one process gets on the full
batch (float64, to rounding), for every way of exchanging gradients; plus the
collectives, broadcasts, model-mismatch detection, local SGD and per-rank dropout.
Prints one ``ok <name>`` line per check (rank 0) and ``ALL OK`` at the end.
"""
import numpy as np

import portanet as pn
import portanet.nn.functional as F
from portanet.distributed import DistributedDataParallel as DDP

pn.distributed.init(timeout=60)
RANK, SIZE = pn.distributed.rank(), pn.distributed.size()
assert SIZE == 2, SIZE
rng = np.random.default_rng(0)
X = rng.standard_normal((16, 5))
Y = rng.integers(0, 3, 16)
HALF = slice(RANK * 8, RANK * 8 + 8)
TINY = 1e-5          # MiB: one bucket per tensor, so several allreduces overlap backward
STEPS = 3


def ok(name):
    if RANK == 0:
        print("ok", name, flush=True)


def build(seed=0, hidden=7):
    pn.manual_seed(seed)
    return pn.nn.Sequential(pn.nn.Linear(5, hidden), pn.nn.Tanh(), pn.nn.Linear(hidden, 3)).double()


def data(sl):
    return pn.tensor(X[sl], dtype="float64"), pn.tensor(Y[sl])


def weights(model):
    return [pn.to_numpy(p).copy() for p in model.parameters()]


def assert_same(a, b, what):
    for i, (u, v) in enumerate(zip(a, b)):
        np.testing.assert_allclose(u, v, rtol=1e-11, atol=1e-13, err_msg=f"{what}: tensor {i}")


def reference(opt_fn, steps=STEPS):
    """One process, full batch of 16."""
    model = build()
    opt = opt_fn(model.parameters())
    x, y = data(slice(None))
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return weights(model)


SGD = lambda ps: pn.optim.SGD(ps, lr=0.3, momentum=0.9)      # noqa: E731
ADAM = lambda ps: pn.optim.Adam(ps, lr=0.05)                 # noqa: E731
REF = {"SGD": reference(SGD), "Adam": reference(ADAM)}

# --- DDP: half batches on two ranks == full batch on one --------------------------------
for opt_name, opt_fn in (("SGD", SGD), ("Adam", ADAM)):
    for overlap in (True, False):
        for cap in (TINY, 25.0):
            model = DDP(build(), bucket_cap_mb=cap, overlap=overlap)
            opt = opt_fn(model.parameters())
            x, y = data(HALF)
            for _ in range(STEPS):
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            assert_same(weights(model), REF[opt_name], f"DDP {opt_name} overlap={overlap} cap={cap}")
            st = model.reducer.stats
            assert len(st.buckets) == len(model.reducer.buckets)
            if overlap and cap == TINY:   # the first bucket started while backward was running
                assert len(model.reducer.buckets) == 4 and st.buckets[0][0] < st.last_ready, st.buckets
            if cap == 25.0:
                assert len(model.reducer.buckets) == 1
            model.reducer.remove()
    ok(f"ddp {opt_name} (overlap on/off, 1 and 4 buckets)")

# --- no_sync: two micro-batches per rank, exchanged once -------------------------------
model = DDP(build(), bucket_cap_mb=TINY)
opt = ADAM(model.parameters())
for _ in range(STEPS):
    opt.zero_grad()
    with model.no_sync():
        x, y = data(slice(RANK * 8, RANK * 8 + 4))
        (F.cross_entropy(model(x), y) * 0.5).backward()
    assert not model.reducer.pending
    x, y = data(slice(RANK * 8 + 4, RANK * 8 + 8))
    (F.cross_entropy(model(x), y) * 0.5).backward()
    opt.step()
assert_same(weights(model), REF["Adam"], "no_sync accumulation")
model.reducer.remove()
ok("no_sync accumulation")

# --- DistributedOptimizer (Horovod style), incl. backward_passes_per_step ---------------
for opt_name, opt_fn in (("SGD", SGD), ("Adam", ADAM)):
    model = build(seed=RANK)                      # different on purpose: broadcast fixes it
    pn.distributed.broadcast_parameters(model, root=0)
    opt = pn.distributed.DistributedOptimizer(opt_fn(model.parameters()),
                                              named_parameters=model.named_parameters(),
                                              bucket_cap_mb=TINY)
    assert isinstance(opt, type(opt_fn([pn.zeros(1, requires_grad=True)])))
    x, y = data(HALF)
    for _ in range(STEPS):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    assert_same(weights(model), REF[opt_name], f"DistributedOptimizer {opt_name}")
    opt.reducer.remove()
model = build()
opt = pn.distributed.DistributedOptimizer(ADAM(model.parameters()), backward_passes_per_step=2)
for _ in range(STEPS):
    opt.zero_grad()
    for k in range(2):
        x, y = data(slice(RANK * 8 + 4 * k, RANK * 8 + 4 * k + 4))
        (F.cross_entropy(model(x), y) * 0.5).backward()
    opt.step()
assert_same(weights(model), REF["Adam"], "backward_passes_per_step=2")
opt.reducer.remove()
ok("DistributedOptimizer SGD, Adam, backward_passes_per_step")

# --- local SGD with k=1 is synchronous averaging (SGD with momentum is linear) ----------
model = build()
opt = pn.distributed.LocalSGD(SGD(model.parameters()), average_every=1)
x, y = data(HALF)
for _ in range(STEPS):
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
assert_same(weights(model), REF["SGD"], "LocalSGD k=1")
assert opt.state_dict()["local_sgd"]["local_step"] == STEPS
model2 = build()
opt2 = pn.distributed.LocalSGD(SGD(model2.parameters()), average_every=2)
for _ in range(STEPS):                              # step 3 is local: replicas differ after it
    opt2.zero_grad()
    F.cross_entropy(model2(x), y).backward()
    opt2.step()
w = pn.distributed.all_gather_object(weights(model2))
assert not np.allclose(w[0][0], w[1][0])
opt2.local_step = 0                                 # restores through LocalSGD's own checks
pn.io.restore_all([("optimizer", opt2, opt.state_dict())], "check_ddp")
assert opt2.local_step == STEPS
ok("local SGD k=1 equals synchronous SGD")

# --- broadcast_parameters, collectives ------------------------------------------------
model = build(seed=10 + RANK)
pn.distributed.broadcast_parameters(model, root=1)
w = pn.distributed.all_gather_object(weights(model))
ref1 = weights(build(seed=11))
for a, b, c in zip(w[0], w[1], ref1):
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
t = pn.tensor([1.0 + RANK, -2.0 * RANK], dtype="float64")
np.testing.assert_allclose(pn.to_numpy(pn.distributed.allreduce(t)), [1.5, -1.0])
np.testing.assert_allclose(pn.to_numpy(pn.distributed.allreduce(t, op="sum")), [3.0, -2.0])
np.testing.assert_allclose(pn.to_numpy(pn.distributed.allreduce(t, op="max")), [2.0, 0.0])
parts = pn.distributed.all_gather(pn.arange(RANK + 2))
assert [pn.to_numpy(p).tolist() for p in parts] == [[0, 1], [0, 1, 2]]
assert pn.distributed.broadcast_object({"rank": RANK}, root=1) == {"rank": 1}
pn.distributed.barrier()
for bad, msg in ((lambda: pn.distributed.allreduce(t, op="min"), "op must be one of"),
                 (lambda: pn.distributed.allreduce(pn.arange(3)), "op='mean' needs a floating tensor"),
                 (lambda: pn.distributed.broadcast_object(1, root=2), "root must be a rank in \\[0, 1\\]")):
    try:
        bad()
    except (ValueError, TypeError) as e:
        import re
        assert re.search(msg, str(e)), str(e)
    else:
        raise AssertionError(msg)
ok("broadcast_parameters, allreduce, all_gather, broadcast_object, barrier")

# --- a model that differs between ranks is refused on every rank, naming both shapes ----
try:
    DDP(build(hidden=7 + RANK))
except ValueError as e:
    assert "'0.weight' has shape (7, 5) on rank 0 but '0.weight' has shape (8, 5) on rank 1" in str(e), str(e)
else:
    raise AssertionError("a mismatched model was accepted")
ok("mismatched model detected")

# --- unused parameters --------------------------------------------------------------


class TwoHeads(pn.nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.a, self.b = pn.nn.Linear(5, 4), pn.nn.Linear(4, 3), pn.nn.Linear(4, 3)

    def forward(self, x):
        return self.a(self.body(x).tanh())


pn.manual_seed(0)
model = DDP(TwoHeads().double(), bucket_cap_mb=TINY, find_unused_parameters=True)
x, y = data(HALF)
F.cross_entropy(model(x), y).backward()
assert model.module.b.weight.grad is None and model.module.a.weight.grad is not None
F.cross_entropy(model(x), y).backward()             # the next step works
model.reducer.remove()
pn.manual_seed(0)
model = DDP(TwoHeads().double(), bucket_cap_mb=TINY)
F.cross_entropy(model(x), y).backward()
try:
    model(x)
except RuntimeError as e:
    assert "2 parameter(s) received no gradient (b.weight, b.bias)" in str(e), str(e)
    assert "find_unused_parameters=True" in str(e)
else:
    raise AssertionError("unused parameters went unnoticed")
ok("unused parameters")

# --- dropout: same initialization, different masks per rank, reproducible ----------------
pn.manual_seed(5)
w_init = weights(build(seed=5))
mask = pn.to_numpy(pn.nn.Dropout(0.5)(pn.ones(64, dtype="float64")))
pn.manual_seed(5)
build(seed=5)
again = pn.to_numpy(pn.nn.Dropout(0.5)(pn.ones(64, dtype="float64")))
np.testing.assert_array_equal(mask, again)
allw = pn.distributed.all_gather_object(w_init)
allm = pn.distributed.all_gather_object(mask)
for a, b in zip(*allw):
    np.testing.assert_array_equal(a, b)
assert not np.array_equal(allm[0], allm[1])
if RANK == 0:                                        # rank 0's masks are a single process's
    g = pn.random.Generator(5)
    g.offset = pn.random.default_generator.offset - 64
    single = pn.to_numpy(pn.tensor(pn.random.bernoulli((64,), 0.5, generator=g)))
    np.testing.assert_array_equal(mask != 0, single)
ok("same initialization, per-rank dropout masks")

# --- fit given arrays under MPI: each rank trains on its own half (a DistributedSampler) ----
seen = []
model = DDP(build())
h = pn.train.fit(model, F.cross_entropy, SGD(model.parameters()), (X, Y), 2, batch_size=4, progress=False,
                 callbacks=[pn.train.LambdaCallback(on_batch_end=lambda t, b, logs: seen.append(
                     (t.loader.sampler.epoch, tuple(t.loader.sampler.indices().tolist()))))])
assert len(seen) == 2 * 2                           # 8 samples per rank, batches of 4, 2 epochs
everyone = pn.distributed.all_gather_object((h.history, sorted(set(seen))))
assert everyone[0][0] == everyone[1][0]
for (e0, i0), (e1, i1) in zip(everyone[0][1], everyone[1][1]):
    assert e0 == e1 and not set(i0) & set(i1) and set(i0) | set(i1) == set(range(16))
model.reducer.remove()
ok("fit on arrays shards them")

if RANK == 0:
    print("ALL OK", flush=True)
