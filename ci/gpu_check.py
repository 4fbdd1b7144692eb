"""The GPU half of ``ci/gpu_check.sh``: host syncs per training step and step timings.

``python ci/gpu_check.py syncs`` runs one training step of every layer kind with every
optimizer, ``clip_grad_norm_`` and every LR scheduler but ``ReduceLROnPlateau``:

* on CuPy under ``cupyx.allow_synchronize(False)`` (or, where a CuPy release lacks it,
  a CUDA stream capture): a device-to-host read (``float(x)``, ``bool(x)``, ``.get()``,
  a synchronize) raises, so a step that completes read nothing back; one that does not
  names the first place (portanet's line) that synchronized;
* on portanet's torch backend on ``cuda`` and on PyTorch eager itself (the reference),
  with ``torch.cuda.set_sync_debug_mode("warn")``, which warns once per synchronizing
  call: the count of syncs per step.

``python ci/gpu_check.py bench`` times an MLP, a CNN and an LSTM step on portanet/cupy,
portanet/torch:cuda and PyTorch CUDA eager, in one process, interleaved in rounds; each
sample is ``n`` steps followed by one device synchronize (so queued work is counted).

Both exit 0 with "no GPU" where CUDA does not answer.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import traceback
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# --------------------------------------------------------------------------- models


def _mlp(nn, sizes=(784, 512, 256, 10)):
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def _cnn(nn, norm=False, dropout=False):
    mods = [nn.Conv2d(1, 8, 3, padding=1)]
    mods += [nn.BatchNorm2d(8)] if norm else []
    mods += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
             nn.Flatten()]
    mods += [nn.Dropout(0.25)] if dropout else []
    mods += [nn.Linear(16 * 7 * 7, 10)]
    return nn.Sequential(*mods)


class _Seq:
    """Embedding -> 2-layer LSTM -> Linear on the last step (written for both libraries)."""

    def __init__(self, nn, cell="LSTM", vocab=64, emb=32, hidden=128):
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = getattr(nn, cell)(emb, hidden, num_layers=2)
        self.head = nn.Linear(hidden, 10)

    def parameters(self):
        for m in (self.emb, self.rnn, self.head):
            yield from m.parameters()

    def to(self, device):
        for m in (self.emb, self.rnn, self.head):
            m.to(device)
        return self

    def __call__(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.head(out[-1])


def _data(kind, rng):
    if kind.startswith("mlp"):
        return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    if kind.startswith("cnn"):
        return rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    return rng.integers(0, 64, (50, 32)), rng.integers(0, 10, 32)


def _model(lib_nn, kind):
    return {"mlp": lambda: _mlp(lib_nn), "cnn": lambda: _cnn(lib_nn),
            "cnn-bn-dropout": lambda: _cnn(lib_nn, norm=True, dropout=True),
            "lstm": lambda: _Seq(lib_nn, "LSTM"), "gru": lambda: _Seq(lib_nn, "GRU"),
            "rnn": lambda: _Seq(lib_nn, "RNN")}[kind]()


OPTIMIZERS = {
    "SGD": dict(lr=0.01), "SGD-momentum-nesterov": dict(lr=0.01, momentum=0.9, nesterov=True),
    "Adagrad": dict(lr=0.01), "Adadelta": dict(), "RMSprop": dict(lr=0.001),
    "Adam": dict(lr=0.001), "Adam-amsgrad": dict(lr=0.001, amsgrad=True), "AdamW": dict(lr=0.001),
    "Adamax": dict(lr=0.002), "NAdam": dict(lr=0.002), "RAdam": dict(lr=0.001),
}
SCHEDULERS = {
    "StepLR": dict(step_size=5), "MultiStepLR": dict(milestones=[3, 6]), "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=10), "LinearLR": dict(), "OneCycleLR": dict(max_lr=0.01, total_steps=100),
}


def _optimizer(optim_mod, name, params):
    cls = getattr(optim_mod, name.split("-")[0])
    return cls(params, **OPTIMIZERS[name])


def make_step(lib, kind, opt_name="Adam", sched=None, clip=True, seed=0, torch_device="cuda"):
    """``(step, sync)`` for library ``lib`` in ``portanet/cupy``, ``portanet/torch:cuda``,
    ``portanet/numpy``, ``pytorch``; ``step()`` is one whole training step on data already
    on the device."""
    x, y = _data(kind, np.random.default_rng(seed))
    if lib == "pytorch":
        import torch
        torch.manual_seed(seed)
        model = _model(torch.nn, kind)
        model = model.to(torch_device)
        xd = torch.as_tensor(x, device=torch_device)
        yd = torch.as_tensor(y, device=torch_device)
        nn, F, optim = torch.nn, torch.nn.functional, torch.optim
        sync = torch.cuda.synchronize if torch_device == "cuda" else (lambda: None)
    else:
        import portanet as pn
        name, _, device = lib.split("/")[1].partition(":")
        pn.set_backend(name, device or None)
        pn.manual_seed(seed)
        model = _model(pn.nn, kind)
        xd, yd = pn.tensor(x), pn.tensor(y)
        nn, F, optim = pn.nn, pn.nn.functional, pn.optim
        if name == "cupy":
            import cupy
            sync = cupy.cuda.get_current_stream().synchronize
        elif device.startswith("cuda"):
            import torch
            sync = torch.cuda.synchronize
        else:
            sync = lambda: None  # noqa: E731  (CPU: nothing queued)
    if hasattr(model, "train"):
        model.train()
    opt = _optimizer(optim, opt_name, list(model.parameters()))
    scheduler = None
    if sched is not None:
        scheduler = getattr(optim.lr_scheduler, sched)(opt, **SCHEDULERS[sched])
    params = list(model.parameters())

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xd), yd)
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        return loss

    return step, sync


# --------------------------------------------------------------------------- syncs


def _portanet_site(stack) -> str:
    """The innermost frame of portanet's own code in a stack, as ``file:line function``."""
    frames = [f for f in stack if "/portanet/" in f.filename and "/ci/" not in f.filename]
    if not frames:
        return "outside portanet"
    f = frames[-1]
    return f"{f.filename.split('/portanet/')[-1]}:{f.lineno} {f.name}"


def cupy_syncs(step, sync) -> str:
    """'0' when a step reads nothing back from the device, else where it first did.

    ``cupyx.allow_synchronize(False)`` makes CuPy raise at any synchronizing call where it
    exists (deprecated since CuPy 10, still present in some releases); otherwise a CUDA
    stream capture, which refuses device-to-host reads (but also cuBLAS calls, which
    CuPy does not support under capture: a refusal naming cuBLAS is not a sync)."""
    import cupy
    import cupyx
    step()
    step()   # warm: kernels compiled, memory pool populated, lazy state created
    sync()
    guard = getattr(cupyx, "allow_synchronize", None)
    err = None
    if guard is not None:
        try:
            with guard(False):
                step()
        except Exception as e:  # noqa: BLE001  (the refusal names the sync)
            err = e
        how = "allow_synchronize"
    else:
        stream = cupy.cuda.Stream(non_blocking=True)
        with stream:
            stream.begin_capture()
            try:
                step()
            except Exception as e:  # noqa: BLE001
                err = e
            finally:
                try:
                    stream.end_capture()
                except Exception as e:  # noqa: BLE001
                    err = err or e
        how = "capture"
    cupy.cuda.Device().synchronize()
    if err is None:
        return f"0 ({how})"
    return (f"sync at {_portanet_site(traceback.extract_tb(err.__traceback__))} ({how}: "
            f"{type(err).__name__}: {str(err)[:70]})")


def torch_syncs(step, sync, steps=3) -> str:
    """Synchronizing calls per step as ``torch.cuda.set_sync_debug_mode`` reports them,
    with the portanet line of each distinct one."""
    import torch
    step()
    step()
    sync()
    sites = []

    def record(message, category, filename, lineno, file=None, line=None):
        if "synchroniz" in str(message).lower():
            sites.append(_portanet_site(traceback.extract_stack()[:-1]))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = record
        torch.cuda.set_sync_debug_mode("warn")
        try:
            for _ in range(steps):
                step()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    counts = {}
    for site in sites:
        counts[site] = counts.get(site, 0) + 1
    where = "; ".join(f"{n // steps if n % steps == 0 else n / steps:g}x {site}" for site, n in counts.items())
    return f"{len(sites) / steps:g}" + (f" ({where})" if where else "")


def syncs() -> None:
    cases = [(k, "Adam", None) for k in ("mlp", "cnn", "cnn-bn-dropout", "lstm", "gru", "rnn")]
    cases += [("mlp", o, None) for o in OPTIMIZERS]
    cases += [("mlp", "SGD", s) for s in SCHEDULERS]
    print("host syncs in one training step (forward, cross_entropy, backward, clip_grad_norm_, "
          "optimizer step, scheduler step)")
    for kind, opt, sched in cases:
        label = f"{kind} {opt}" + (f" {sched}" if sched else "")
        cols = []
        for lib, probe in (("portanet/cupy", cupy_syncs), ("portanet/torch:cuda", torch_syncs),
                           ("pytorch", torch_syncs)):
            try:
                cols.append(probe(*make_step(lib, kind, opt, sched)))
            except Exception as e:  # noqa: BLE001  (report and go on)
                site = _portanet_site(traceback.extract_tb(e.__traceback__))
                cols.append(f"ERROR {type(e).__name__}: {str(e)[:100]} @ {site}")
        print(f"{label}\n    portanet/cupy:       {cols[0]}\n    portanet/torch:cuda: {cols[1]}\n"
              f"    pytorch eager:       {cols[2]}", flush=True)


# --------------------------------------------------------------------------- bench


def _generic(step_sync):
    """The same step with every fast path off (CuPy's fused kernels included)."""
    from portanet.backend import fast
    step, sync = step_sync

    def generic():
        with fast.disabled():
            return step()
    return generic, sync


def bench(seconds: float = 1.0, rounds: int = 3) -> None:
    libs = ("portanet/cupy", "portanet/cupy generic", "portanet/torch:cuda", "pytorch")
    print(f"seconds per training step (median of samples of n steps + one synchronize; "
          f"min over {rounds} interleaved rounds); ratio = portanet / PyTorch CUDA eager")
    for kind, opt in (("mlp", "Adam"), ("cnn", "SGD-momentum-nesterov"), ("lstm", "Adam")):
        steps = {}
        for lib in libs:
            try:
                if lib.endswith(" generic"):
                    steps[lib] = _generic(make_step(lib.split()[0], kind, opt, clip=False))
                else:
                    steps[lib] = make_step(lib, kind, opt, clip=False)
            except Exception as e:  # noqa: BLE001
                print(f"  {kind} {lib}: ERROR {type(e).__name__}: {e}")
        best = {lib: float("inf") for lib in steps}
        for r in range(rounds):
            order = list(steps) if r % 2 == 0 else list(reversed(steps))
            for lib in order:
                step, sync = steps[lib]
                for _ in range(3):
                    step()
                sync()
                t0, n = time.perf_counter(), 0
                while time.perf_counter() - t0 < 0.2:
                    step()
                    n += 1
                sync()
                per = (time.perf_counter() - t0) / n
                n = max(5, int(0.1 / per))
                samples = []
                end = time.perf_counter() + seconds
                while time.perf_counter() < end:
                    t = time.perf_counter()
                    for _ in range(n):
                        step()
                    sync()
                    samples.append((time.perf_counter() - t) / n)
                best[lib] = min(best[lib], statistics.median(samples))
        ref = best.get("pytorch")
        for lib, t in best.items():
            ratio = f"{t / ref:6.2f}x" if ref else ""
            print(f"  {kind:5s} {opt:22s} {lib:22s} {t * 1e3:9.3f} ms  {ratio}", flush=True)


def smoke() -> None:
    """Every case of ``syncs`` and ``bench``, two steps each, on portanet/numpy and PyTorch
    CPU: proves on a CPU machine that the script itself runs (tests/test_gpu_check.py)."""
    cases = [(k, "Adam", None) for k in ("mlp", "cnn", "cnn-bn-dropout", "lstm", "gru", "rnn")]
    cases += [("mlp", o, None) for o in OPTIMIZERS] + [("mlp", "SGD", s) for s in SCHEDULERS]
    for kind, opt, sched in cases:
        losses = []
        for lib in ("portanet/numpy", "pytorch"):
            try:
                step, sync = make_step(lib, kind, opt, sched, torch_device="cpu")
            except ImportError:
                continue
            step()
            losses.append(float(step().item()))
            sync()
        print(f"{kind} {opt} {sched or ''}: losses after 2 steps {losses}")


def _gpu_answers() -> bool:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    if sys.argv[1] == "smoke":
        smoke()
        sys.exit(0)
    if not _gpu_answers():
        print("no GPU: ci/gpu_check.py has nothing to measure here")
        sys.exit(0)
    {"syncs": syncs, "bench": bench}[sys.argv[1]]()
