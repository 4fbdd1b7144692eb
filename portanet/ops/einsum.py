"""``einsum`` through permute, reshape, sum and one batched matmul per pair of operands,
so it is differentiable on every backend with no new primitive.

Supported: any number of operands (folded left to right), each index appearing at most
once per operand, implicit output (``"ij,jk"``: the indices seen once, sorted) or
explicit (``"ij,jk->ik"``), summation over indices absent from the output, outer
products, batch indices.  Refused with a ValueError naming the subscripts: ellipsis
(``"...ij"``) and an index repeated within one operand (diagonals, ``"ii->i"``).

Example:
    >>> pn.einsum("bij,bjk->bik", a, b)       # bmm
    >>> pn.einsum("i,j->ij", x, y)            # outer product
"""
from __future__ import annotations

from ..autograd.tensor import Tensor

__all__ = ["einsum"]


def _parse(equation: str, n: int):
    eq = equation.replace(" ", "")
    if "." in eq:
        raise ValueError(f"einsum({equation!r}): ellipsis ('...') is not supported; write the "
                         "indices out")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != n:
        raise ValueError(f"einsum({equation!r}): {len(ins)} operand subscripts for {n} tensors")
    for s in ins + ([out] if arrow else []):
        if not s.isalpha() and s != "":
            raise ValueError(f"einsum({equation!r}): subscripts must be letters, got {s!r}")
        if len(set(s)) != len(s):
            raise ValueError(f"einsum({equation!r}): index repeated within one operand ({s!r}: "
                             "diagonals and traces) is not supported")
    if not arrow:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(sorted(c for c, k in counts.items() if k == 1))
    for c in out:
        if not any(c in s for s in ins):
            raise ValueError(f"einsum({equation!r}): output index {c!r} is in no operand")
    return ins, out


def _reduce(t: Tensor, sub: str, keep) -> tuple:
    """Sum ``t`` over its indices not in ``keep``."""
    drop = tuple(i for i, c in enumerate(sub) if c not in keep)
    if drop:
        from .api import sum as _sum
        t = _sum(t, axis=drop)
        sub = "".join(c for c in sub if c in keep)
    return t, sub


def _pair(a: Tensor, sa: str, b: Tensor, sb: str, keep: str):
    """Contract ``a`` and ``b``; the result keeps the indices in ``keep``."""
    from .api import matmul, permute, reshape
    a, sa = _reduce(a, sa, set(sb) | set(keep))
    b, sb = _reduce(b, sb, set(sa) | set(keep))
    batch = [c for c in sa if c in sb and c in keep]
    contr = [c for c in sa if c in sb and c not in keep]
    left = [c for c in sa if c not in sb]
    right = [c for c in sb if c not in sa]
    size = {c: a.shape[i] for i, c in enumerate(sa)}
    for i, c in enumerate(sb):
        if c in size and size[c] != b.shape[i] and 1 not in (size[c], b.shape[i]):
            raise ValueError(f"einsum: index {c!r} has size {size[c]} in one operand and "
                             f"{b.shape[i]} in another")
        size.setdefault(c, b.shape[i])

    def n(cs):
        p = 1
        for c in cs:
            p *= size[c]
        return p
    a = reshape(permute(a, [sa.index(c) for c in batch + left + contr]),
                (n(batch), n(left), n(contr)))
    b = reshape(permute(b, [sb.index(c) for c in batch + contr + right]),
                (n(batch), n(contr), n(right)))
    out = reshape(matmul(a, b), tuple(size[c] for c in batch + left + right))
    return out, "".join(batch + left + right)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation (``torch.einsum``): see the module docstring for what is supported.

    Example:
        >>> pn.einsum("ij,jk->ik", pn.ones(2, 3), pn.ones(3, 4)).shape
        (2, 4)
    """
    from .api import permute
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse(equation, len(operands))
    for t, s in zip(operands, ins):
        if t.ndim != len(s):
            raise ValueError(f"einsum({equation!r}): subscripts {s!r} for a tensor of "
                             f"{t.ndim} dimensions")
    t, s = operands[0], ins[0]
    for k in range(1, len(operands)):
        later = set(out).union(*ins[k + 1:]) if k + 1 < len(ins) else set(out)
        t, s = _pair(t, s, operands[k], ins[k], "".join(sorted(later)))
    t, s = _reduce(t, s, set(out))
    if s != out:
        t = permute(t, [s.index(c) for c in out])
    return t
