"""Padding, interpolation, pixel shuffle, fold/unfold and pooling additions (scope
"spatial"): values and gradients against PyTorch (float64 fixtures from
``tests/reference/gen_spatial_reference.py``), float64 gradchecks of the new primitives,
module reprs, and every new error message."""
import json
import pathlib

import numpy as np
import pytest

import portanet as pn
import portanet.nn.functional as F
from portanet.testing import gradcheck

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "spatial_reference.npz"
_DATA = np.load(FIXTURE, allow_pickle=False)
REF: dict[str, dict] = {}
for _key in _DATA.files:
    _cid, _rest = _key.split("/", 1)
    REF.setdefault(_cid, {})[_rest] = _DATA[_key]
FCASES = sorted(c for c in REF if not c.startswith(("mod_", "convmode_")))
CONVMODES = sorted(c for c in REF if c.startswith("convmode_"))
MODS = sorted(c for c in REF if c.startswith("mod_"))


def close(actual, expected, what, rtol=1e-9, atol=1e-11):
    a = pn.to_numpy(actual)
    assert a.shape == np.shape(expected), f"{what}: shape {a.shape} != {np.shape(expected)}"
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, err_msg=what)


def t64(a, grad=False):
    return pn.tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=grad)


def test_fixture_covers_every_function():
    names = {str(REF[c]["name"]) for c in FCASES}
    assert names >= {"pad", "interpolate", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
                     "unfold", "fold", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
                     "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d",
                     "lp_pool1d", "lp_pool2d", "max_unpool1d", "max_unpool2d", "conv3d",
                     "conv_transpose1d", "max_pool3d", "avg_pool3d", "affine_grid",
                     "grid_sample", "conv_transpose3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"}
    modes = {json.loads(str(REF[c]["kwargs"])).get("mode") for c in FCASES}
    assert modes >= {"constant", "reflect", "replicate", "circular", "nearest", "nearest-exact",
                     "linear", "bilinear", "bicubic", "trilinear", "area"}


@pytest.mark.heavy(reason="one XLA compile per op and shape of every case (the whole "
                          "file passes on jax with --portanet-heavy)")
@pytest.mark.parametrize("cid", FCASES)
def test_function_against_pytorch(backend, cid):
    c = REF[cid]
    kwargs = json.loads(str(c["kwargs"]))
    args = [t64(c[f"arg{i}"], f"g{i}" in c) for i in range(3) if f"arg{i}" in c]
    x = args[0]
    extra_args = [pn.tensor(c["indices"], dtype="int64")] if "indices" in c else []
    out = getattr(F, str(c["name"]))(*args, *extra_args, **kwargs)
    if "out1" in c:
        out, extra = out
        close(extra, c["out1"], f"{cid} second output")
    close(out, c["out"], f"{cid} forward")
    if "g0" in c:
        (out * t64(c["r"])).sum().backward()
        for i, a in enumerate(args):
            close(a.grad, c[f"g{i}"], f"{cid} gradient of input {i}")


@pytest.mark.heavy(reason="one XLA compile per op and shape of every case")
@pytest.mark.parametrize("cid", MODS)
def test_module_against_pytorch(backend, cid):
    c = REF[cid]
    m = getattr(pn.nn, str(c["name"]))(**json.loads(str(c["kwargs"])))
    assert repr(m) == str(c["repr"])
    out = m(t64(c["arg0"]))
    if isinstance(out, tuple):
        out = out[0]
    close(out, c["out"], f"{cid} forward")


rng = np.random.default_rng(11)
GRADCHECKS = {
    "pad_constant": lambda x: F.pad(x, (1, -1, 2, 0), value=0.3),
    "pad_reflect": lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"),
    "pad_replicate": lambda x: F.pad(x, (2, 1, 0, 2), mode="replicate"),
    "pad_circular": lambda x: F.pad(x, (3, 1, 1, 2), mode="circular"),
    "interp_bicubic": lambda x: F.interpolate(x, size=(4, 5), mode="bicubic"),
    "interp_nearest": lambda x: F.interpolate(x, scale_factor=1.5),
    "unfold": lambda x: F.unfold(x, 2, padding=1, stride=(1, 2)),
    "fold": lambda x: F.fold(F.unfold(x, 2, dilation=(2, 1)), (3, 3), 2, dilation=(2, 1)),
    "pixel_shuffle": lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2) * 2.0, 3),
    "adaptive_max": lambda x: F.adaptive_max_pool2d(x, (2, 2)),
    "max_pool_ceil": lambda x: F.max_pool2d(x, 2, ceil_mode=True),
    "avg_pool_ceil": lambda x: F.avg_pool2d(x, 2, padding=1, stride=2, ceil_mode=True,
                                            count_include_pad=False),
    "max_unpool": lambda x: F.max_unpool2d(x, _unpool_idx(x), 2, output_size=(5, 5)),
    "max_pool3d": lambda x: F.max_pool3d(x[None], 2, stride=1, padding=1),
    "avg_pool3d": lambda x: F.avg_pool3d(x[None], 2, stride=1, padding=1, count_include_pad=False),
}


def _unpool_idx(x):
    """Flat indices into a 5x5 output, one inside each 2x2 window."""
    idx = np.array([[0, 3], [11, 17]], dtype=np.int64)
    return pn.tensor(np.broadcast_to(idx, (1, x.shape[1], 2, 2)).copy(), dtype="int64")


# Gradchecks on the default backend (NumPy): the gradients are compared with PyTorch's on
# every backend by test_function_against_pytorch; finite differences on four more
# backends would only cost CI time.
@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck(name):
    shape = {"max_unpool": (1, 2, 2, 2), "pixel_shuffle": (1, 4, 3, 3)}.get(name, (1, 2, 3, 3))
    x = t64(rng.uniform(-1, 1, shape), True)
    assert gradcheck(GRADCHECKS[name], [x])


def _x(*shape):
    return pn.zeros(*shape)


ERRORS = [
    (lambda: F.pad(_x(2, 3), (1, 2, 3)), ValueError, "pad: padding length must be divisible by 2"),
    (lambda: F.pad(_x(2, 3), (1,) * 6), ValueError,
     "less than or equal to two times the input dimension but got padding length 6"),
    (lambda: F.pad(_x(2, 3), (1.5, 1)), TypeError, "pad: argument 'pad' must be a tuple of ints"),
    (lambda: F.pad(_x(2, 3), 1), TypeError, "pad: argument 'pad' must be a tuple of ints"),
    (lambda: F.pad(_x(1, 2, 3), (1, 1), mode="zeros"), NotImplementedError,
     "unrecognised padding mode 'zeros'"),
    (lambda: F.pad(_x(1, 2, 3), (1, 1), mode="reflect", value=1.0), ValueError,
     "mode 'reflect' doesn't take in value argument"),
    (lambda: F.pad(_x(3), (1, 1), mode="replicate"), NotImplementedError,
     "padding size 2 is not supported for 1D input tensor"),
    (lambda: F.pad(_x(1, 2, 3), (3, 0), mode="reflect"), ValueError,
     r"less than the corresponding input dimension in mode 'reflect', but got padding \(3, 0\)"),
    (lambda: F.pad(_x(1, 2, 3), (0, 4), mode="circular"), ValueError,
     "would wrap around more than once"),
    (lambda: F.pad(_x(1, 2, 3), (-2, -2)), ValueError, "leaves a negative size -1 on axis 2"),
    (lambda: F.pad(_x(1, 2, 3), (-3, 1), mode="replicate"), ValueError, "crops input shape"),
    (lambda: pn.nn.ZeroPad2d((1, 2, 3)), ValueError,
     r"ZeroPad2d: padding must be an int or a tuple of 4 ints, got \(1, 2, 3\)"),
    (lambda: pn.nn.ReflectionPad1d(1.0), TypeError, "ReflectionPad1d: padding must be an int"),
    (lambda: pn.nn.ConstantPad1d(1, "a"), TypeError, "ConstantPad1d: value must be a real number"),
    (lambda: F.interpolate(_x(1, 1, 4)), ValueError, "either size or scale_factor should be defined"),
    (lambda: F.interpolate(_x(1, 1, 4), 2, 2.0), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=(2, 3, 4)), ValueError,
     r"input and size must have the same number of spatial dimensions, but got input with "
     r"spatial dimensions of \[4, 4\]"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), scale_factor=(2.0,)), ValueError,
     "input and scale_factor must have the same number"),
    (lambda: F.interpolate(_x(1, 1, 4), size=2.5), TypeError, "size must be an int"),
    (lambda: F.interpolate(_x(1, 1, 4), scale_factor="2"), TypeError, "scale_factor must be a number"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=3, mode="linear"), NotImplementedError,
     "got 4D input, but linear mode needs 3D input"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, mode="cubic"), NotImplementedError,
     "mode must be one of nearest"),
    (lambda: F.interpolate(_x(1, 4), size=3), NotImplementedError, "only 3D, 4D and 5D input"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=3, mode="bilinear", antialias=True),
     NotImplementedError, "antialias=True is not supported"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size"),
    (lambda: F.interpolate(_x(1, 1, 4), scale_factor=0.1), ValueError,
     r"sizes should be greater than 0, but got input \(4,\) and output \(0,\)"),
    (lambda: F.interpolate(pn.zeros(1, 1, 4, dtype=pn.int64), size=3), TypeError,
     "input must be floating point"),
    (lambda: pn.nn.Upsample(scale_factor=2, mode="cubic"), ValueError, "Upsample: mode must be one of"),
    (lambda: F.pixel_shuffle(_x(1, 6, 2, 2), 2), ValueError,
     r"number of input channels \(6\) must be divisible by the square of upscale_factor \(4\)"),
    (lambda: F.pixel_shuffle(_x(1, 4, 2, 2), 0), ValueError,
     "pixel_shuffle: upscale_factor must be a positive integer, got 0"),
    (lambda: F.pixel_shuffle(_x(4, 2), 2), ValueError, "at least 3 dimensions"),
    (lambda: F.pixel_unshuffle(_x(1, 1, 5, 4), 2), ValueError,
     r"height \(5\) and width \(4\) must be divisible by downscale_factor \(2\)"),
    (lambda: F.channel_shuffle(_x(1, 5, 2), 2), ValueError,
     r"number of channels \(5\) must be divisible by groups \(2\)"),
    (lambda: F.unfold(_x(1, 1, 2, 2), 3), ValueError, r"kernel_size \(3, 3\) .* is larger than"),
    (lambda: F.unfold(_x(1, 1, 1, 2, 2), 1), ValueError, "unfold: expected a 3-D .* or 4-D"),
    (lambda: F.fold(_x(1, 1, 4, 4), (2, 2), 1), ValueError, "fold: expected a 2-D .* or 3-D"),
    (lambda: F.unfold(_x(1, 1, 4, 4), 2, stride=0), ValueError, "unfold: stride must be a positive"),
    (lambda: F.fold(_x(1, 5, 9), (4, 4), 2), ValueError,
     r"dimension 1 to be divisible by the product of kernel_size"),
    (lambda: F.fold(_x(1, 8, 8), (4, 4), 2), ValueError,
     r"sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8"),
    (lambda: pn.nn.Fold((4, 4, 4), 2), ValueError, "Fold: output_size must be"),
    (lambda: F.adaptive_max_pool2d(_x(1, 1, 4, 4), (2, 2, 2)), TypeError,
     "adaptive_max_pool2d: output_size must be an int or a tuple of 2 ints"),
    (lambda: F.adaptive_max_pool1d(_x(1, 1, 4), 0), ValueError,
     "adaptive_max_pool1d: output_size must be positive, got 0"),
    (lambda: F.adaptive_avg_pool1d(_x(1, 4), 2), ValueError, "adaptive_avg_pool1d expected a 3-D input"),
    (lambda: pn.nn.AdaptiveMaxPool2d("a"), TypeError, "AdaptiveMaxPool2d: output_size must be"),
    (lambda: pn.nn.AdaptiveAvgPool1d(-1), ValueError, "AdaptiveAvgPool1d: output_size must be positive"),
    (lambda: F.avg_pool1d(_x(1, 1, 4), 2, padding=2), ValueError,
     r"avg_pool1d: padding \(2,\) should be at most half of kernel size \(2,\)"),
    (lambda: pn.nn.AvgPool1d(0), ValueError, "AvgPool1d: kernel_size must be a positive integer"),
    (lambda: F.lp_pool2d(_x(1, 1, 4, 4), 0, 2), ValueError, r"lp_pool2d: norm_type must be in \(0, inf\)"),
    (lambda: pn.nn.LPPool1d(2, (2, 2)), ValueError, "LPPool1d: kernel_size must be"),
    (lambda: F.max_unpool2d(_x(1, 1, 2, 2), pn.zeros(1, 1, 2, 3, dtype=pn.int64), 2), ValueError,
     r"max_unpool2d: indices must be a pn.Tensor of the input's shape \(1, 1, 2, 2\)"),
    (lambda: F.max_unpool2d(_x(1, 1, 2, 2), pn.zeros(1, 1, 2, 2, dtype=pn.int64), 2,
                            output_size=(6, 4)), ValueError,
     r"max_unpool2d: output_size \(6, 4\) must be between \(3, 3\) and \(5, 5\)"),
    (lambda: F.conv3d(_x(1, 2, 3, 3), _x(1, 2, 1, 1, 1)), ValueError,
     r"conv3d expected a 5-D input \(N, C, D, H, W\), got a 4-D input"),
    (lambda: F.conv3d(_x(1, 2, 3, 3, 3), _x(1, 3, 1, 1, 1)), ValueError,
     "conv3d expected input with 3 channels"),
    (lambda: F.conv3d(_x(1, 1, 2, 3, 3), _x(1, 1, 3, 1, 1)), ValueError,
     r"conv3d: kernel size \(3, 1, 1\) .* is larger than the padded input"),
    (lambda: F.conv3d(_x(1, 1, 3, 3, 3), _x(1, 1, 1, 1, 1), stride=2, padding="same"), ValueError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv3d(_x(1, 1, 3, 3, 3), _x(1, 1, 1, 1, 1), padding="full"), ValueError,
     "conv3d: padding must be 'same', 'valid' or ints"),
    (lambda: F.conv_transpose1d(_x(1, 2, 3, 3), _x(2, 1, 3)), ValueError,
     "conv_transpose1d expected a 3-D input"),
    (lambda: F.conv_transpose1d(_x(1, 3, 3), _x(2, 1, 3)), ValueError,
     "conv_transpose1d expected input with 2 channels"),
    (lambda: pn.nn.ConvTranspose1d(2, 2, 3, padding="same"), ValueError,
     "ConvTranspose1d: padding must be ints"),
    (lambda: F.max_pool3d(_x(1, 1, 4, 4), 2), ValueError, "max_pool3d expected a 5-D input"),
    (lambda: F.max_pool3d(_x(1, 1, 4, 4, 4), 2, padding=2), ValueError,
     r"max_pool3d: padding \(2, 2, 2\) should be at most half of kernel size"),
    (lambda: F.avg_pool3d(_x(1, 1, 1, 4, 4), 2), ValueError, "avg_pool3d: kernel size .* larger"),
    (lambda: pn.nn.AvgPool3d(2, divisor_override=0), ValueError,
     "AvgPool3d: divisor_override must be a positive integer"),
    (lambda: F.affine_grid(_x(2, 2, 3), (1, 1, 4, 4)), ValueError,
     r"expected a batch of 2D affine matrices of shape Nx2x3 for size \(1, 1, 4, 4\), got \(2, 2, 3\)"),
    (lambda: F.affine_grid(_x(1, 3, 4), (1, 1, 2, 2, 2)), ValueError,
     "affine_grid: size must be 4 positive ints"),
    (lambda: F.affine_grid(pn.zeros(1, 2, 3, dtype=pn.int64), (1, 1, 2, 2)), TypeError,
     "affine_grid: expected theta to have a floating point type"),
    (lambda: F.grid_sample(_x(1, 1, 3, 3), _x(1, 2, 2, 3)), ValueError,
     r"grid_sample: expected grid of shape \(N, H_out, W_out, 2\) with N = 1, got \(1, 2, 2, 3\)"),
    (lambda: F.grid_sample(_x(1, 1, 3, 3, 3), _x(1, 2, 2, 2, 3)), ValueError,
     "grid_sample: only 4-D input"),
    (lambda: F.grid_sample(_x(1, 1, 3, 3), _x(1, 2, 2, 2), padding_mode="reflection"), ValueError,
     "grid_sample: padding_mode must be one of 'zeros', 'border', got 'reflection'"),
    (lambda: F.grid_sample(_x(1, 1, 3, 3), _x(1, 2, 2, 2), mode="bicubic"), ValueError,
     "grid_sample: mode must be one of 'bilinear', 'nearest'"),
    (lambda: F.grid_sample(_x(1, 1, 3, 3), pn.zeros(1, 2, 2, 2, dtype=pn.float64)), TypeError,
     "expected input and grid to have the same dtype"),
    (lambda: F.conv_transpose3d(_x(1, 2, 3, 3, 3), _x(3, 1, 2, 2, 2)), ValueError,
     "conv_transpose3d expected input with 3 channels"),
    (lambda: F.conv_transpose3d(_x(1, 2, 3, 3, 3), _x(2, 1, 2, 2, 2), stride=2, output_padding=2),
     ValueError, "conv_transpose3d: output_padding .* must be smaller than stride"),
    (lambda: F.conv_transpose3d(_x(1, 2, 1, 1, 1), _x(2, 1, 1, 1, 1), padding=1), ValueError,
     "conv_transpose3d: padding .* leaves no output"),
    (lambda: F.adaptive_max_pool3d(_x(1, 2, 3, 3), 2), ValueError, "adaptive_max_pool3d expected a 5-D"),
    (lambda: pn.nn.AdaptiveAvgPool3d((1, 2)), TypeError,
     "AdaptiveAvgPool3d: output_size must be an int or a tuple of 3 ints"),
    (lambda: F.max_unpool1d(_x(1, 1, 2), pn.tensor([[[0, 1]]]), 2), ValueError,
     "max_unpool1d: an index does not point inside its pooling window"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_error_messages(i):
    fn, exc, match = ERRORS[i]
    with pytest.raises(exc, match=match):
        fn()


def test_pad_zero_pad_is_identity_and_jax_style_immutability(backend):
    x = pn.ones(1, 2, 3)
    assert F.pad(x, (0, 0)) is x
    y = F.pad(x, (1, 1), mode="reflect")
    assert y.shape == (1, 2, 5) and pn.to_numpy(x).tolist() == np.ones((1, 2, 3)).tolist()


def test_interpolate_float32_stays_float32(backend):
    x = pn.ones(1, 1, 3, 3)
    for mode in ("nearest", "bilinear", "bicubic", "area"):
        y = F.interpolate(x, scale_factor=2, mode=mode)
        assert y.dtype == pn.float32 and y.shape == (1, 1, 6, 6)
        np.testing.assert_allclose(pn.to_numpy(y), 1.0, rtol=1e-6)


@pytest.mark.heavy(reason="about 50 XLA compiles (2 minutes on jax on this 2-core box)")
def test_spatial_ops_on_every_backend(backend):
    """One small case per primitive, values and gradients against fixtures: the light
    subset that also runs on jax (the full table is heavy there)."""
    for cid in ("pad_1", "pad_4", "pad_9", "pad_12", "interp_7", "interp_11", "unfold_1", "fold_1",
                "pool_1", "pool_13", "unpool_1", "pool3d_0", "conv3d_1", "grid_sample_0"):
        c = REF[cid]
        args = [t64(c[f"arg{i}"], True) for i in range(3) if f"arg{i}" in c]
        extra = [pn.tensor(c["indices"], dtype="int64")] if "indices" in c else []
        out = getattr(F, str(c["name"]))(*args, *extra, **json.loads(str(c["kwargs"])))
        if "out1" in c:
            out, idx = out
            close(idx, c["out1"], f"{cid} indices")
        close(out, c["out"], f"{cid} forward")
        (out * t64(c["r"])).sum().backward()
        for i, a in enumerate(args):
            close(a.grad, c[f"g{i}"], f"{cid} gradient of input {i}")


@pytest.mark.heavy(reason="about 20 s of XLA compiles on jax")
def test_pool_modules_return_indices_and_unpool(backend):
    # rows reversed: row 0 holds 12..15, row 1 holds 8..11, ...; each 2x2 window's maximum
    # is its top-right element
    x = pn.tensor(np.arange(16.0).reshape(4, 4)[::-1].copy()[None, None], requires_grad=True)
    pool, unpool = pn.nn.MaxPool2d(2, return_indices=True), pn.nn.MaxUnpool2d(2)
    assert repr(unpool) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    y, idx = pool(x)
    assert idx.dtype == pn.int64 and pn.to_numpy(idx).tolist() == [[[[1, 3], [9, 11]]]]
    z = unpool(y, idx)
    keep = np.isin(np.arange(16), [1, 3, 9, 11]).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(pn.to_numpy(z), np.where(keep, pn.to_numpy(x), 0.0))
    z.sum().backward()
    np.testing.assert_array_equal(pn.to_numpy(x.grad), keep.astype(float))
    y1, i1 = pn.nn.AdaptiveMaxPool1d(2, return_indices=True)(pn.tensor([[[1.0, 5.0, 2.0, 4.0]]]))
    assert pn.to_numpy(y1).tolist() == [[[5.0, 4.0]]] and pn.to_numpy(i1).tolist() == [[[1, 3]]]
    assert repr(pn.nn.MaxUnpool1d(3, 2, 1)) == "MaxUnpool1d(kernel_size=(3,), stride=(2,), padding=(1,))"


@pytest.mark.heavy(reason="one XLA compile per op and shape of every case")
@pytest.mark.parametrize("cid", CONVMODES)
def test_conv_padding_mode_against_pytorch(backend, cid):
    c = REF[cid]
    m = getattr(pn.nn, str(c["name"]))(dtype="float64", **json.loads(str(c["kwargs"])))
    assert repr(m).replace("'same'", "same") == str(c["repr"])
    assert m.weight.shape == c["weight"].shape and m.bias.shape == c["bias"].shape
    m.load_state_dict({"weight": c["weight"], "bias": c["bias"]})
    x = t64(c["arg0"], True)
    out = m(x)
    close(out, c["out"], f"{cid} forward")
    (out * t64(c["r"])).sum().backward()
    close(x.grad, c["g0"], f"{cid} input gradient")
    close(m.weight.grad, c["gweight"], f"{cid} weight gradient")


def test_conv_padding_mode_errors():
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of 'zeros', 'reflect'"):
        pn.nn.Conv2d(1, 1, 3, padding_mode="zero")
    with pytest.raises(ValueError, match="ConvTranspose2d: only 'zeros' padding_mode is supported"):
        pn.nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


def test_batchnorm3d_normalizes_each_channel(backend):
    x = pn.tensor(np.random.default_rng(3).normal(2.0, 3.0, (4, 2, 3, 2, 2)), dtype="float64")
    m = pn.nn.BatchNorm3d(2, dtype="float64")
    y = pn.to_numpy(m(x))
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3, 4)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3, 4)), 1.0, rtol=1e-3)
    assert m.running_mean.shape == (2,)
    with pytest.raises(ValueError, match="BatchNorm3d"):
        m(pn.zeros(2, 2, 3, 3, dtype="float64"))


@pytest.mark.parametrize("mode,padding_mode", [("bilinear", "zeros"), ("bilinear", "border")])
def test_gradcheck_grid_sample_and_affine_grid(mode, padding_mode):
    x = t64(rng.uniform(-1, 1, (1, 1, 3, 4)), True)
    grid = t64(rng.uniform(-1.2, 1.2, (1, 2, 2, 2)), True)
    assert gradcheck(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners=False),
                     [x, grid])
    theta = t64(rng.uniform(-1, 1, (1, 2, 3)), True)
    assert gradcheck(lambda t: F.affine_grid(t, (1, 1, 2, 3), align_corners=True), [theta])
