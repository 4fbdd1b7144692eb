"""Smoke tests of the sequence-model examples: a few iterations each, on every backend."""
import importlib.util
import math
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"portanet_example_{name}",
                                                  ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


char_lstm, names_rnn, sine_gru = _load("char_lstm"), _load("names_rnn"), _load("sine_gru")


def test_char_lstm(backend, capsys):
    loss = char_lstm.main(["--backend", backend.name, "--steps", "3", "--batch-size", "4",
                           "--seq-len", "8", "--hidden", "16", "--sample-len", "12"])
    out = capsys.readouterr().out
    assert math.isfinite(loss) and loss < 4.2  # about log(vocabulary) after 3 steps
    sample = out.split("sample:\n", 1)[1].strip()
    assert sample.startswith("Alice ") and len(sample) == len("Alice ") + 12


def test_names_rnn(backend, capsys):
    acc = names_rnn.main(["--backend", backend.name, "--epochs", "1", "--batch-size", "96",
                          "--cell", "rnn"])
    out = capsys.readouterr().out
    assert 0.0 <= acc <= 1.0 and "test accuracy" in out and "Yamato" in out


def test_sine_gru(backend, tmp_path):
    mse = sine_gru.main(["--backend", backend.name, "--epochs", "1", "--batch-size", "128",
                         "--horizon", "5", "--n-train", "200", "--out", str(tmp_path)])
    assert math.isfinite(mse)
    assert (tmp_path / "sine_gru.png").stat().st_size > 1000


def test_names_rnn_learns():
    """A full (short) run learns: far above chance (1/8) on held-out surnames."""
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "names_rnn.py"), "--epochs", "5"],
                         capture_output=True, text=True, timeout=120, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    acc = float(out.split("test accuracy ")[-1].split()[0])
    assert acc > 0.5, out
