"""Run under ``mpiexec -n 2`` by tests/test_distributed.py: rank 1 fails in the middle of
training, rank 0 goes on into the next gradient exchange.  The job must end non-zero
within seconds, never hang.  Mode ``raise``: an exception (the hook aborts at once);
mode ``exit``: ``sys.exit(3)``, which no hook sees (rank 0's bounded wait aborts)."""
import sys

import numpy as np

import portanet as pn
import portanet.nn.functional as F

mode = sys.argv[1]
pn.distributed.init(timeout=3)
rank = pn.distributed.rank()
pn.manual_seed(0)
model = pn.distributed.DistributedDataParallel(pn.nn.Linear(4, 2))
opt = pn.optim.SGD(model.parameters(), lr=0.1)
x = pn.tensor(np.ones((8, 4), np.float32))
y = pn.tensor(np.zeros(8, np.int64))
for step in range(1000):
    if rank == 1 and step == 2:
        if mode == "raise":
            raise ValueError("rank 1 failed on purpose")
        sys.exit(3)
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
print("rank", rank, "finished: the failure went unnoticed", flush=True)
