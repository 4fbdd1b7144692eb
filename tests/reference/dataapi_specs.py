"""Samples as JSON specs, and collated results as JSON, for the torch.utils.data reference:
shared by gen_dataapi_reference.py (with torch) and tests/test_data_api.py (with portanet)."""
import collections

import numpy as np

Point = collections.namedtuple("Point", "x y")


def build(spec, tensor):
    """A sample from its spec; ``tensor(np_array)`` makes the library's tensor."""
    if not isinstance(spec, dict):
        return spec
    (kind, v), = spec.items()
    if kind == "np":
        return np.asarray(v[1], dtype=v[0])
    if kind == "npscalar":
        return getattr(np, v[0])(v[1])
    if kind == "tensor":
        return tensor(np.asarray(v[1], dtype=v[0]))
    if kind == "bytes":
        return v.encode()
    if kind == "tuple":
        return tuple(build(s, tensor) for s in v)
    if kind == "list":
        return [build(s, tensor) for s in v]
    if kind == "dict":
        return {k: build(s, tensor) for k, s in v.items()}
    if kind == "point":
        return Point(*(build(s, tensor) for s in v))
    raise ValueError(kind)


def encode(out, tensor_type, describe):
    """The collated result as JSON: containers by kind, tensors (``tensor_type``) as
    ``describe(t)`` = (dtype name, shape, values)."""
    if isinstance(out, tensor_type):
        return {"tensor": list(describe(out))}
    if isinstance(out, np.ndarray):
        return {"ndarray": [str(out.dtype), out.tolist()]}
    if isinstance(out, bytes):
        return {"bytes": out.decode()}
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        return {"point": [encode(o, tensor_type, describe) for o in out]}
    if isinstance(out, tuple):
        return {"tuple": [encode(o, tensor_type, describe) for o in out]}
    if isinstance(out, list):
        return {"list": [encode(o, tensor_type, describe) for o in out]}
    if isinstance(out, dict):
        return {"dict": {k: encode(o, tensor_type, describe) for k, o in out.items()}}
    return out
