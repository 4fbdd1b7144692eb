"""Version stamps: catch a tensor saved for backward and then modified in place.

PyTorch keeps a version counter per tensor and has every node compare, at backward, the
versions of the tensors it saved.  portanet does the same with one process-wide counter
of in-place changes, so the hot path pays one integer comparison per node:

* every in-place change of a tensor's array (an optimizer step, ``add_``, ``x[i] = v``,
  ``t.data = ...``, ``load_state_dict``) calls :func:`bump`, which advances
  ``MUTATIONS.count`` and stamps the tensor with the new count (its ``_version``);
* a node records ``MUTATIONS.count`` when it is created (its ``epoch``);
* at backward, a node whose epoch still equals the count has seen no in-place change
  anywhere since it was made; otherwise it checks its inputs: a stamp above its epoch
  means that input was modified after the forward pass, and backward would silently use
  the new values, so :class:`RuntimeError` is raised naming the op and the change.

Example:
    >>> out = model(x).sum()
    >>> out.backward(retain_graph=True)
    >>> opt.step()               # modifies the weights saved by the forward pass
    >>> out.backward()           # RuntimeError: ... modified in place by an optimizer step
"""
from __future__ import annotations

__all__ = ["MUTATIONS", "bump", "bump_many", "check_saved_versions"]


class _Mutations:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


MUTATIONS = _Mutations()


def bump(t, why: str = "an in-place operation") -> None:
    """Record that ``t``'s array was changed in place (``why`` goes into the error)."""
    MUTATIONS.count += 1
    t._version = MUTATIONS.count
    t._why = why
    node = t._node
    if node is not None and node._nout == 1:
        # consumers of ``t`` record its node, not ``t`` (Function's edges): stamp it there
        node.__dict__["_bumped"] = (MUTATIONS.count, why, tuple(t.array.shape))


def bump_many(tensors, why: str) -> None:
    """:func:`bump` for many tensors at once (one optimizer step, one state-dict load)."""
    MUTATIONS.count += 1
    n = MUTATIONS.count
    for t in tensors:
        t._version = n
        t._why = why


def check_saved_versions(node) -> None:
    """Raise if an input that ``node`` saved for backward changed since the forward pass."""
    if not node.saves_inputs or node.inputs is None:
        return
    epoch = node.__dict__.get("_epoch0", node.epoch)
    for i, t in enumerate(node.inputs):
        if t._node is t:  # an edge to the node that made this input
            version, why, shape = t.__dict__.get("_bumped", (0, "", ()))
        else:
            version, why, shape = t._version, getattr(t, "_why", "an in-place operation"), t.shape
        if version > epoch:
            what = "a parameter" if t.requires_grad and t._node is None else f"input {i}"
            raise RuntimeError(
                f"one of the tensors saved for backward by {node._name()} ({what}, shape "
                f"{shape}) was modified in place by {why} after the forward pass, so its "
                "gradient would use the new values. Run backward before modifying it (e.g. "
                "call opt.step() after every backward that needs the old weights), or "
                "recompute the forward pass after the change.")
