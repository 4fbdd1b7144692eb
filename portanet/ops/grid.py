"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (2-D; PyTorch's arguments).

``affine_grid`` is a product of a constant grid of normalized pixel centres with each
``theta`` (composed from ``matmul``, so its gradient is ``matmul``'s).  ``grid_sample``
is one primitive: the sampling positions depend on the data, so forward gathers the
2 x 2 neighbours of each position (``take_along_axis``) and backward scatters the
input's gradient back with ``index_add`` (a one-hot product generically, ``np.add.at``
and friends as registered fast paths); the grid's gradient is the bilinear weights'
derivative.  Modes ``bilinear`` and ``nearest``; padding ``zeros`` and ``border``.

Example:
    >>> theta = pn.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> grid = F.affine_grid(theta, (1, 3, 4, 5), align_corners=False)
    >>> F.grid_sample(pn.zeros(1, 3, 4, 5), grid, align_corners=False).shape
    (1, 3, 4, 5)
"""
from __future__ import annotations

from .. import argcheck
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from .indexing import index_add
from .linalg import matmul
from .shape import reshape, transpose
from .util import device_of

__all__ = ["affine_grid", "grid_sample"]


def _linspace(n, align_corners):
    """Normalized coordinates of ``n`` pixel centres (corners at -1, 1 when aligned)."""
    if n == 1:
        return [0.0]
    if align_corners:
        return [-1.0 + 2.0 * i / (n - 1) for i in range(n)]
    return [(2.0 * i + 1.0) / n - 1.0 for i in range(n)]


def affine_grid(theta, size, align_corners=None):
    """Sampling grid ``(N, H, W, 2)`` (x, y in [-1, 1]) of the affine maps ``theta``
    ``(N, 2, 3)`` for an output of ``size`` ``(N, C, H, W)``; ``align_corners`` defaults
    to False (PyTorch's default).  Only 2-D (PyTorch also has the 3-D form).

    Example:
        >>> F.affine_grid(pn.zeros(2, 2, 3), (2, 1, 4, 5), align_corners=False).shape
        (2, 4, 5, 2)
    """
    who = "affine_grid"
    if not isinstance(theta, Tensor):
        raise TypeError(f"{who}: theta must be a pn.Tensor, got {type(theta).__name__}")
    size = tuple(size)
    if len(size) != 4 or not all(argcheck.is_int(s) and s > 0 for s in size):
        raise ValueError(f"{who}: size must be 4 positive ints (N, C, H, W) (only 2-D affine grids "
                         f"are supported), got {size!r}")
    if not theta._bk.xp.isdtype(theta.array.dtype, "real floating"):
        raise TypeError(f"{who}: expected theta to have a floating point type, got {theta.dtype}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"{who}: expected a batch of 2D affine matrices of shape Nx2x3 for size "
                         f"{size}, got {tuple(theta.shape)}")
    xs, ys = _linspace(w, bool(align_corners)), _linspace(h, bool(align_corners))
    base = [[x, y, 1.0] for y in ys for x in xs]                     # (H*W, 3), x fastest
    bk = theta._bk
    base = Tensor.from_array(bk.asarray(base, theta.dtype), bk)
    grid = matmul(base, transpose(theta, 1, 2))                      # (N, H*W, 2)
    return reshape(grid, (n, h, w, 2))


class GridSample2d(Function):
    """Sample ``input`` ``(N, C, H, W)`` at ``grid`` ``(N, Ho, Wo, 2)``; see :func:`grid_sample`."""

    def forward(self, xp, inp, grid, *, mode, padding_mode, align_corners):
        n, c, h, w = inp.shape
        _, ho, wo, _ = grid.shape
        dev, dt = device_of(inp), inp.dtype
        ix, sx, mx = self._unnormalize(xp, grid[..., 0], w, padding_mode, align_corners)
        iy, sy, my = self._unnormalize(xp, grid[..., 1], h, padding_mode, align_corners)
        if mode == "nearest":
            corners = [(xp.round(iy), xp.round(ix), xp.ones(ix.shape, dtype=dt, device=dev), 0, 0)]
        else:
            x0, y0 = xp.floor(ix), xp.floor(iy)
            wx1, wy1 = ix - x0, iy - y0
            wx0, wy0 = 1 - wx1, 1 - wy1
            # (row, col, weight, d weight / d ix sign * wy, d weight / d iy sign * wx)
            corners = [(y0, x0, wy0 * wx0, -wy0, -wx0), (y0, x0 + 1, wy0 * wx1, wy0, -wx1),
                       (y0 + 1, x0, wy1 * wx0, -wy1, wx0), (y0 + 1, x0 + 1, wy1 * wx1, wy1, wx1)]
        flat = xp.reshape(inp, (n, c, h * w))
        out = xp.zeros((n, c, ho * wo), dtype=dt, device=dev)
        saved, gix, giy = [], None, None
        for r, q, wgt, dx, dy in corners:
            valid = (r >= 0) & (r <= h - 1) & (q >= 0) & (q <= w - 1)
            rr = xp.astype(xp.clip(r, 0, h - 1), xp.int64)
            qq = xp.astype(xp.clip(q, 0, w - 1), xp.int64)
            idx = xp.reshape(rr * w + qq, (n, 1, ho * wo))
            v = xp.take_along_axis(flat, xp.broadcast_to(idx, (n, c, ho * wo)), axis=2)
            v = v * xp.reshape(xp.astype(valid, dt), (n, 1, ho * wo))
            out = out + v * xp.reshape(wgt, (n, 1, ho * wo))
            saved.append((idx, xp.astype(valid, dt) * wgt, v, dx, dy))
        self.saved, self.geom = saved, (n, c, h, w, ho, wo, mode, sx * mx, sy * my)
        return xp.reshape(out, (n, c, ho, wo))

    @staticmethod
    def _unnormalize(xp, g, size, padding_mode, align_corners):
        """Pixel coordinate, d coordinate / d g, and the border clip's pass-through mask."""
        scale = (size - 1) / 2 if align_corners else size / 2
        pix = (g + 1) * scale if align_corners else (g + 1) * scale - 0.5
        mask = 1.0
        if padding_mode == "border":
            mask = xp.astype((pix > 0) & (pix < size - 1), g.dtype)
            pix = xp.clip(pix, 0.0, float(size - 1))
        return pix, scale, mask

    def backward(self, xp, g):
        n, c, h, w, ho, wo, mode, kx, ky = self.geom
        gf = xp.reshape(g, (n, c, ho * wo))
        ginp = ggrid = None
        if self.needs[0]:
            total = None
            for idx, wgt, _, _, _ in self.saved:
                vals = gf * xp.reshape(wgt, (n, 1, ho * wo))                     # (N, C, L)
                gidx = xp.reshape(idx + xp.reshape(xp.arange(n, dtype=idx.dtype, device=device_of(g))
                                                   * (h * w), (n, 1, 1)), (-1,))
                part = index_add(xp, n * h * w, gidx,
                                 xp.reshape(xp.permute_dims(vals, (0, 2, 1)), (n * ho * wo, c)))
                total = part if total is None else total + part
            ginp = xp.reshape(xp.permute_dims(xp.reshape(total, (n, h, w, c)), (0, 3, 1, 2)),
                              (n, c, h, w))
        if self.needs[1]:
            if mode == "nearest":
                ggrid = xp.zeros((n, ho, wo, 2), dtype=g.dtype, device=device_of(g))
            else:
                gx = gy = 0.0
                for _, _, v, dx, dy in self.saved:
                    s = xp.reshape(xp.sum(gf * v, axis=1), (n, ho, wo))
                    gx, gy = gx + s * dx, gy + s * dy
                ggrid = xp.stack([gx * kx, gy * ky], axis=-1)
        return ginp, ggrid


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` ``(N, C, H, W)`` at the normalized positions ``grid`` ``(N, Ho, Wo, 2)``
    (x, then y, in [-1, 1]) -> ``(N, C, Ho, Wo)``; differentiable in both.

    Args:
        mode: ``"bilinear"`` (default) or ``"nearest"`` (ties round half to even, as PyTorch).
        padding_mode: ``"zeros"`` (default) or ``"border"``; ``"reflection"`` is refused.
        align_corners: False by default (PyTorch's): -1 and 1 are the outer edges of the
            corner pixels; True: their centres.

    Example:
        >>> F.grid_sample(pn.ones(1, 1, 3, 3), pn.zeros(1, 2, 2, 2), align_corners=True).shape
        (1, 1, 2, 2)
    """
    who = "grid_sample"
    argcheck.one_of(who, "mode", mode, ("bilinear", "nearest"))
    argcheck.one_of(who, "padding_mode", padding_mode, ("zeros", "border"))
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {name} must be a pn.Tensor, got {type(t).__name__}")
    if input.ndim != 4:
        raise ValueError(f"{who}: only 4-D input (N, C, H, W) is supported, got shape {input.shape}")
    if grid.ndim != 4 or grid.shape[3] != 2 or grid.shape[0] != input.shape[0]:
        raise ValueError(f"{who}: expected grid of shape (N, H_out, W_out, 2) with N = "
                         f"{input.shape[0]}, got {tuple(grid.shape)}")
    if input.dtype != grid.dtype:
        raise TypeError(f"{who}: expected input and grid to have the same dtype, got {input.dtype} "
                        f"and {grid.dtype}")
    if not input._bk.xp.isdtype(input.array.dtype, "real floating"):
        raise TypeError(f"{who}: input must be floating point, got {input.dtype}")
    return GridSample2d.apply(input, grid, mode=mode, padding_mode=padding_mode,
                              align_corners=bool(align_corners))
