"""All-or-nothing restores: every part of a training state is checked before any changes.

Each of portanet's stateful objects (Module, Optimizer, LR schedulers, DataLoader,
DistributedSampler, random Generator, History, the callbacks of ``fit``) splits its
``load_state_dict`` in two: ``_prepare_load_state_dict(state)`` checks everything and
returns ``commit``, a function that applies the state and cannot fail.
:func:`restore_all` prepares every part first and commits only when all agreed.

Objects from elsewhere (a user's callback or loader) have only ``load_state_dict``, and
so, in effect, do subclasses that override it (:func:`portanet.staging.stager`):
they are loaded after the checks of the others, with a snapshot of their
``state_dict()`` taken before, and put back from it if a later one refuses.

Example:
    >>> restore_all([("model", model, state["model"]), ("optimizer", opt, state["optimizer"])],
    ...             "pn.load_checkpoint")
"""
from __future__ import annotations

from ..staging import stager

__all__ = ["restore_all"]


def _refused(e: BaseException, who: str, label: str, labels: list) -> None:
    e.add_note(f"{who}: the {label} state was refused, so nothing was restored: "
               f"{', '.join(labels)} are exactly as they were")


def restore_all(parts: list, who: str) -> None:
    """Restore every ``(label, object, state)`` of ``parts``, or none of them.

    Raises the refusing part's own error (with a note naming the part); every object
    is then as it was before the call.
    """
    labels = [label for label, _, _ in parts]
    commits, generic = [], []
    for label, obj, state in parts:
        prepare = stager(obj)
        if prepare is not None:
            try:
                commits.append(prepare(state))
            except Exception as e:
                _refused(e, who, label, labels)
                raise
        else:
            generic.append((label, obj, state))
    done = []
    for label, obj, state in generic:
        snapshot = obj.state_dict()
        done.append((obj, snapshot))
        try:
            obj.load_state_dict(state)
        except Exception as e:
            for o, snap in reversed(done):
                try:     # best effort for the refusing one; the others took their state
                    o.load_state_dict(snap)
                except Exception:
                    pass
            _refused(e, who, label, labels)
            raise
    for commit in commits:
        commit()
