"""A character-level language model: a 2-layer LSTM trained on the first chapter of
*Alice's Adventures in Wonderland* (Lewis Carroll, 1865, public domain; shipped in
``examples/data/alice_chapter1.txt``), then sampled one character at a time.

Embedding(vocab, 32) -> LSTM(32, 128, num_layers=2) -> Linear(128, vocab), cross-entropy
on every next character, Adam.  Runs on every backend:

    python examples/char_lstm.py                        # NumPy, 200 steps
    python examples/char_lstm.py --backend torch --steps 100
"""
from __future__ import annotations

import argparse
import os
import pathlib

import numpy as np
from tqdm import tqdm

import portanet as pn
import portanet.nn.functional as F

TEXT = pathlib.Path(__file__).resolve().parent / "data" / "alice_chapter1.txt"


class CharLM(pn.nn.Module):
    def __init__(self, vocab: int, hidden: int = 128, emb: int = 32):
        super().__init__()
        self.embed = pn.nn.Embedding(vocab, emb)
        self.lstm = pn.nn.LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.head = pn.nn.Linear(hidden, vocab)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def load_text():
    text = TEXT.read_text(encoding="utf-8")
    chars = sorted(set(text))
    return text, chars, np.array([chars.index(c) for c in text], dtype=np.int64)


def sample(model, chars, prompt: str, n: int, temperature: float, rng) -> str:
    """Feed ``prompt``, then draw ``n`` characters, carrying the LSTM state along."""
    model.eval()
    out, state = list(prompt), None
    with pn.no_grad():
        idx = pn.tensor(np.array([[chars.index(c) for c in prompt]], dtype=np.int64))
        for _ in range(n):
            logits, state = model(idx, state)
            z = pn.to_numpy(logits)[0, -1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            k = int(rng.choice(len(chars), p=p / p.sum()))
            out.append(chars[k])
            idx = pn.tensor(np.array([[k]], dtype=np.int64))
    model.train()
    return "".join(out)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description="Train a 2-layer LSTM character model on Alice.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample-len", type=int, default=300)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--prompt", default="Alice ")
    args = ap.parse_args(argv)

    pn.set_backend(args.backend)
    pn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)  # host data: the same batches on every backend
    text, chars, data = load_text()
    model = CharLM(len(chars), args.hidden)
    opt = pn.optim.Adam(model.parameters(), lr=args.lr)
    print(f"backend {pn.get_backend().name}: {len(text)} characters, vocabulary {len(chars)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    L, B = args.seq_len, args.batch_size
    bar = tqdm(range(args.steps), desc="training", unit="step", mininterval=1.0)
    loss_v = float("nan")
    for step in bar:
        starts = rng.integers(0, len(data) - L - 1, B)
        window = np.stack([data[s:s + L + 1] for s in starts])
        x, y = pn.tensor(window[:, :-1]), pn.tensor(window[:, 1:].reshape(-1))
        opt.zero_grad()
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(B * L, len(chars)), y)
        loss.backward()
        pn.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 10 == 0 or step == args.steps - 1:
            loss_v = loss.item()  # read back only when reporting
            bar.set_postfix(loss=f"{loss_v:.3f}")
    bar.close()
    print(f"final training loss {loss_v:.3f} (uniform guess: {np.log(len(chars)):.3f})")
    print("sample:")
    print(sample(model, chars, args.prompt, args.sample_len, args.temperature, rng))
    return loss_v


if __name__ == "__main__":
    main()
