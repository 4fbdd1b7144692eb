"""``History``: per-epoch metrics of a :func:`portanet.train.fit` run, and their plot.

Example:
    >>> history = pn.train.fit(model, F.cross_entropy, opt, loader, epochs=20, val_data=(xv, yv))
    >>> history["val_accuracy"][-1]
    0.97
    >>> history.plot("runs/curves.png")
"""
from __future__ import annotations

import os

__all__ = ["History"]


class History:
    """Per-epoch logs: ``history["loss"]`` is the list of mean training losses, one per epoch.

    Attributes:
        history: ``{name: [value per epoch]}`` with ``loss``, each metric, their ``val_``
            versions when there is validation data, and ``lr`` (first group's rate).
        epoch: the epoch numbers (1-based) the values belong to.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict) -> None:
        """Record the logs of a finished epoch."""
        self.epoch.append(int(epoch))
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key: str) -> list:
        if key not in self.history:
            raise KeyError(f"History has no {key!r}; it has {', '.join(self.history) or 'nothing yet'}")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History({len(self)} epochs{': ' + last if last else ''})"

    def state_dict(self) -> dict:
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state: dict) -> None:
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        try:
            epoch = [int(e) for e in state["epoch"]]
            history = {str(k): [float(x) for x in v] for k, v in state["history"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ValueError(f"History.load_state_dict: expected {{'epoch': [int], 'history': "
                             f"{{name: [float]}}}}, got an invalid state ({type(e).__name__}: {e})") from None

        def commit():
            self.epoch, self.history = epoch, history
        return commit

    def plot(self, path: str | os.PathLike, title: str | None = None) -> str:
        """Draw the loss and each metric against the epoch (train and validation) into ``path``.

        Uses matplotlib's Agg canvas directly, so it works without a display and leaves
        pyplot's global state alone.  Returns the path written.

        Example:
            >>> history.plot("runs/digits.png", title="MLP on digits")
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("History.plot needs matplotlib: pip install 'portanet[examples]'") from e
        names = [k for k in self.history if not k.startswith("val_") and k != "lr"]
        if not names:
            raise ValueError("History.plot: nothing recorded yet")
        fig = Figure(figsize=(4.2 * len(names), 3.4))
        FigureCanvasAgg(fig)
        for i, name in enumerate(names):
            ax = fig.add_subplot(1, len(names), i + 1)
            ax.plot(self.epoch, self.history[name], marker=".", label="train")
            if "val_" + name in self.history:
                ax.plot(self.epoch, self.history["val_" + name], marker=".", label="validation")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        path = os.fspath(path)
        fig.savefig(path, dpi=100)
        return path
