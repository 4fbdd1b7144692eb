"""``pn.set_printoptions``: how ``Tensor.__repr__`` formats values, with PyTorch's arguments.

Formatting is NumPy's ``array2string`` (every backend's values are shown through the host);
these options are passed to it.  Until an option is set, portanet prints as NumPy does
(up to 8 significant digits, where PyTorch shows 4 decimals): ``profile="default"`` brings
that back, ``"short"`` and ``"full"`` are PyTorch's profiles.

Example:
    >>> pn.set_printoptions(precision=2)
    >>> pn.tensor([1.23456])
    tensor([1.23])
    >>> pn.set_printoptions(profile="default")
"""
from __future__ import annotations

import math
import sys

from . import argcheck
from .backend.host import PRINT_OPTIONS

__all__ = ["set_printoptions", "get_printoptions"]

_PROFILES = {"default": {}, "short": {"precision": 2, "edgeitems": 2},
             "full": {"threshold": sys.maxsize}}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Set how tensors print (PyTorch's arguments; ``None`` leaves an option as it is).

    Args:
        precision: digits after the decimal point.
        threshold: more elements than this are summarized with ``...``.
        edgeitems: items shown at each end of a summarized dimension.
        linewidth: characters per line.
        profile: ``"default"`` (portanet's startup formatting), ``"short"`` or ``"full"``;
            applied first, then the other arguments.
        sci_mode: True for scientific notation always, False never, None NumPy's choice.

    Example:
        >>> pn.set_printoptions(threshold=5, edgeitems=1)
        >>> pn.arange(10)
        tensor([0, ..., 9])
    """
    if profile is not None:
        argcheck.one_of("set_printoptions", "profile", profile, tuple(_PROFILES))
        PRINT_OPTIONS.clear()
        PRINT_OPTIONS.update(_PROFILES[profile])
    if precision is not None:
        PRINT_OPTIONS["precision"] = argcheck.nonneg_int("set_printoptions", "precision", precision)
    if threshold is not None:
        if threshold == math.inf:
            threshold = sys.maxsize
        PRINT_OPTIONS["threshold"] = argcheck.nonneg_int("set_printoptions", "threshold", threshold)
    if edgeitems is not None:
        PRINT_OPTIONS["edgeitems"] = argcheck.nonneg_int("set_printoptions", "edgeitems", edgeitems)
    if linewidth is not None:
        PRINT_OPTIONS["max_line_width"] = argcheck.positive_int("set_printoptions", "linewidth",
                                                                linewidth)
    if sci_mode is not None:
        if not isinstance(sci_mode, bool):
            raise TypeError(f"set_printoptions: sci_mode must be True, False or None, got "
                            f"{sci_mode!r}")
        PRINT_OPTIONS.pop("formatter", None)
        PRINT_OPTIONS.pop("suppress_small", None)
        if sci_mode:
            digits = PRINT_OPTIONS.get("precision", 4)
            PRINT_OPTIONS["formatter"] = {"float_kind": lambda v: f"{v:.{digits}e}"}
        else:
            PRINT_OPTIONS["suppress_small"] = True


def get_printoptions() -> dict:
    """The options in force, by PyTorch's names (unset ones are absent).

    Example:
        >>> pn.get_printoptions()
        {}
    """
    names = {"max_line_width": "linewidth"}
    out = {names.get(k, k): v for k, v in PRINT_OPTIONS.items() if k not in ("formatter", "suppress_small")}
    if "formatter" in PRINT_OPTIONS:
        out["sci_mode"] = True
    elif "suppress_small" in PRINT_OPTIONS:
        out["sci_mode"] = False
    return out
