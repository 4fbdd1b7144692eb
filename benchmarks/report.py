"""Tables, target checks, the RESULTS.md section and the ratio plot of ``run_all.py``.

``results`` is ``{workload: {contender: {"separate": s, "rounds": [s, ...], "noise": x,
"interleaved": s, "rss": bytes, "tracemalloc": bytes}}}`` (any entry may be missing).
"""
from __future__ import annotations

import os

from common import machine, versions

BASE = "pytorch-cpu"
# (workload, contender, compared with, largest ratio allowed): issue 15's speed targets
TARGETS = [("tiny", "portanet/numpy", BASE, 0.20), ("mlp", "portanet/numpy", BASE, 0.80),
           ("cnn", "portanet/numpy", BASE, 1.00),
           ("adam-step", "portanet/numpy", "pytorch-cpu fused", 1.50)]
MEMORY_TARGETS = [("mlp", "portanet/numpy", BASE), ("cnn", "portanet/numpy", BASE)]
MARK = "<!-- run_all.py sections: newest first -->"


def header(args) -> str:
    return (f"{machine()}\nrun_all.py: {args.rounds} round(s) of {args.seconds} s per contender, "
            f"portanet backends {', '.join(args.backends)}, {args.clock} clock, "
            f"threads: {args.threads or 'default (PyTorch 2)'}")


def _unit(row: dict) -> tuple[str, float]:
    base = row.get(BASE, {}).get("separate") or min(
        (v["separate"] for v in row.values() if "separate" in v), default=1.0)
    return ("us", 1e6) if base < 1e-3 else ("ms", 1e3)


def _best_torch(row: dict):
    ts = [v["separate"] for k, v in row.items() if k.startswith(BASE) and "separate" in v]
    return min(ts) if ts else None


def _rows(results: dict):
    """One tuple of formatted cells per contender (the columns of both tables)."""
    for work, row in results.items():
        unit, scale = _unit(row)
        base, best = row.get(BASE, {}).get("separate"), _best_torch(row)
        ibase = row.get(BASE, {}).get("interleaved")
        for name, v in row.items():
            sep, inter = v.get("separate"), v.get("interleaved")
            yield (work, name, unit,
                   f"{sep * scale:.3g}" if sep else "-",
                   f"{sep / base:.2f}" if sep and base else "-",
                   f"{sep / best:.2f}" if sep and best else "-",
                   f"{v['noise']:.2f}" if "noise" in v else "-",
                   f"{inter * scale:.3g}" if inter else "-",
                   f"{inter / ibase:.2f}" if inter and ibase else "-",
                   _mb(v.get("rss")), _mb(v.get("tracemalloc")))


def _mb(b) -> str:
    return "-" if b is None else f"{b / 2**20:.1f}"


COLUMNS = ("workload", "contender", "unit", "separate", f"/ {BASE}", "/ best torch", "noise",
           "interleaved", f"/ {BASE}", "peak RSS MB", "tracemalloc MB")


def text_table(results: dict) -> str:
    rows = [COLUMNS] + list(_rows(results))
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in
                               enumerate(zip(r, widths))) for r in rows)


def markdown_table(results: dict) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "| " + " | ".join(["---"] * 3 + ["---:"] * (len(COLUMNS) - 3)) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in _rows(results)]
    return "\n".join(lines)


def targets(results: dict) -> str:
    """One line per target: the separate-process ratio (interleaved in brackets), met or not."""
    out = []
    for work, who, versus, limit in TARGETS:
        row = results.get(work, {})
        a, b = row.get(who, {}), row.get(versus, {})
        if "separate" not in a or "separate" not in b:
            continue
        r = a["separate"] / b["separate"]
        ri = (f", interleaved {a['interleaved'] / b['interleaved']:.3f}"
              if "interleaved" in a and "interleaved" in b else "")
        out.append(f"- {work}: {who} / {versus} = {r:.3f} (separate processes{ri}); "
                   f"target <= {limit:.2f}: {'met' if r <= limit else 'NOT met'}")
    for work, who, versus in MEMORY_TARGETS:
        a, b = results.get(work, {}).get(who, {}), results.get(work, {}).get(versus, {})
        if a.get("rss") is not None and b.get("rss") is not None:
            ok = a["rss"] <= b["rss"]
            out.append(f"- {work} peak memory of a step: {who} {_mb(a['rss'])} MB, {versus} "
                       f"{_mb(b['rss'])} MB (resident-set rise); target <=: "
                       f"{'met' if ok else 'NOT met'}")
    return "\n".join(out)


def write_results(results: dict, meta: dict, path: str) -> None:
    """Insert a dated section at the top of RESULTS.md, keeping every earlier section.

    ``meta``: ``rounds``, ``seconds``, ``command``, ``date`` and ``machine`` of the run.
    """
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    v = meta.get("versions") or versions()
    load = f" Load average (other jobs on the machine): {meta['load']}." if "load" in meta else ""
    section = "\n".join([
        f"## {meta['date']}: `{_command(meta['command'])}`", "",
        f"Machine: {meta['machine']}.{load}", "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        *([meta["note"], ""] if meta.get("note") else []),
        f"Clock: {meta.get('clock', 'wall')} time; threads: {_threads(meta)}. "
        f"*separate*: each contender alone in a fresh process, median step time of one "
        f"process, minimum over {meta['rounds']} alternating round(s) of {meta['seconds']} s; "
        "*noise*: largest / smallest round; *interleaved*: all contenders in one process, "
        "alternating (minimum over rounds); *peak RSS*: rise of the resident set during "
        "one step (every library); *tracemalloc*: NumPy and Python allocations only "
        "(PyTorch's are invisible to it). Ratios below 1 mean faster than PyTorch.", "",
        markdown_table(results), "", targets(results), "",
        "![ratios to PyTorch CPU](results.png)", "", ""])
    if MARK in text:
        head, tail = text.split(MARK, 1)
        text = head + MARK + "\n\n" + section + tail.lstrip("\n")
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{MARK}\n\n{section}{rest.lstrip(chr(10))}"
    with open(path, "w") as f:
        f.write(text)


def _command(cmd: str) -> str:
    """The command line as someone would rerun it: without the output-only options."""
    words, out, skip = cmd.split(), [], False
    for w in words:
        if skip:
            skip = False
        elif w in ("--json", "--from-json", "--note"):
            skip = True
        elif w != "--no-write":
            out.append(w)
    return " ".join(out)


def _threads(meta: dict) -> str:
    n = meta.get("threads")
    return "each library its default (PyTorch set to 2)" if n in (None, 0, "default") \
        else f"{n} for every library"


def plot(results: dict, path: str) -> str | None:
    """Bar chart of each portanet contender's ratio to PyTorch CPU (log scale), targets marked."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return None
    works = [w for w in results if results[w].get(BASE, {}).get("separate")]
    names = sorted({c for w in works for c in results[w]
                    if c != BASE and "separate" in results[w][c]},
                   key=lambda c: (not c.startswith("portanet/numpy"), c))
    fig, ax = plt.subplots(figsize=(max(7, 1.7 * len(works)), 5.2))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        xs, ys = [], []
        for j, w in enumerate(works):
            v = results[w].get(name, {}).get("separate")
            if v:
                xs.append(j + (i - (len(names) - 1) / 2) * width)
                ys.append(v / results[w][BASE]["separate"])
        ax.bar(xs, ys, width, label=name)
    for work, who, versus, limit in TARGETS:
        other = results.get(work, {}).get(versus, {}).get("separate")
        if work in works and other:  # a target against another contender, drawn on this scale
            j = works.index(work)
            ax.hlines(limit * other / results[work][BASE]["separate"], j - 0.45, j + 0.45,
                      colors="k", linestyles="dashed")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(works)), works)
    ax.set_ylabel(f"step time / {BASE} (separate processes)")
    ax.set_title("portanet and friends vs PyTorch CPU (lower is faster; dashed: targets)")
    ax.legend(fontsize="small", ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
