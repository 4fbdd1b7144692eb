"""``pn.train.fit`` under MPI, run by tests/test_distributed.py (with or without mpiexec).

    python check_fit.py train OUT       # 2 epochs, a full checkpoint after each
    python check_fit.py resume OUT CKPT # continue CKPT until epoch 2
    python check_fit.py mismatch OUT CKPT BATCH  # resume with another global batch: refused
    python check_fit.py nan OUT         # rank 1's loss turns NaN in epoch 2: every rank stops

The global batch is 16 whatever the number of ranks (16 / ranks per rank), so one rank
and two ranks see the same global batches; rank 0 writes ``OUT/result.npz`` (history
and weights) and prints what it checked.
"""
import io as _io
import os
import sys

import numpy as np

import portanet as pn
import portanet.nn.functional as F

mode, out = sys.argv[1], sys.argv[2]
pn.distributed.init(timeout=60)
RANK, SIZE = pn.distributed.rank(), pn.distributed.size()
data = pn.data.datasets.moons(n=80, noise=0.2, seed=0)           # 64 train / 16 validation
batch = int(sys.argv[4]) if mode == "mismatch" else 16 // SIZE

saves = []
for name in ("save", "save_checkpoint"):                          # count the writes of this rank
    real = getattr(pn.io, name)
    setattr(pn.io, name, lambda *a, _real=real, _n=name, **k: (saves.append(_n), _real(*a, **k))[1])


class TTY(_io.StringIO):
    def isatty(self):
        return True


pn.manual_seed(0)
model = pn.nn.Sequential(pn.nn.Linear(2, 16), pn.nn.Tanh(), pn.nn.Linear(16, 2)).double()
model = pn.distributed.DistributedDataParallel(model)
opt = pn.optim.Adam(model.parameters(), lr=0.05)
train_set = pn.data.TensorDataset(data.x_train.astype(np.float64), data.y_train)
sampler = pn.data.DistributedSampler(train_set, shuffle=True, seed=3)
loader = pn.data.DataLoader(train_set, batch_size=batch, sampler=sampler)
callbacks = [pn.train.EarlyStopping(monitor="val_loss", patience=10),
             pn.train.ModelCheckpoint(os.path.join(out, "ep{epoch}.safetensors"))]
resume = sys.argv[3] if mode in ("resume", "mismatch") else None
loss_fn = F.cross_entropy
if mode == "nan":
    calls = [0]                      # log_every=1: a report (a read of rank 0 alone) every step

    def loss_fn(out, target):        # NaN on rank 1 only, at epoch 2 step 2: call 7 (an epoch is
        calls[0] += 1                # 4 training steps and 1 validation batch)
        value = F.cross_entropy(out, target)
        return value * float("nan") if RANK == 1 and calls[0] == 7 else value
fake = TTY()
real_stderr, sys.stderr = sys.stderr, fake
try:
    history = pn.train.fit(model, loss_fn, opt, loader, 2, callbacks=callbacks, resume=resume,
                           val_data=(data.x_test.astype(np.float64), data.y_test), progress=True,
                           log_every=1 if mode == "nan" else 50)
except pn.train.NonFiniteError as e:
    sys.stderr = real_stderr
    assert mode == "nan", e
    stops = pn.distributed.all_gather_object((e.epoch, e.step, e.history.epoch))
    assert saves == (["save_checkpoint"] if RANK == 0 else []), saves    # epoch 1's only
    assert sorted(os.listdir(out)) == ["ep1.safetensors"], os.listdir(out)
    if RANK == 0:
        print(f"stopped: {stops}", flush=True)
    sys.exit(0)
except ValueError as e:
    sys.stderr = real_stderr
    if mode != "mismatch":
        raise
    if RANK == 0:
        print("refused:", e, flush=True)
    sys.exit(0)
sys.stderr = real_stderr
assert mode not in ("mismatch", "nan"), f"{mode}: fit did not refuse"

everyone = pn.distributed.all_gather_object((history.history, fake.getvalue(), saves))
for h, _, _ in everyone:
    assert h == everyone[0][0], "ranks disagree on the logs"
assert "epoch 2/2" in everyone[0][1] and "sample/s" in everyone[0][1], everyone[0][1]
for r, (_, bar, written) in enumerate(everyone[1:], 1):
    assert bar.strip("\x00") == "", f"rank {r} drew a progress bar"
    assert written == [], f"rank {r} wrote {written}"
if RANK == 0:
    assert saves.count("save_checkpoint") == 2 - (resume is not None), saves
    np.savez(os.path.join(out, "result.npz"), **{f"h_{k}": np.array(v) for k, v in history.history.items()},
             **{f"w_{k}": pn.to_numpy(v) for k, v in model.module.state_dict().items()})
    print(f"ok fit on {SIZE} rank(s): {history}", flush=True)
