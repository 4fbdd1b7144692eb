"""``assert_close``: values, dtype, shape and backend checked in one call."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from ..backend import dtype_name, to_numpy

__all__ = ["assert_close"]


def _default_tol(dtype: str) -> tuple[float, float]:
    return (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12) if dtype == "float64" else (0, 0)


def assert_close(actual, expected, rtol: float | None = None, atol: float | None = None,
                 check_dtype: bool = True, check_backend: bool = True) -> None:
    """Assert that ``actual`` matches ``expected`` in values, shape, dtype and backend.

    ``expected`` may be a Tensor (then dtype and backend must match too) or a list,
    number, NumPy array or any backend's raw array (then values and shape are compared).
    ``actual``'s dtype decides the default tolerance: float32 ``rtol=1e-5, atol=1e-6``,
    float64 ``rtol=1e-10, atol=1e-12``, other dtypes exact.  NaNs must match NaNs.
    Arrays of any backend (CuPy included) are brought to the host with ``to_numpy``.

    Example:
        >>> pn.testing.assert_close(pn.tensor([1.0]) * 2, [2.0])
    """
    a = to_numpy(actual)
    e = to_numpy(expected)
    adt = dtype_name(actual.dtype) if isinstance(actual, Tensor) else a.dtype.name
    if isinstance(expected, Tensor) and isinstance(actual, Tensor):
        # backend first: dtype objects of two libraries never compare equal
        if check_backend and not actual._bk.same_place(expected._bk):
            raise AssertionError(f"backend mismatch: {actual._bk!r} vs {expected._bk!r}")
        if check_dtype and adt != dtype_name(expected.dtype):
            raise AssertionError(f"dtype mismatch: {adt} vs {dtype_name(expected.dtype)}")
    if a.shape != e.shape:
        raise AssertionError(f"shape mismatch: {a.shape} vs {e.shape}")
    r, t = _default_tol(adt)
    rtol = r if rtol is None else rtol
    atol = t if atol is None else atol
    where = f"{adt} on {actual._bk!r}" if isinstance(actual, Tensor) else adt
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=where)
