"""The flagship: an MLP on scikit-learn's bundled 8x8 handwritten digits, trained with
``pn.train.fit`` (no download, well under a minute on NumPy).

64 pixels -> 128 -> 64 -> 10 classes with ReLU, Adam on shuffled mini-batches of 32, a
10% validation split for the curves and the best model, then the held-out test set
(about 97% accuracy).  Writes into ``--out`` (default ``runs/``):

    train_digits.png                  loss and accuracy per epoch (train and validation)
    train_digits_best.safetensors     the weights of the best validation epoch (pn.load)
    train_digits_last.safetensors     the full training state after the last epoch

and continues a run from the last file with ``--resume``:

    python examples/train_digits.py                        # NumPy, 30 epochs
    PORTANET_BACKEND=torch python examples/train_digits.py
    python examples/train_digits.py --backend array_api_strict --epochs 10
    python examples/train_digits.py --epochs 40 --resume runs/train_digits_last.safetensors
    mpiexec -n 2 python examples/train_digits.py --distributed   # data-parallel, 2 processes

With ``--distributed`` (needs ``pip install 'portanet[mpi]'``) each process trains a
replica on its half of every epoch (``DistributedSampler``), gradients are averaged
during backward (``DistributedDataParallel``), and rank 0 prints and writes the files.
``--batch-size`` is per process, so 2 processes take global batches of 64; a
checkpoint resumes on any number of processes that keeps that global batch.

A resumed run restores the weights, Adam's moments, the learning-rate schedule, the
loader's shuffling stream and the history, so it ends exactly where an uninterrupted
40-epoch run would (on the same backend).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys

import portanet as pn
import portanet.nn.functional as F


def build_model() -> pn.nn.Module:
    nn = pn.nn
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description="Train an MLP on the bundled 8x8 digits with pn.train.fit.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"),
                    help="numpy, torch, cupy, array_api_strict (default: $PORTANET_BACKEND or numpy)")
    ap.add_argument("--epochs", type=int, default=30, help="train until this epoch (counting resumed ones)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs", help="folder for the plot and the checkpoints")
    ap.add_argument("--resume", default=None, metavar="CHECKPOINT",
                    help="continue from a full checkpoint, e.g. runs/train_digits_last.safetensors")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--distributed", action="store_true",
                    help="data-parallel over MPI: start with mpiexec -n N (batch size is per process)")
    args = ap.parse_args(argv)

    pn.set_backend(args.backend)
    main_rank = True
    if args.distributed:
        pn.distributed.init()
        main_rank = pn.distributed.rank() == 0
    say = print if main_rank else (lambda *a, **k: None)
    pn.manual_seed(args.seed)                 # the same split and initialization on every rank
    xtr, ytr, xte, yte = pn.data.datasets.load_digits(seed=args.seed)
    train_set, val_set = pn.data.random_split(pn.data.TensorDataset(xtr, ytr), [0.9, 0.1])
    model = build_model()
    if args.distributed:
        sampler = pn.data.DistributedSampler(train_set, shuffle=True, seed=args.seed)
        loader = pn.data.DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)
        model = pn.distributed.DistributedDataParallel(model)
    else:
        loader = pn.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    opt = pn.optim.Adam(model.parameters(), lr=args.lr)
    sched = pn.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    callbacks = [
        pn.train.ModelCheckpoint(out / "train_digits_best.safetensors", monitor="val_accuracy",
                                 save_best_only=True, save_weights_only=True),
        pn.train.ModelCheckpoint(out / "train_digits_last.safetensors"),
    ]
    if not sys.stderr.isatty() or args.no_progress:   # no bar in logs: one line per epoch instead
        callbacks.append(pn.train.LambdaCallback(on_epoch_end=lambda t, epoch, logs: say(
            f"epoch {epoch:2d}/{args.epochs}  loss {logs['loss']:.4f}  acc {logs['accuracy']:.4f}  "
            f"val_loss {logs['val_loss']:.4f}  val_acc {logs['val_accuracy']:.4f}", flush=True)))
    n_params = sum(p.numel() for p in model.parameters())
    say(f"backend {pn.get_backend().name}: {len(train_set)} train / {len(val_set)} validation / "
        f"{len(yte)} test digits, {n_params} parameters"
        + (f", {pn.distributed.size()} processes" if args.distributed else "")
        + (f", resuming from {args.resume}" if args.resume else ""))

    history = pn.train.fit(model, F.cross_entropy, opt, loader, args.epochs, val_data=val_set,
                           scheduler=sched, callbacks=callbacks, progress=not args.no_progress,
                           resume=args.resume)
    test = pn.train.evaluate(model, F.cross_entropy, (xte, yte))   # every rank: the same weights
    if main_rank:
        plot = history.plot(out / "train_digits.png", title=f"MLP on 8x8 digits ({pn.get_backend().name})")
        say(f"test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) after {len(history)} epochs")
        say(f"wrote {plot}, {out / 'train_digits_best.safetensors'} (best weights) and "
            f"{out / 'train_digits_last.safetensors'} (resume with --resume)")
    return test["accuracy"]


if __name__ == "__main__":
    main()
