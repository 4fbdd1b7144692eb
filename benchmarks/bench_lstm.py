"""One training step of a 2-layer LSTM and of a 2-layer Transformer encoder: portanet vs PyTorch CPU.

Workloads (issue 13), Adam (lr 1e-3), cross-entropy over 10 classes:
  lstm         batch 32, 50 steps, 64 inputs, 2-layer LSTM with 128 hidden, linear head on
               the last step's output;
  transformer  batch 32, 64 tokens, d_model 128, 4 heads, 2 TransformerEncoderLayers
               (dim_feedforward 2048, PyTorch's default, batch_first), mean over tokens,
               linear head.  Dropout 0 in both libraries (see --dropout).
Contenders: portanet on --backend, PyTorch CPU with its default Adam and with
``Adam(fused=True)`` (PyTorch's best), and for the LSTM hand-written NumPy (the floor
of the generic path).

Two measurements, as benchmarks/README.md asks: all contenders in one process, one step of
each in turn, and each contender alone in its own process (processes alternate the
contenders).  Each prints the median step and the fastest step (the least disturbed by
other jobs on a shared machine) in milliseconds, with ratios to PyTorch's default; never
fails.

    python benchmarks/bench_lstm.py                    # both workloads, both measurements
    python benchmarks/bench_lstm.py --workload lstm --repeat 20 --rounds 3
    python benchmarks/bench_lstm.py --profile lstm     # cProfile of portanet's step
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _threads_from_argv(default: int = 2) -> int:
    """``--threads N`` read before NumPy is imported: BLAS sizes its pool at import time."""
    argv = sys.argv
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default


THREADS = _threads_from_argv()
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)  # the same thread count for NumPy's BLAS and PyTorch

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's portanet
from common import machine, try_import_torch  # noqa: E402

B, T_LSTM, IN, HID, CLASSES = 32, 50, 64, 128, 10
T_TOK, D_MODEL, HEADS = 64, 128, 4


def data(workload: str):
    rng = np.random.default_rng(0)
    shape = (B, T_LSTM, IN) if workload == "lstm" else (B, T_TOK, D_MODEL)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, CLASSES, B)


# ------------------------------------------------------------------- portanet
def portanet_step(workload: str, backend: str, dropout: float):
    import portanet as pn
    F = pn.nn.functional
    pn.set_backend(backend)
    pn.manual_seed(0)
    if workload == "lstm":
        rnn = pn.nn.LSTM(IN, HID, num_layers=2, batch_first=True)
        head = pn.nn.Linear(HID, CLASSES)

        def forward(x):
            out, _ = rnn(x)
            return head(out[:, -1])
        params = list(rnn.parameters()) + list(head.parameters())
    else:
        layer = pn.nn.TransformerEncoderLayer(D_MODEL, HEADS, dropout=dropout, batch_first=True)
        enc = pn.nn.TransformerEncoder(layer, 2)
        head = pn.nn.Linear(D_MODEL, CLASSES)

        def forward(x):
            return head(enc(x).mean(axis=1))
        params = list(enc.parameters()) + list(head.parameters())
    opt = pn.optim.Adam(params, lr=1e-3)
    xn, yn = data(workload)
    x, y = pn.tensor(xn), pn.tensor(yn)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(forward(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


# -------------------------------------------------------------------- PyTorch
def torch_step(workload: str, fused: bool, dropout: float):
    torch = try_import_torch(THREADS)
    torch.manual_seed(0)
    if workload == "lstm":
        rnn = torch.nn.LSTM(IN, HID, num_layers=2, batch_first=True)
        head = torch.nn.Linear(HID, CLASSES)

        def forward(x):
            out, _ = rnn(x)
            return head(out[:, -1])
        params = list(rnn.parameters()) + list(head.parameters())
    else:
        layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, dropout=dropout, batch_first=True)
        enc = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        head = torch.nn.Linear(D_MODEL, CLASSES)

        def forward(x):
            return head(enc(x).mean(1))
        params = list(enc.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, fused=fused or None)
    xn, yn = data(workload)
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


# ---------------------------------------------------------------- hand NumPy
def numpy_lstm_step():
    """The LSTM step written by hand: the same fused algorithm, no framework at all."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    k = 1 / np.sqrt(HID)
    layers = [[rng.uniform(-k, k, s).astype(f32) for s in
               ((4 * HID, n_in), (4 * HID, HID), (4 * HID,), (4 * HID,))] for n_in in (IN, HID)]
    wh = rng.uniform(-k, k, (CLASSES, HID)).astype(f32)
    bh = np.zeros(CLASSES, f32)
    params = [p for ly in layers for p in ly] + [wh, bh]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    xn, yn = data("lstm")
    x0 = np.ascontiguousarray(xn.transpose(1, 0, 2)).reshape(T_LSTM * B, IN)
    H = HID

    def sig(a):
        return 1 / (1 + np.exp(-a))

    def layer_fwd(x, w_ih, w_hh, b_ih, b_hh):
        xw = x @ w_ih.T + (b_ih + b_hh)
        h = np.zeros((B, H), f32)
        c = np.zeros((B, H), f32)
        ys, saved = [], []
        for t in range(T_LSTM):
            g = xw[t * B:(t + 1) * B] + h @ w_hh.T
            s = sig(g)
            i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
            gg = np.tanh(g[:, 2 * H:3 * H])
            cp, hp = c, h
            c = f * cp + i * gg
            tc = np.tanh(c)
            h = o * tc
            saved.append((i, f, gg, o, cp, tc, hp))
            ys.append(h)
        return np.concatenate(ys), saved

    def layer_bwd(gy, x, w_ih, w_hh, saved):
        dh = np.zeros((B, H), f32)
        dc = np.zeros((B, H), f32)
        dgs = [None] * T_LSTM
        for t in range(T_LSTM - 1, -1, -1):
            i, f, gg, o, cp, tc, hp = saved[t]
            dht = dh + gy[t * B:(t + 1) * B]
            dct = dc + dht * o * (1 - tc * tc)
            dg = np.concatenate([dct * gg * i * (1 - i), dct * cp * f * (1 - f),
                                 dct * i * (1 - gg * gg), dht * tc * o * (1 - o)], axis=1)
            dgs[t] = dg
            dc = dct * f
            dh = dg @ w_hh
        dG = np.concatenate(dgs)
        hps = np.concatenate([s[6] for s in saved])
        db = dG.sum(0)
        return dG @ w_ih, [dG.T @ x, dG.T @ hps, db, db]

    def step():
        y1, s1 = layer_fwd(x0, *layers[0])
        y2, s2 = layer_fwd(y1, *layers[1])
        last = y2[(T_LSTM - 1) * B:]
        z = last @ wh.T + bh
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        p[np.arange(B), yn] -= 1
        gz = p / B
        g_wh, g_bh = gz.T @ last, gz.sum(0)
        gy2 = np.zeros_like(y2)
        gy2[(T_LSTM - 1) * B:] = gz @ wh
        gy1, g2 = layer_bwd(gy2, y1, layers[1][0], layers[1][1], s2)
        _, g1 = layer_bwd(gy1, x0, layers[0][0], layers[0][1], s1)
        for p_, g, m_, v_ in zip(params, g1 + g2 + [g_wh, g_bh], m, v):
            m_ *= 0.9
            m_ += 0.1 * g
            v_ *= 0.999
            v_ += 0.001 * g * g
            p_ -= 1e-3 * m_ / (np.sqrt(v_) + 1e-8)
    return step


def makers(workload: str, backend: str, dropout: float) -> dict:
    out = {f"portanet/{backend}": lambda: portanet_step(workload, backend, dropout),
           "pytorch-cpu": lambda: torch_step(workload, False, dropout),
           "pytorch-cpu fused Adam": lambda: torch_step(workload, True, dropout)}
    if workload == "lstm":
        out["hand-numpy"] = numpy_lstm_step
    return out


def alternating(steps: dict, n: int) -> dict:
    """Time ``n`` steps of each contender, one step of each in turn (load from other jobs hits
    all alike); returns ``name -> (median, fastest)`` seconds."""
    times = {k: [] for k in steps}
    for _ in range(n):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    return {k: (statistics.median(v), min(v)) for k, v in times.items()}


def table(res: dict, title: str) -> None:
    """Rows ``name  median  fastest`` with both ratios to PyTorch's default."""
    print(title)
    base = res.get("pytorch-cpu")
    w = max(len(k) for k in res) if res else 10
    print(f"  {'contender':<{w}}  {'median ms':>10}  {'ratio':>6}  {'fastest ms':>10}  {'ratio':>6}")
    for name, (med, fast) in res.items():
        r1 = f"{med / base[0]:6.2f}" if base else "     -"
        r2 = f"{fast / base[1]:6.2f}" if base else "     -"
        print(f"  {name:<{w}}  {med * 1e3:10.1f}  {r1}  {fast * 1e3:10.1f}  {r2}")


def build(workload, backend, dropout, only=None) -> dict:
    steps = {}
    for name, make in makers(workload, backend, dropout).items():
        if only is not None and name != only:
            continue
        try:
            steps[name] = make()
            steps[name]()
        except Exception as e:  # a benchmark never fails: report and go on
            steps.pop(name, None)
            print(f"{name}: skipped ({type(e).__name__}: {e})")
    return steps


def isolated(workload, backend, dropout, repeat, rounds) -> dict:
    """Each contender alone in a fresh process, contenders alternating; per contender the
    median over its processes' medians and the fastest step seen."""
    meds: dict[str, list] = {}
    best: dict[str, float] = {}
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    for _ in range(rounds):
        for name in makers(workload, backend, dropout):
            cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--workload", workload,
                   "--backend", backend, "--repeat", str(repeat), "--dropout", str(dropout),
                   "--threads", str(THREADS)]
            res = subprocess.run(cmd, capture_output=True, text=True, env=env)
            lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
            if not lines:
                print(f"{name}: no result ({res.stderr.strip().splitlines()[-1:] or res.stdout})")
                continue
            r = json.loads(lines[-1])
            meds.setdefault(name, []).append(r["median"])
            best[name] = min(best.get(name, r["seconds"]), r["seconds"])
    return {k: (statistics.median(meds[k]), best[k]) for k in best}


def child(name, workload, backend, dropout, repeat) -> None:
    steps = build(workload, backend, dropout, only=name)
    if name in steps:
        step = steps[name]
        for _ in range(2):
            step()
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            step()
            ts.append(time.perf_counter() - t0)
        # the least-disturbed step: other jobs on a shared machine only ever add time
        print(json.dumps({"seconds": min(ts), "median": statistics.median(ts)}))


def profile(workload, backend, dropout) -> None:
    import cProfile
    import pstats
    step = portanet_step(workload, backend, dropout)
    for _ in range(2):
        step()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(5):
        step()
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", choices=["lstm", "transformer", "both"], default="both")
    ap.add_argument("--backend", default="numpy", help="portanet backend to time")
    ap.add_argument("--repeat", type=int, default=15, help="timed steps per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dropout", type=float, default=0.0, help="Transformer dropout (both libraries)")
    ap.add_argument("--mode", choices=["same", "isolated", "both"], default="both")
    ap.add_argument("--profile", choices=["lstm", "transformer"])
    ap.add_argument("--threads", type=int, default=2,
                    help="threads for NumPy's BLAS and for PyTorch alike (default 2)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.workload, args.backend, args.dropout, args.repeat)
    if args.profile:
        return profile(args.profile, args.backend, args.dropout)
    print(machine().replace("(2 threads)", f"({THREADS} threads)") + f"; BLAS threads {THREADS}")
    works = ["lstm", "transformer"] if args.workload == "both" else [args.workload]
    for w in works:
        what = (f"2-layer LSTM, batch {B}, {T_LSTM} steps, {IN} in, {HID} hidden" if w == "lstm" else
                f"2-layer TransformerEncoder, batch {B}, {T_TOK} tokens, d_model {D_MODEL}, "
                f"{HEADS} heads, dropout {args.dropout}")
        if args.mode in ("same", "both"):
            steps = build(w, args.backend, args.dropout)
            table(alternating(steps, args.repeat * args.rounds),
                  f"\n{what}: one training step, same process, contenders alternating "
                  f"({args.repeat * args.rounds} steps each)")
        if args.mode in ("isolated", "both"):
            table(isolated(w, args.backend, args.dropout, args.repeat, args.rounds),
                  f"\n{what}: one training step, each library in its own process "
                  f"({args.rounds} processes x {args.repeat} steps each)")


if __name__ == "__main__":
    main()
