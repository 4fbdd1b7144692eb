"""Matrix and vector products with PyTorch's names: ``mm``, ``mv``, ``dot``, ``vdot``,
``inner``, ``outer``/``ger``, ``addmm``, ``addmv``, ``addbmm``, ``baddbmm``, ``tensordot``,
``kron``, ``cross``, ``cdist``, ``chain_matmul``.  All are built on ``matmul`` and the
elementwise and shape ops, so their gradients come from those; each checks its shapes
where it is called and names both.

Example:
    >>> a, b = pn.ones(2, 3), pn.ones(3, 4)
    >>> pn.addmm(pn.zeros(2, 4), a, b, beta=0.5, alpha=2.0).shape
    (2, 4)
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from .linalg import matmul
from .util import register_methods

__all__ = ["mm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm",
           "baddbmm", "tensordot", "kron", "cross", "cdist", "chain_matmul"]


def _nd(who: str, name: str, t, n: int) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if t.ndim != n:
        raise RuntimeError(f"{who}: {name} must be a {n}D tensor, got {t.ndim}D "
                           f"(shape {list(t.shape)})")


def _same_dtype(who: str, a: Tensor, b: Tensor) -> None:
    if a.array.dtype != b.array.dtype:
        raise RuntimeError(f"{who}: expected {a.dtype} and {b.dtype} to be the same dtype "
                           f"(expected both tensors to have the same dtype)")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices ``(n, m) @ (m, p)`` (``torch.mm``; no broadcasting).

    Example:
        >>> pn.mm(pn.ones(2, 3), pn.ones(3, 1)).shape
        (2, 1)
    """
    _nd("mm", "self", input, 2)
    _nd("mm", "mat2", mat2, 2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x"
                           f"{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype("mm", input, mat2)
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product ``(n, m) @ (m,)`` (``torch.mv``)."""
    _nd("mv", "self", input, 2)
    _nd("mv", "vec", vec, 1)
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype("mv", input, vec)
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of equal length (``torch.dot``).

    Example:
        >>> pn.dot(pn.tensor([1.0, 2.0]), pn.tensor([3.0, 4.0]))
        tensor(11.)
    """
    _nd("dot", "input", input, 1)
    _nd("dot", "tensor", tensor, 1)
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and "
                           f"src [{tensor.shape[0]}] to have the same number of elements, but "
                           f"got {input.shape[0]} and {tensor.shape[0]} elements respectively")
    _same_dtype("dot", input, tensor)
    return matmul(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``dot`` with the first argument conjugated; the same as ``dot`` for real tensors."""
    if isinstance(input, Tensor) and input._bk.xp.isdtype(input.array.dtype, "complex floating"):
        raise NotImplementedError("vdot: complex tensors are not supported")
    return dot(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims (``torch.inner``): ``(..., k)`` and ``(..., k)``
    give ``input.shape[:-1] + other.shape[:-1]``; a 0-d operand multiplies.

    Example:
        >>> pn.inner(pn.ones(2, 3), pn.ones(4, 3)).shape
        (2, 4)
    """
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([input.ndim - 1], [other.ndim - 1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors, ``(n,) x (m,) -> (n, m)`` (``torch.outer``)."""
    _nd("outer", "input", input, 1)
    _nd("outer", "vec2", vec2, 1)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def _beta_alpha(input: Tensor, prod: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * prod``; ``beta=0`` ignores ``input`` (its NaN and inf
    too) and gets a zero gradient, as PyTorch."""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:   # input's values never enter (not even NaN); its gradient is zeros
        from .scatter import _scalar_like, _where
        xp = input._bk.xp
        never = xp.zeros(tuple(input.shape), dtype=xp.bool, device=input._bk.device)
        return prod + _where(never, input, _scalar_like(input, 0))
    return (input if beta == 1 else input * beta) + prod


def _out_shape(who: str, input: Tensor, shape) -> None:
    try:
        from .joining import broadcast_shapes
        if broadcast_shapes(tuple(input.shape), shape) != tuple(shape):
            raise RuntimeError
    except RuntimeError:
        raise RuntimeError(f"{who}: the input of shape {list(input.shape)} cannot be broadcast "
                           f"to the product's shape {list(shape)}") from None


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (``torch.addmm``); ``input`` broadcasts.

    Example:
        >>> pn.addmm(pn.zeros(3), pn.ones(2, 4), pn.ones(4, 3)).shape
        (2, 3)
    """
    prod = mm(mat1, mat2)
    _out_shape("addmm", input, prod.shape)
    return _beta_alpha(input, prod, beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` (``torch.addmv``)."""
    prod = mv(mat, vec)
    _out_shape("addmv", input, prod.shape)
    return _beta_alpha(input, prod, beta, alpha)


def _bmm(who: str, b1: Tensor, b2: Tensor) -> Tensor:
    _nd(who, "batch1", b1, 3)
    _nd(who, "batch2", b2, 3)
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"{who}: expected batch1 (b, n, m) and batch2 (b, m, p), got "
                           f"{list(b1.shape)} and {list(b2.shape)}")
    return matmul(b1, b2)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices
    (``torch.baddbmm``)."""
    prod = _bmm("baddbmm", batch1, batch2)
    _out_shape("baddbmm", input, prod.shape)
    return _beta_alpha(input, prod, beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])`` (``torch.addbmm``)."""
    prod = _bmm("addbmm", batch1, batch2).sum(0)
    _out_shape("addbmm", input, prod.shape)
    return _beta_alpha(input, prod, beta, alpha)


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Sum of products over ``dims``: an int (the last ``dims`` of ``a`` with the first of
    ``b``) or a pair of lists of dims (``torch.tensordot``); one ``matmul``.

    Example:
        >>> pn.tensordot(pn.ones(2, 3, 4), pn.ones(4, 3, 5), dims=([1, 2], [1, 0])).shape
        (2, 5)
    """
    if out is not None:
        raise TypeError("tensordot: out= is not supported")
    from .. import argcheck
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if argcheck.is_int(dims):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(f"tensordot expects dims to be an int or a pair of lists, got {dims!r}")
        da, db = ([d] if argcheck.is_int(d) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
        da = list(argcheck.dims("tensordot", da, a.ndim, "dims"))
        db = list(argcheck.dims("tensordot", db, b.ndim, "dims"))
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in dim {y}")
    ka = [d for d in range(a.ndim) if d not in da]
    kb = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    ra = a.permute(*(ka + da)).reshape(-1, k)
    rb = b.permute(*(db + kb)).reshape(k, -1)
    return matmul(ra, rb).reshape(tuple(a.shape[d] for d in ka) + tuple(b.shape[d] for d in kb))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product (``torch.kron``): block ``(i, j)`` is ``input[i, j] * other``.

    Example:
        >>> pn.kron(pn.eye(2), pn.ones(2, 2)).shape
        (4, 4)
    """
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    ea = a.reshape(tuple(v for s in a.shape for v in (s, 1)))
    eb = b.reshape(tuple(v for s in b.shape for v in (1, s)))
    return (ea * eb).reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (``torch.cross``; ``dim=None`` takes the
    first dim of size 3, as PyTorch does with a deprecation warning).

    Example:
        >>> pn.cross(pn.tensor([1.0, 0.0, 0.0]), pn.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    from .. import argcheck
    from .joining import broadcast_tensors
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, "
                           f"got {input.ndim} and {other.ndim}")
    a, b = broadcast_tensors(input, other)
    if dim is None:
        dim = next((i for i, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {list(a.shape)})")
    d = argcheck.dim("cross", dim, a.ndim)
    if a.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    from .shape import stack
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """Distances between the rows of ``x1`` ``(..., P, M)`` and of ``x2`` ``(..., R, M)``:
    ``(..., P, R)`` (``torch.cdist``).  ``compute_mode`` as PyTorch: for ``p=2`` with
    more than 25 rows (or ``'use_mm_for_euclid_dist'``) through one matrix product,
    otherwise from the differences; the gradient at a zero distance is 0, as PyTorch's.

    Example:
        >>> pn.cdist(pn.zeros(2, 3), pn.ones(4, 3)).shape
        (2, 4)
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, "
                           f"X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
            compute_mode in (None, "use_mm_for_euclid_dist_if_necessary")
            and (x1.shape[-2] > 25 or x2.shape[-2] > 25))):
        return _cdist_mm(x1, x2)
    from .norms import vector_norm
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, dim=-1, _share_ties=False)


def _cdist_mm(x1: Tensor, x2: Tensor) -> Tensor:
    """Euclidean distances as ``sqrt(|a|^2 + |b|^2 - 2 a.b)``: one matmul, no
    ``(P, R, M)`` difference tensor (PyTorch's own choice when P or R exceeds 25, so the
    rounding matches its default mode); the square root has a zero gradient at 0."""
    from .elementwise import clip
    from .reduce import SqrtOfVar
    a2 = (x1 * x1).sum(-1).unsqueeze(-1)
    b2 = (x2 * x2).sum(-1).unsqueeze(-2)
    d2 = clip(a2 + b2 - 2 * matmul(x1, x2.transpose(-2, -1)), 0.0)
    return SqrtOfVar.apply(d2)


def chain_matmul(*matrices) -> Tensor:
    """Product of 2-D matrices left to right (``torch.chain_matmul``; see also
    ``pn.linalg.multi_dot``)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    out = matrices[0]
    _nd("chain_matmul", "matrices[0]", out, 2)
    for i, m in enumerate(matrices[1:], 1):
        _nd("chain_matmul", f"matrices[{i}]", m, 2)
        out = mm(out, m)
    return out


def _bind() -> None:
    from .norms import det, inv, slogdet
    from .scatter import _inplace
    from .views import swapaxes
    register_methods(mm, mv, dot, vdot, inner, outer, addmm, addmv, addbmm, baddbmm, kron, cross,
                     det, slogdet, ger=outer, inverse=inv, swapdims=swapaxes,
                     addmm_=_inplace(addmm, "addmm_"), addmv_=_inplace(addmv, "addmv_"),
                     addbmm_=_inplace(addbmm, "addbmm_"), baddbmm_=_inplace(baddbmm, "baddbmm_"))


_bind()
