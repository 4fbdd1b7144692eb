"""``pn.linalg``: norms (``vector_norm``, ``matrix_norm``, ``norm``), ``inv``, ``solve``,
``det``, ``slogdet``, ``multi_dot``, ``cross``, as ``torch.linalg``.

``inv``, ``solve``, ``det`` and ``slogdet`` use the Array API's ``linalg`` extension
(NumPy, CuPy, torch, array_api_strict and JAX all provide it) with their closed-form
gradients: ``d inv(A) = -A^-T g A^-T``, ``solve``: ``gB = solve(A^T, g)``,
``gA = -gB X^T``, ``d det(A) = g det(A) A^-T``, ``d logabsdet(A) = g A^-T``.

Example:
    >>> A = pn.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> pn.linalg.det(A)
    tensor(5., requires_grad=True)
    >>> pn.linalg.vector_norm(pn.tensor([3.0, 4.0]))
    tensor(5.)
"""
from __future__ import annotations

import math

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from collections import namedtuple

_SlogDet = namedtuple("slogdet", ["sign", "logabsdet"])

__all__ = ["vector_norm", "matrix_norm", "norm", "inv", "solve", "det", "slogdet", "multi_dot"]


class VectorNorm(Function):
    """``sum(|x|^p)^(1/p)`` over ``axes`` (max/min of ``|x|`` for ``p = +-inf``, the count of
    non-zeros for ``p = 0``).  The gradient is 0 where the norm is 0 (PyTorch's choice
    for the non-differentiable point) and shared among ties for ``+-inf``."""

    def forward(self, xp, a, ord, axes, keepdims, share):
        self.a, self.ord, self.axes, self.keepdims, self.share = a, ord, axes, keepdims, share
        x = xp.abs(a)
        if ord == 2:
            out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
        elif ord == 1:
            out = xp.sum(x, axis=axes, keepdims=True)
        elif ord == math.inf:
            out = xp.max(x, axis=axes, keepdims=True)
        elif ord == -math.inf:
            out = xp.min(x, axis=axes, keepdims=True)
        elif ord == 0:
            out = xp.sum(xp.astype(x != 0, a.dtype), axis=axes, keepdims=True)
        else:
            out = xp.sum(x ** ord, axis=axes, keepdims=True) ** (1.0 / ord)
        self.out = out
        return out if keepdims else xp.squeeze(out, axis=axes)

    def backward(self, xp, g):
        a, p, out = self.a, self.ord, self.out
        if not self.keepdims:
            g = xp.reshape(g, out.shape)
        zero = xp.zeros_like(a)
        if p == 0:
            return (zero,)
        s = xp.sign(a)
        if p == 1:
            return (g * s,)
        if p in (math.inf, -math.inf):
            hit = xp.astype(xp.abs(a) == out, a.dtype)
            if self.share:   # vector_norm shares among ties; cdist gives each the whole
                hit = hit / xp.sum(hit, axis=self.axes, keepdims=True)
            return (g * s * hit,)
        safe = xp.where(out == 0, xp.ones_like(out), out)
        if p == 2:
            gx = g * a / safe
        else:
            gx = g * s * xp.abs(a) ** (p - 1) / safe ** (p - 1)
        return (xp.where(out == 0, zero, gx),)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None,
                _share_ties: bool = True) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None), as
    ``torch.linalg.vector_norm``: ``ord`` any real, ``inf``, ``-inf`` or 0.

    Example:
        >>> pn.linalg.vector_norm(pn.tensor([[3.0, 4.0]]), dim=1)
        tensor([5.])
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dtype is not None:
        x = x.astype(dtype)
    if not x._bk.xp.isdtype(x.array.dtype, "real floating"):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {x.dtype}")
    axes = argcheck.dims("linalg.vector_norm", dim, x.ndim)
    if ord == 0:    # a count: off the graph, as in PyTorch
        x = x.detach()
    if x.ndim == 0:
        return VectorNorm.apply(x.reshape(1), ord=ord, axes=(0,), keepdims=False,
                                share=_share_ties).reshape(())
    return VectorNorm.apply(x, ord=ord, axes=axes, keepdims=bool(keepdim), share=_share_ties)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The ``ord``-norm of the matrices in dims ``dim`` (``torch.linalg.matrix_norm``):
    ``'fro'``, and ``1``, ``-1``, ``inf``, ``-inf`` (largest/smallest column or row sum
    of absolute values).  ``'nuc'``, ``2`` and ``-2`` need singular values: refused.

    Example:
        >>> pn.linalg.matrix_norm(pn.ones(2, 2))
        tensor(2.)
    """
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions, got {A.ndim}")
    d = argcheck.dims("linalg.matrix_norm", dim, A.ndim)
    if len(d) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim!r}")
    if ord == "fro":
        return vector_norm(A, 2, d, keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values "
                                  f"(svd), which portanet does not provide")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord!r} not supported.")
    from .sorting import amax, amin
    if dtype is not None:
        A = A.astype(dtype)
    rows, cols = d
    over, then = (rows, cols) if abs(ord) == 1 else (cols, rows)
    s = A.abs().sum(over, keepdim=True)
    out = (amax if ord > 0 else amin)(s, dim=then, keepdim=True)
    return out if keepdim else out.squeeze(max(d)).squeeze(min(d))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int or ``A`` is 1-D, a
    matrix norm when ``dim`` is a pair or ``A`` is 2-D; ``ord=None`` is the 2-norm of
    the flattened input (Frobenius for matrices)."""
    if isinstance(dim, int) and not isinstance(dim, bool):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} needs a matrix (two dims)")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def _square(who: str, A: Tensor) -> None:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{who}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim > 1 else A.shape}"
                           f" by {A.shape[-1] if A.ndim else ''} matrices")
    if not A._bk.xp.isdtype(A.array.dtype, "real floating"):
        raise RuntimeError(f"{who}: Expected a floating point tensor as input. Got {A.dtype}")


def _mT(xp, a):
    return xp.matrix_transpose(a)


class Inv(Function):
    saves_inputs = False

    def forward(self, xp, a):
        self.y = y = xp.linalg.inv(a)
        return y

    def backward(self, xp, g):
        yt = _mT(xp, self.y)
        return (-(yt @ g @ yt),)


class Solve(Function):
    def forward(self, xp, a, b, vec):
        self.a = a
        self.vec = vec
        x = xp.linalg.solve(a, b[..., None] if vec else b)
        self.x = x
        return x[..., 0] if vec else x

    def backward(self, xp, g):
        na, nb = self.needs
        gm = g[..., None] if self.vec else g
        gb = xp.linalg.solve(_mT(xp, self.a), gm)
        ga = -(gb @ _mT(xp, self.x)) if na else None
        if nb:
            gb = gb[..., 0] if self.vec else gb
        else:
            gb = None
        return ga, gb


class Det(Function):
    def forward(self, xp, a):
        self.a = a
        self.d = d = xp.linalg.det(a)
        return d

    def backward(self, xp, g):
        return ((g * self.d)[..., None, None] * _mT(xp, xp.linalg.inv(self.a)),)


class SlogDet(Function):
    multi_output = True

    def forward(self, xp, a):
        self.a = a
        sign, logabs = xp.linalg.slogdet(a)
        return sign, logabs

    def backward(self, xp, gs, gl):
        if gl is None:
            return (None,)
        return (gl[..., None, None] * _mT(xp, xp.linalg.inv(self.a)),)


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of ``A`` (``torch.linalg.inv``).  A singular
    matrix is not detected (that would read the device): its result holds inf/NaN."""
    _square("linalg.inv", A)
    return Inv.apply(A)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``X`` with ``A @ X = B`` (``torch.linalg.solve``); ``B`` a vector ``(..., n)`` or
    matrices ``(..., n, k)``.  ``left=False`` (``X @ A = B``) is refused.

    Example:
        >>> pn.linalg.solve(pn.eye(2) * 2, pn.tensor([2.0, 4.0]))
        tensor([1., 2.])
    """
    _square("linalg.solve", A)
    if not left:
        raise NotImplementedError("linalg.solve: left=False is not supported; solve "
                                  "A.mT X.mT = B.mT instead")
    vec = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if B.shape[-2 if not vec else -1] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{A.shape[-1]} and {list(B.shape)})")
    return Solve.apply(A, B, vec=vec)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of ``A`` (``torch.linalg.det``)."""
    _square("linalg.det", A)
    return Det.apply(A)


def slogdet(A: Tensor):
    """``(sign, logabsdet)`` of each square matrix (``torch.linalg.slogdet``); the
    gradient flows through ``logabsdet``."""
    _square("linalg.slogdet", A)
    sign, logabs = SlogDet.apply(A)
    return _SlogDet(sign, logabs)


def multi_dot(tensors) -> Tensor:
    """Product of matrices left to right; the first may be 1-D (a row) and the last 1-D
    (a column), as ``torch.linalg.multi_dot`` (no reordering for cost)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    from .linalg import matmul
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out
