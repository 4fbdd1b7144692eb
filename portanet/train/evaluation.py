"""``evaluate`` and the batch plumbing shared with :class:`~portanet.train.Trainer`.

Losses and metrics are summed on the device as float64 scalars weighted by batch size
and read back only when asked (a progress-bar refresh, the end of an epoch), so a GPU
is not stalled after every batch.  Under MPI the sums and counts of every rank are
added before the means are taken, so each rank reports the same global values.

Example:
    >>> pn.train.evaluate(model, F.cross_entropy, (xte, yte))
    {'loss': 0.09, 'accuracy': 0.97}
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..autograd.function import no_grad
from ..data import DataLoader, Dataset, TensorDataset
from . import metrics as _metrics

__all__ = ["evaluate"]


def as_loader(data: Any, batch_size: int, shuffle: bool) -> Any:
    """A DataLoader (or any iterable of batches) as it is; ``(x, y)`` or a Dataset wrapped."""
    if isinstance(data, Dataset):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle)
    if isinstance(data, tuple):
        return DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=shuffle)
    if not hasattr(data, "__iter__"):
        raise TypeError(f"training/validation data must be a DataLoader, a Dataset or a tuple "
                        f"(x, y) of arrays, got {type(data).__name__}")
    return data


def split_batch(batch: Any) -> tuple:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        what = f"a {type(batch).__name__}"
        if isinstance(batch, (tuple, list)):
            what += f" of length {len(batch)}"
        raise TypeError(f"fit/evaluate expect batches (inputs..., target); got {what}")
    return tuple(batch[:-1]), batch[-1]


class Sums:
    """Sample-weighted sums of batch means, kept as float64 device scalars."""

    def __init__(self):
        self.sums: dict[str, Any] = {}
        self.count = 0

    def add(self, values: dict, n: int, xp) -> None:
        for k, v in values.items():
            v = float(v) if isinstance(v, (int, float)) else xp.astype(v, xp.float64)
            self.sums[k] = self.sums.get(k, 0.0) + v * n
        self.count += n

    def means(self, reduce: Callable | None = None, names: Sequence[str] | None = None) -> dict:
        """The weighted means of ``names`` (default: every name seen).

        ``reduce`` (a sum over MPI ranks) is applied to the sums and the count first, so
        every rank gets the means over all ranks' samples; then ``names`` must be the
        same on every rank, also on one that saw no batch.
        """
        names = list(self.sums) if names is None else list(dict.fromkeys(names))
        values = [float(self.sums.get(k, 0.0)) for k in names] + [float(self.count)]
        if reduce is not None:
            values = reduce(values)
        count = max(values[-1], 1)
        return {k: v / count for k, v in zip(names, values)}


def batch_values(metric_fns, out, target, loss) -> dict:
    vals = {} if loss is None else {"loss": loss.array}
    for name, fn in metric_fns:
        v = fn(out, target)
        vals[name] = v.array if hasattr(v, "_bk") else v
    return vals


def evaluate(model: Any, loss_fn: Callable | None, data: Any, metrics: Sequence = ("accuracy",),
             batch_size: int = 256) -> dict:
    """Mean loss and metrics of ``model`` over ``data``, in eval mode without gradients.

    Args:
        loss_fn: ``loss_fn(output, target)``, or ``None`` for metrics only.
        data: a DataLoader, a Dataset or a tuple ``(x, y)`` of arrays.
        metrics: names (``"accuracy"``, ``"mse"``, ``"mae"``) or callables.
        batch_size: used when ``data`` is not a DataLoader already.

    Returns:
        ``{"loss": ..., name: ...}`` as Python floats, weighted by batch sizes.  Under
        MPI, of this process's ``data`` only (``fit``'s validation averages over ranks).

    Example:
        >>> pn.train.evaluate(model, F.cross_entropy, (xte, yte))["accuracy"]
        0.972
    """
    loader = as_loader(data, batch_size, shuffle=False)
    return evaluate_loader(model, loss_fn, loader, [_metrics.get(m) for m in metrics])


def log_names(loss_fn: Callable | None, metric_fns: list) -> list:
    return (["loss"] if loss_fn is not None else []) + [name for name, _ in metric_fns]


def evaluate_loader(model: Any, loss_fn: Callable | None, loader: Any, metric_fns: list,
              reduce: Callable | None = None) -> dict:
    was_training = getattr(model, "training", False)
    model.eval()
    sums = Sums()
    try:
        with no_grad():
            for batch in loader:
                inputs, target = split_batch(batch)
                out = model(*inputs)
                loss = loss_fn(out, target) if loss_fn is not None else None
                sums.add(batch_values(metric_fns, out, target, loss), inputs[0].shape[0], out._bk.xp)
    finally:
        model.train(was_training)
    return sums.means(reduce, log_names(loss_fn, metric_fns) if reduce is not None else None)
