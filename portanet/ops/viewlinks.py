"""Links from a view to the tensor it views, so that an in-place write into the view
reaches its base on every backend, as in PyTorch.

``x[i]``, ``x.view(...)``, ``x.t()``, ``x.permute(...)``, ``x.unsqueeze(d)``, the pieces of
``x.split``/``x.chunk``/``x.unbind`` share ``x``'s memory in PyTorch: ``x.view(-1)[0] = 5``
changes ``x``.  NumPy and CuPy share memory the same way, but JAX arrays are immutable and
an in-place change on the graph (``y = w * 1; y.view(-1).add_(1)``) rebinds the view to a
new node on every backend; so each view keeps ``_base`` (the tensor it views) and
``_vidx``, how to carry a new value of the view back into the base:

* an index tuple (basic indexing, split/chunk/unbind pieces): the base with that region
  replaced (``Tensor._set_inplace`` and ``ops.inplace`` do this with ``set_at``/``SetItem``);
* a link object (an :class:`Inverse` for reshape and permute: the view's value shaped
  back, the whole of the base; ``ops.triangular.DiagonalLink`` for ``diagonal``) with
  ``base_array(xp, base_array, view_array)``, ``base_tensor(base, view)`` and
  ``shares_memory`` (whether a write into a NumPy/CuPy/torch view already reached the
  base's memory: True for reshape/permute views, False for a gathered diagonal).

Example:
    >>> x = pn.zeros(2, 3)
    >>> x.t()[0, 1] = 9.0          # x[1, 0] is now 9 on every backend
"""
from __future__ import annotations

__all__ = ["Inverse", "link", "link_pieces", "is_contiguous"]


class Inverse:
    """How the base of a reshape (``kind="reshape"``, ``arg`` = the base's shape) or a
    permute (``kind="permute"``, ``arg`` = the axes) is rebuilt from a new view value."""

    __slots__ = ("kind", "arg")
    shares_memory = True

    def __init__(self, kind: str, arg: tuple):
        self.kind, self.arg = kind, arg

    def _inverse_axes(self) -> tuple:
        inv = [0] * len(self.arg)
        for i, a in enumerate(self.arg):
            inv[a] = i
        return tuple(inv)

    def base_array(self, xp, base_array, view_array):
        """The base's new raw array (no graph)."""
        if self.kind == "reshape":
            return xp.reshape(view_array, self.arg)
        return xp.permute_dims(view_array, self._inverse_axes())

    def base_tensor(self, base, view):
        """The base's new value as a Tensor on the graph."""
        from .shape import permute, reshape
        if self.kind == "reshape":
            return reshape(view, self.arg)
        return permute(view, self._inverse_axes())

    def keeps_layout(self) -> bool:
        """Whether a contiguous base gives a contiguous view (PyTorch's strides)."""
        return self.kind == "reshape" or all(a == i for i, a in enumerate(self.arg))


def link(view, base, how):
    """Mark ``view`` as a view of ``base`` (``how``: an index tuple or an :class:`Inverse`)."""
    if view is not base:
        view._base, view._vidx = base, how
    return view


def link_pieces(pieces: tuple, base, axis: int, sizes=None) -> tuple:
    """Link the outputs of split/chunk (``sizes`` given) or unbind to ``base``."""
    lead = (slice(None),) * axis
    start = 0
    for i, p in enumerate(pieces):
        if sizes is None:
            p._base, p._vidx = base, lead + (i, Ellipsis)
        else:
            p._base, p._vidx = base, lead + (slice(start, start + sizes[i]), Ellipsis)
            start += sizes[i]
    return pieces


def _index_keeps_layout(index: tuple, shape: tuple) -> bool:
    # C order: once an axis longer than 1 is kept, every later axis must be kept whole
    kept = False
    dims = iter(shape)
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            return True          # an index ends with the ellipsis: the rest is whole
        n = next(dims, None)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            length = len(range(start, stop, step))
            if length > 1 and step != 1:
                return False
            if kept and length != n:
                return False
            kept = kept or length > 1
        elif kept:               # an integer (or an index array) after a kept axis
            return False
    return True


def is_contiguous(t) -> bool:
    """PyTorch's ``is_contiguous`` for a tensor made from fresh arrays through views:
    False after a transpose/permute or a strided slice, as PyTorch's strides would say.

    Example:
        >>> pn.ones(2, 3).t().is_contiguous()
        False
    """
    while True:
        base = getattr(t, "_base", None)
        if base is None:
            return True
        how = getattr(t, "_vidx", None)
        if isinstance(how, Inverse):
            if not how.keeps_layout():
                return False
        elif how is not None and not _index_keeps_layout(how, base.shape):
            return False
        t = base
