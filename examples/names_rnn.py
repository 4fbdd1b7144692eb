"""Which language does a surname come from?  A character-level GRU (or plain RNN) over
packed variable-length sequences, after PyTorch's "classifying names" tutorial.

Data: ``examples/data/surnames.tsv``, 360 common surnames of 8 languages, shipped in the
repository.  Each batch of names is padded, embedded, packed with
``pack_padded_sequence`` (the padding is never computed) and the final hidden state
``h_n`` of each name is classified.  Runs on every backend:

    python examples/names_rnn.py                     # NumPy, GRU
    python examples/names_rnn.py --cell rnn --backend torch
"""
from __future__ import annotations

import argparse
import os
import pathlib

import numpy as np

import portanet as pn
import portanet.nn.functional as F
from portanet.nn.utils.rnn import pack_padded_sequence

DATA = pathlib.Path(__file__).resolve().parent / "data" / "surnames.tsv"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def load(seed: int):
    rows = [ln.split("\t") for ln in DATA.read_text(encoding="utf-8").splitlines()
            if ln and not ln.startswith("#")]
    langs = sorted({lang for lang, _ in rows})
    names = [name for _, name in rows]
    y = np.array([langs.index(lang) for lang, _ in rows], dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(rows))
    n_test = len(rows) // 5
    return names, y, langs, order[n_test:], order[:n_test]


def encode(batch_names):
    """Letter indices (1..26, 0 = padding) as a padded ``(B, T)`` array, and the lengths."""
    lengths = [len(n) for n in batch_names]
    idx = np.zeros((len(batch_names), max(lengths)), dtype=np.int64)
    for b, n in enumerate(batch_names):
        idx[b, :len(n)] = [LETTERS.index(c) + 1 for c in n.lower()]
    return idx, lengths


class NameClassifier(pn.nn.Module):
    def __init__(self, n_classes: int, cell: str = "gru", hidden: int = 64, emb: int = 16):
        super().__init__()
        self.embed = pn.nn.Embedding(len(LETTERS) + 1, emb, padding_idx=0)
        rnn = pn.nn.GRU if cell == "gru" else pn.nn.RNN
        self.rnn = rnn(emb, hidden, batch_first=True)
        self.head = pn.nn.Linear(hidden, n_classes)

    def forward(self, idx, lengths):
        packed = pack_padded_sequence(self.embed(idx), lengths, batch_first=True,
                                      enforce_sorted=False)
        _, h_n = self.rnn(packed)       # (1, B, hidden): each name's state at its last letter
        return self.head(h_n[0])


def predict(model, names, langs):
    model.eval()
    with pn.no_grad():
        idx, lengths = encode(names)
        probs = pn.to_numpy(F.softmax(model(pn.tensor(idx), lengths), dim=1))
    model.train()
    return [langs[int(k)] for k in probs.argmax(1)], probs.max(1)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description="Classify surnames by language with a char GRU/RNN.")
    ap.add_argument("--backend", default=os.environ.get("PORTANET_BACKEND", "numpy"))
    ap.add_argument("--cell", choices=["gru", "rnn"], default="gru")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    pn.set_backend(args.backend)
    pn.manual_seed(args.seed)
    names, y, langs, train, test = load(args.seed)
    model = NameClassifier(len(langs), args.cell)
    opt = pn.optim.Adam(model.parameters(), lr=args.lr)
    print(f"backend {pn.get_backend().name}: {len(train)} train / {len(test)} test surnames, "
          f"{len(langs)} languages, {args.cell.upper()}")
    acc = 0.0
    for epoch in range(1, args.epochs + 1):
        perm = train[pn.random.permutation(len(train))]  # same shuffle on every backend
        total = 0.0
        for i in range(0, len(perm), args.batch_size):
            batch = perm[i:i + args.batch_size]
            idx, lengths = encode([names[j] for j in batch])
            opt.zero_grad()
            loss = F.cross_entropy(model(pn.tensor(idx), lengths), pn.tensor(y[batch]))
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        if epoch % 5 == 0 or epoch == args.epochs:
            pred, _ = predict(model, [names[j] for j in test], langs)
            acc = float(np.mean([p == langs[y[j]] for p, j in zip(pred, test)]))
            print(f"epoch {epoch:3d}  train loss {total / len(train):.3f}  test accuracy {acc:.3f} "
                  f"(chance {1 / len(langs):.3f})")
    probe = ["Dostoevsky", "Yamato", "Schumacher", "Rossini", "Papas", "Hernandes", "Beaumont",
             "Cunningham"]
    for name, (lang, p) in zip(probe, zip(*predict(model, probe, langs))):
        print(f"  {name:<12} -> {lang} ({p:.2f})")
    return acc


if __name__ == "__main__":
    main()
