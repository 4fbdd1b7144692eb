"""Reading safetensors by hand: files of the safetensors library load and ours load in it,
bf16 from other tools is upcast exactly, float8 is refused by name, pickles of every
protocol are named as pickles, a header of 128 bytes is no pickle, offsets are checked,
and ``pn.load`` holds one copy of the data."""
import json
import os
import pickle
import struct
import tracemalloc

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import portanet as pn
from portanet.io.checkpoint import load as load_arrays   # the flat reader: host NumPy arrays
from portanet.io import CheckpointError

DTYPES = [np.float32, np.float64, np.float16, np.int8, np.uint8, np.int16, np.uint16, np.int32,
          np.uint32, np.int64, np.uint64, np.bool_]


def _arrays():
    rng = np.random.default_rng(0)
    out = {f"t_{np.dtype(d).name}": (rng.standard_normal((3, 2)) * 50).astype(d) for d in DTYPES}
    out["scalar"] = np.array(7, dtype=np.int64)           # BatchNorm's num_batches_tracked
    out["empty"] = np.zeros((0, 4), dtype=np.float32)
    return out


def _equal(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_files_cross_with_the_safetensors_library_both_ways(backend, tmp_path):
    ref = _arrays()
    pn.save({k: pn.tensor(v) if v.dtype in (np.float32, np.float64) and v.ndim else v for k, v in ref.items()},
            tmp_path / "ours.safetensors")
    _equal(load_file(tmp_path / "ours.safetensors"), ref)   # the reference reader reads ours
    save_file(ref, tmp_path / "theirs.safetensors")
    _equal(load_arrays(tmp_path / "theirs.safetensors"), ref)   # we read the reference writer's


def _hand_made(path, entries, metadata=None, pad=True):
    """A safetensors file built byte by byte: ``entries`` = [(name, code, shape, raw bytes)]."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, code, shape, raw in entries:
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


def test_bf16_written_by_other_tools_loads_as_float32_exactly(backend, tmp_path):
    # bf16 is the top half of a float32: these values are exact in it
    values = np.array([1.0, -2.5, 3.140625, 0.0009994507, -0.0, np.inf, 65280.0], dtype=np.float32)
    top = (values.view(np.uint32) >> 16).astype("<u2")
    _hand_made(tmp_path / "bf.safetensors", [("w", "BF16", (7,), top.tobytes()),
                                             ("b", "F32", (2,), np.ones(2, "<f4").tobytes())])
    out = load_arrays(tmp_path / "bf.safetensors")
    assert out["w"].dtype == np.float32 and out["b"].dtype == np.float32
    np.testing.assert_array_equal(out["w"], values)
    assert np.signbit(out["w"][4])
    model = pn.nn.Linear(1, 1)                                # usable as any float32 state
    model.load_state_dict({"weight": out["w"][:1].reshape(1, 1), "bias": out["b"][:1]})
    assert pn.to_numpy(model.weight).item() == 1.0


def test_float8_is_refused_by_name(backend, tmp_path):
    _hand_made(tmp_path / "f8.safetensors", [("w", "F8_E4M3", (4,), b"\x38\x40\x48\x00")])
    with pytest.raises(CheckpointError, match=r"holds tensor 'w' of dtype F8_E4M3, which portanet "
                                              r"cannot load \(NumPy has no such type\)"):
        pn.load(tmp_path / "f8.safetensors")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickles_of_every_protocol_are_named_as_pickles(backend, tmp_path, protocol):
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps({"weight": [[0.1, 0.2]], "epoch": 3}, protocol=protocol))
    for loader in (pn.load, pn.load_checkpoint):
        with pytest.raises(CheckpointError, match=r"looks like a Python pickle.*, not a safetensors "
                                                  r"file; portanet never unpickles"):
            loader(path)


def test_a_header_whose_length_starts_with_the_pickle_byte_loads(backend, tmp_path):
    """A header of 128 (or 384, 640 ...) bytes begins the file with 0x80, the pickle
    protocol byte: it was refused as a pickle before (1 file in 32)."""
    path = tmp_path / "w.safetensors"
    for n in range(1, 400):
        pn.save({"k" * n: pn.ones(1)}, path)
        if path.read_bytes()[0] == 0x80:
            break
    assert path.read_bytes()[0] == 0x80
    np.testing.assert_array_equal(load_arrays(path)["k" * n], [1.0])


def test_inconsistent_headers_are_refused(backend, tmp_path):
    f4 = np.ones(2, "<f4").tobytes()
    path = tmp_path / "bad.safetensors"
    cases = {
        "overlap": ([("a", "F32", (2,), f4), ("b", "F32", (2,), f4)], {"b": [0, 8]}, "overlapping or with gaps"),
        "size": ([("a", "F32", (3,), f4)], {}, r"needs 12 bytes, its data_offsets span 8"),
        "dtype": ([("a", "Q7", (2,), f4)], {}, "unknown dtype 'Q7'"),
        "shape": ([("a", "F32", (-2,), f4)], {}, "invalid shape"),
    }
    for name, (entries, override, msg) in cases.items():
        _hand_made(path, entries)
        if override:
            blob = path.read_bytes()
            n = int.from_bytes(blob[:8], "little")
            header = json.loads(blob[8:8 + n])
            for k, off in override.items():
                header[k]["data_offsets"] = off
            h = json.dumps(header).encode()
            path.write_bytes(struct.pack("<Q", len(h)) + h + blob[8 + n:])
        with pytest.raises(CheckpointError, match=f"not a valid safetensors file \\(corrupt header\\): .*{msg}"):
            pn.load(path)
    _hand_made(path, [("a", "F32", (2,), f4 + b"xx")])
    with pytest.raises(CheckpointError, match="needs 8 bytes, its data_offsets span 10"):
        pn.load(path)
    _hand_made(path, [("a", "F32", (2,), f4)])
    path.write_bytes(path.read_bytes() + b"\0" * 4)
    with pytest.raises(CheckpointError, match="4 bytes follow its last tensor"):
        pn.load(path)
    _hand_made(path, [("a", "F32", (2,), f4)], metadata={"n": 3})
    with pytest.raises(CheckpointError, match=r"__metadata__ is not a \{string: string\} object"):
        pn.load(path)


def test_load_holds_one_copy_of_the_data(backend, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"w{i}": rng.standard_normal((256, 1024), dtype=np.float32) for i in range(16)}
    path = tmp_path / "big.safetensors"
    save_file(arrays, path)
    size = os.path.getsize(path)                              # 16 MiB
    del arrays
    tracemalloc.start()
    try:
        out = load_arrays(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(out) == 16
    assert peak < 1.1 * size, f"pn.load peaked at {peak / size:.2f}x the file size"
    tracemalloc.start()
    try:
        pn.save(out, tmp_path / "copy.safetensors")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.1 * size, f"pn.save peaked at {peak / size:.2f}x the file size"
