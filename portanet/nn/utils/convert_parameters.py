"""``parameters_to_vector`` / ``vector_to_parameters`` (``torch.nn.utils``'s).

Example:
    >>> v = pn.nn.utils.parameters_to_vector(model.parameters())
    >>> pn.nn.utils.vector_to_parameters(v * 0.5, model.parameters())
"""
from __future__ import annotations

from ...autograd.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check(who: str, params) -> list:
    out = [params] if isinstance(params, Tensor) else list(params)
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: expected a Tensor, but got: {type(p).__name__}")
    for p in out[1:]:
        if not p._bk.same_place(out[0]._bk):
            raise TypeError(f"{who}: Found two parameters on different devices, this is currently "
                            f"not supported ({out[0].device} and {p.device})")
    return out


def parameters_to_vector(parameters) -> Tensor:
    """All parameters flattened and joined into one 1-D Tensor (differentiable, as PyTorch).

    Example:
        >>> pn.nn.utils.parameters_to_vector(pn.nn.Linear(3, 2).parameters()).shape
        (8,)
    """
    from ...ops.api import cat
    params = _check("parameters_to_vector", parameters)
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters (their ``.data``).

    Raises ValueError, before any parameter changes, when ``vec``'s length differs from
    the parameters' total size (PyTorch would fail part-way).

    Example:
        >>> pn.nn.utils.vector_to_parameters(pn.zeros(8), pn.nn.Linear(3, 2).parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got: {type(vec).__name__}")
    params = _check("vector_to_parameters", parameters)
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {vec.shape}")
    total = sum(p.numel() for p in params)
    if vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements, the parameters "
                         f"hold {total}")
    pos = 0
    for p in params:
        n = p.numel()
        p.data = vec.detach()[pos:pos + n].reshape(p.shape).to(p.dtype)
        pos += n
