"""The DataLoader's position: ``state_dict``/``load_state_dict`` (a mixin of :class:`DataLoader`).

The state holds the epochs started, the batches taken, the stream state the current
epoch's permutation came from and the user's sampler's own state; a load is checked in
full before anything changes, and an interrupted epoch resumes at its next batch with
exactly its order (replayed by the samplers of data/samplers.py, re-iterated for
deterministic ones, refused for a custom sampler that cannot replay).

Example:
    >>> state = loader.state_dict()      # e.g. mid-epoch
    >>> other.load_state_dict(state)     # `for b in other` continues that epoch
"""
from __future__ import annotations

import numpy as np

from .. import random as _random
from ..staging import stager
from .samplers import BatchSampler, SequentialSampler

__all__ = ["LoaderState"]


def _replayable(source) -> bool:
    """Whether iterating ``source`` again after loading its state gives the saved epoch's order."""
    return (source is None or hasattr(source, "_replay_order") or hasattr(source, "load_state_dict")
            or isinstance(source, (SequentialSampler, range, list, tuple, np.ndarray)))


class LoaderState:
    """``state_dict``/``load_state_dict`` of :class:`~portanet.data.DataLoader`."""

    def state_dict(self) -> dict:
        """The loader's position: plain Python values, for a training checkpoint.

        Example:
            >>> state = loader.state_dict()      # e.g. mid-epoch
            >>> other.load_state_dict(state)     # `for b in other` continues that epoch
        """
        return {"epoch": self.epoch, "batches_taken": self._taken, "in_epoch": self._in_epoch,
                "epoch_rng": self._epoch_rng, "length": self._length(),
                "batch_size": self.batch_size, "shuffle": self.shuffle,
                "generator": None if self.generator is None else self.generator.get_state(),
                "sampler": self._sampler_state()}

    def _source(self):
        """The user's sampler that decides the order (the one inside a BatchSampler), or None."""
        s = self._batch_sampler if self._batch_sampler is not None else self._sampler
        return s.sampler if isinstance(s, BatchSampler) else s

    def _sampler_state(self) -> dict | None:
        s = self._source()
        if s is None:
            return None
        state = {"length": len(s), "replicas": int(getattr(s, "num_replicas", 1)),
                 "total_size": int(getattr(s, "total_size", len(s)))}
        if hasattr(s, "state_dict"):
            state["state"] = s.state_dict()
        return state

    def _check_division(self, saved: dict | None) -> list:
        """How the saved sampler's division of the data differs from this one's."""
        mine = self._sampler_state()
        if (saved is None) != (mine is None):
            return [f"the state was saved {'without' if saved is None else 'with'} a sampler, "
                    f"this loader has {'one' if mine is not None else 'none'}"]
        if saved is None:
            return []
        r0, r1 = saved["replicas"], mine["replicas"]
        b0, b1 = saved.get("batch_size", self.batch_size) or 1, self.batch_size or 1
        if b0 * r0 != b1 * r1 or saved["total_size"] != mine["total_size"]:
            return [f"the data would be divided differently: the state was saved by {r0} rank(s) x "
                    f"batch {b0} (global batch {b0 * r0}, epoch of {saved['total_size']} samples), "
                    f"this run has {r1} rank(s) x batch {b1} (global batch "
                    f"{b1 * r1}, epoch of {mine['total_size']} samples)"]
        return []

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; an interrupted epoch resumes at its next batch.

        Everything (settings, sampler, seed, position) is checked before anything
        changes: a refused state leaves the loader and its sampler as they were.
        """
        self._prepare_load_state_dict(state)()

    def _prepare_load_state_dict(self, state: dict):
        """Check ``state``, changing nothing; returns the function that applies it."""
        name = "DataLoader.load_state_dict"
        keys = ("epoch", "batches_taken", "in_epoch", "epoch_rng", "generator")
        if not isinstance(state, dict) or any(k not in state for k in keys):
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{name}: expected the dict DataLoader.state_dict() returns, with "
                             f"{', '.join(keys)}; got {got}")
        mine = {"length": self._length(), "batch_size": self.batch_size, "shuffle": self.shuffle}
        saved_sampler = state.get("sampler")
        source = self._source()
        if saved_sampler is not None and source is not None:
            del mine["batch_size"]   # may differ with the number of ranks: checked as a division
            saved_sampler = {**saved_sampler, "batch_size": state.get("batch_size")}
        diff = [f"{k} {state.get(k)!r} in the state, {v!r} here" for k, v in mine.items() if state.get(k) != v]
        diff += self._check_division(saved_sampler)
        if diff:
            raise ValueError(f"{name}: " + "; ".join(diff))
        if (state["generator"] is None) != (self.generator is None):
            raise ValueError(f"{name}: the state was saved by a loader "
                             f"{'without' if state['generator'] is None else 'with'} a seed, this one is "
                             f"{'seeded' if self.generator is not None else 'unseeded'}")
        steps = []
        if saved_sampler is not None and "state" in saved_sampler and hasattr(source, "load_state_dict"):
            prepare = stager(source)
            if prepare is not None:
                steps.append(prepare(saved_sampler["state"]))
            else:
                steps.append(lambda: source.load_state_dict(saved_sampler["state"]))
        if self.generator is not None:
            steps.append(self.generator._prepare_load_state_dict(state["generator"]))
        try:
            epoch, taken = int(state["epoch"]), int(state["batches_taken"])
            epoch_rng = state["epoch_rng"]
            if epoch_rng is not None:
                _random.Generator()._prepare_load_state_dict(epoch_rng)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name}: the position in the state is not valid: {e}") from None
        resume = bool(state["in_epoch"]) and (self._length() is None or taken < len(self))
        if resume and not _replayable(source):
            raise ValueError(f"{name}: cannot resume in the middle of an epoch with the sampler "
                             f"{type(source).__name__}: it has no state_dict()/load_state_dict() to "
                             "replay the epoch's order (save at an epoch boundary, or give it those methods)")

        def commit():
            for step in steps:
                step()
            self.epoch, self._taken, self._epoch_rng = epoch, taken, epoch_rng
            self._in_epoch = False
            self._pending = None
            if resume:   # the order of the interrupted epoch (a sampler's, restored above)
                self._pending = (None if self._iterable else
                                 self._order(epoch_rng, len(self.dataset), replay=True), taken)
        return commit
