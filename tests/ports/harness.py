"""Run a ported PyTorch script under portanet, or under PyTorch, with the same random draws.

A port is a PyTorch training script whose import lines name portanet
(``import portanet as torch``, ``import portanet.nn.functional as F``, ...).
:func:`torch_source` turns those lines back into PyTorch's and checks that nothing else
in the file names portanet, so the two runs execute the same code lines.

Random numbers are the one thing the two libraries cannot share: each draws from its
own generator.  While a port runs, every random draw of the library (initializers,
``randn``/``rand``/``randint``/``randperm``, dropout masks, DataLoader shuffles,
``random_split``) is served from one NumPy ``Generator`` seeded identically for both
runs, with the library's own semantics (U(a, b), N(mean, std), keep-masks with
probability 1 - p, permutations).  The arithmetic (forward, backward, optimizer) stays
each library's own.  Python's ``random`` and NumPy's global stream are seeded too.

Every ``Tensor.backward()`` on a one-element tensor records the loss; stdout is kept.

Example:
    >>> out = run("polynomial_nn", "portanet")
    >>> out["losses"][:2], out["stdout"].splitlines()[0]
"""
from __future__ import annotations

import contextlib
import io
import os
import pathlib
import random
import re
import sys
import tempfile
import tokenize
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
_IMPORT = re.compile(r"^\s*(import|from)\s+portanet\b")


def torch_source(src: str) -> str:
    """The same script with its portanet import lines turned into PyTorch's.

    Raises ValueError when code other than an import line names portanet (strings and
    comments aside): then the two runs would not execute the same code.
    """
    lines = src.splitlines()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.NAME and tok.string == "portanet" and not _IMPORT.match(tok.line):
            raise ValueError(f"line {tok.start[0]} names portanet outside an import line: {tok.line!r}")
    out = [re.sub(r"\bportanet\b", "torch", line) if _IMPORT.match(line) else line for line in lines]
    return "\n".join(out) + "\n"


class Draws:
    """The shared stream: float64 NumPy draws, cast by each library to its dtype."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def uniform(self, shape, low=0.0, high=1.0):
        return np.asarray(low + (high - low) * self.rng.random(tuple(shape)))

    def normal(self, shape, mean=0.0, std=1.0):
        return np.asarray(mean + std * self.rng.standard_normal(tuple(shape)))

    def keep(self, shape, p_keep):
        return np.asarray(self.rng.random(tuple(shape)) < p_keep)

    def integers(self, low, high, shape):
        return self.rng.integers(low, high, tuple(shape), dtype=np.int64)

    def permutation(self, n):
        return self.rng.permutation(int(n)).astype(np.int64)


@contextlib.contextmanager
def _patched(pairs):
    """Set ``(object, attribute, value)`` triples, restoring the old values afterwards."""
    old = [(obj, name, getattr(obj, name)) for obj, name, _ in pairs]
    try:
        for obj, name, value in pairs:
            setattr(obj, name, value)
        yield
    finally:
        for obj, name, value in reversed(old):
            setattr(obj, name, value)


def _shape_args(size):
    if len(size) == 1 and not isinstance(size[0], int):   # randn((2, 3)) or randn(torch.Size)
        return tuple(size[0])
    return tuple(size)


def portanet_patches(draws: Draws, losses: list):
    import portanet as pn
    import portanet.random as R
    from portanet.backend import get_backend, resolve_dtype

    def _float(v, dtype, backend):
        bk = backend or get_backend()
        dt = bk.float_dtype if dtype is None else resolve_dtype(dtype, bk.xp)
        return bk.xp.astype(bk.asarray(v), dt)

    def uniform(shape, low=0.0, high=1.0, dtype=None, generator=None, backend=None):
        return _float(draws.uniform(R._shape(shape), low, high), dtype, backend)

    def normal(shape, mean=0.0, std=1.0, dtype=None, generator=None, backend=None):
        return _float(draws.normal(R._shape(shape), mean, std), dtype, backend)

    def bernoulli(shape, p, generator=None, backend=None):
        return (backend or get_backend()).asarray(draws.keep(R._shape(shape), p))

    def randint(low, high, shape, generator=None, backend=None):
        return (backend or get_backend()).asarray(draws.integers(low, high, R._shape(shape)))

    def permutation(n, generator=None):
        return draws.permutation(n)

    backward = pn.Tensor.backward

    def recording_backward(self, gradient=None, *args, **kwargs):
        if self.numel() == 1:
            losses.append(float(pn.to_numpy(self)))
        return backward(self, gradient, *args, **kwargs)

    return [(R, "uniform", uniform), (R, "normal", normal), (R, "bernoulli", bernoulli),
            (R, "randint", randint), (R, "permutation", permutation),
            (pn.Tensor, "backward", recording_backward)]


def torch_patches(draws: Draws, losses: list):
    import torch
    import torch.nn.functional as F
    import torch.utils.data
    import torch.utils.data.dataset as D

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        with torch.no_grad():
            self.copy_(torch.from_numpy(draws.uniform(self.shape, a, b)).to(self.dtype))
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        with torch.no_grad():
            self.copy_(torch.from_numpy(draws.normal(self.shape, mean, std)).to(self.dtype))
        return self

    def _new(values, dtype, requires_grad):
        t = torch.from_numpy(np.asarray(values)).to(dtype or torch.get_default_dtype())
        return t.requires_grad_(True) if requires_grad else t

    def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
        return _new(draws.normal(_shape_args(size)), dtype, requires_grad)

    def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
        return _new(draws.uniform(_shape_args(size)), dtype, requires_grad)

    def randint(*args, generator=None, dtype=None, device=None, **kw):
        args = list(args)
        size = kw.pop("size", None) or args.pop()
        high = kw.pop("high", None) if "high" in kw else args.pop()
        low = kw.pop("low", 0) if not args else args.pop()
        return torch.from_numpy(draws.integers(low, high, size)).to(dtype or torch.int64)

    def randperm(n, *, generator=None, dtype=None, device=None, **kw):
        return torch.from_numpy(draws.permutation(n)).to(dtype or torch.int64)

    def randn_like(input, *, dtype=None, device=None, requires_grad=False, **kw):
        return _new(draws.normal(input.shape), dtype or input.dtype, requires_grad)

    sdpa = F.scaled_dot_product_attention

    def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                     is_causal=False, scale=None, enable_gqa=False):
        # MultiheadAttention's dropout on the attention weights happens inside this
        # function: with dropout, the keep-mask (N, heads, L, S) comes from the shared draws
        if dropout_p == 0.0:
            return sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale=scale,
                        enable_gqa=enable_gqa)
        if enable_gqa:
            raise NotImplementedError("harness: scaled_dot_product_attention dropout with enable_gqa")
        L, S = query.size(-2), key.size(-2)
        s = query @ key.transpose(-2, -1) * (query.size(-1) ** -0.5 if scale is None else scale)
        if is_causal:
            s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
        if attn_mask is not None:
            s = s.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else s + attn_mask
        p = torch.softmax(s, dim=-1)
        keep = torch.from_numpy(draws.keep(p.shape, 1.0 - dropout_p)).to(p.dtype)
        return (p * (keep * (1.0 / (1.0 - dropout_p)))) @ value

    def dropout(input, p=0.5, training=True, inplace=False):
        if not training or p == 0.0:
            return input
        keep = torch.from_numpy(draws.keep(input.shape, 1.0 - p)).to(input.dtype)
        return input * (keep * (1.0 / (1.0 - p)))   # the mask as portanet builds it

    def sampler_iter(self):
        # one permutation per epoch: torch's own RandomSampler also calls randperm for the
        # (empty) remainder when an epoch runs to its end, which would shift the stream
        if self.replacement or self.num_samples != len(self.data_source):
            raise NotImplementedError("harness: RandomSampler with replacement or num_samples")
        yield from draws.permutation(len(self.data_source)).tolist()

    backward = torch.Tensor.backward
    depth = [0]

    def recording_backward(self, gradient=None, *args, **kwargs):
        # a torch function mode (set_default_device installs one) calls Tensor.backward
        # again from inside: record the outermost call only
        if self.numel() == 1 and not depth[0]:
            losses.append(float(self.detach()))
        depth[0] += 1
        try:
            return backward(self, gradient, *args, **kwargs)
        finally:
            depth[0] -= 1

    return [(torch.Tensor, "uniform_", uniform_), (torch.Tensor, "normal_", normal_),
            (torch, "randn", randn), (torch, "rand", rand), (torch, "randint", randint),
            (torch, "randperm", randperm), (D, "randperm", randperm), (F, "dropout", dropout),
            (torch, "randn_like", randn_like),
            (F, "scaled_dot_product_attention", scaled_dot_product_attention),
            (torch.utils.data.RandomSampler, "__iter__", sampler_iter),
            (torch.Tensor, "backward", recording_backward)]


@contextlib.contextmanager
def _torch_defaults():
    """A script's ``torch.set_default_device``/``set_default_dtype`` end with the script."""
    import torch
    device, dtype = torch.get_default_device(), torch.get_default_dtype()
    try:
        yield
    finally:
        torch.set_default_device(None if device == torch.device("cpu") else device)
        torch.set_default_dtype(dtype)


def _quiet_matplotlib() -> None:
    """Plots of the ports go nowhere (``plt.show()`` on the Agg backend)."""
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")


def run(name: str, lib: str, argv=(), seed: int = 0, backend=None) -> dict:
    """Run ``tests/ports/<name>.py`` under ``lib`` ("portanet" or "torch").

    Returns ``{"losses": [...], "stdout": str}``.  ``backend`` (portanet only) is made
    current for the run.
    """
    path = HERE / f"{name}.py"
    src = path.read_text()
    if lib == "torch":
        src = torch_source(src)
    draws, losses = Draws(seed), []
    _quiet_matplotlib()
    patches = (torch_patches if lib == "torch" else portanet_patches)(draws, losses)
    random.seed(seed)
    np.random.seed(seed)
    out = io.StringIO()
    cwd, old_argv, old_path = os.getcwd(), sys.argv, list(sys.path)
    use = contextlib.nullcontext()
    if lib == "portanet" and backend is not None:
        import portanet as pn
        use = pn.use_backend(backend)
    elif lib == "torch":
        use = _torch_defaults()
    with tempfile.TemporaryDirectory() as tmp, _patched(patches), use:
        try:
            os.chdir(tmp)
            sys.argv = [str(path), *argv]
            sys.path.insert(0, str(HERE))
            ns = {"__name__": "__main__", "__file__": str(path)}
            with contextlib.redirect_stdout(out), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # plt.show() on Agg
                exec(compile(src, str(path), "exec"), ns)
        except Exception as e:   # what ran before the script stopped, for a partial check
            e.port_result = {"losses": losses, "stdout": out.getvalue()}
            raise
        finally:
            os.chdir(cwd)
            sys.argv, sys.path[:] = old_argv, old_path
    return {"losses": losses, "stdout": out.getvalue(), "params": _module_summary(ns, lib)}


def _module_summary(ns: dict, lib: str) -> dict:
    """``{"name.param": [sum, sum of squares]}`` for the models the script left in its
    globals: a check of the final weights that needs no stored weights."""
    if lib == "torch":
        import torch
        mod_type = torch.nn.Module

        def host(t):
            return t.detach().double().numpy()
    else:
        import portanet as pn
        mod_type = pn.nn.Module

        def host(t):
            return pn.to_numpy(t).astype(np.float64)
    out = {}
    for var, obj in ns.items():
        if isinstance(obj, mod_type) and not var.startswith("_"):
            for k, p in obj.named_parameters():
                a = host(p)
                out[f"{var}.{k}"] = [float(a.sum()), float((a * a).sum())]
    return out


# The ports, the arguments they run with and the stdout lines a test compares (regexes:
# lines of tensor reprs and library names differ between the libraries by design).
PORTS = {
    "polynomial_nn": {"check": [r"^\d+ ", r"^Result:"]},
    "polynomial_module": {"check": [r"^\d+ ", r"^Result:"]},
    "polynomial_optim": {"check": [r"^\d+ ", r"^Result:"]},
    "polynomial_autograd": {"check": [r"^\d+ ", r"^Result:"]},
    # trainapi: autograd.Function.  Not "Result:": a and c end near 1e-10, float32 noise
    "polynomial_custom_function": {"check": [r"^\d+ "]},
    "blitz_neural_networks": {"check": [r"^\d+$", r"^conv1\.bias\.grad"]},
    "blitz_cifar10": {"check": [r"^(plane|car|bird|cat|deer|dog|frog|horse|ship|truck)\b",
                                r"^(GroundTruth|Predicted|Accuracy|Finished)", r"^cpu$"]},
    "mnist_main": {"argv": ["--epochs", "2", "--batch-size", "8", "--test-batch-size", "16",
                            "--log-interval", "1", "--lr", "0.5", "--save-model"],
                   "check": [r"^Train Epoch", r"^Test set"]},
    "quickstart": {"check": [r"^loss:", r"Accuracy", r"^Predicted", r"^Epoch", r"^Using"]},
    "char_rnn_classification": {"check": [r"^loaded", r"^train examples", r"^\('", r"^training on",
                                          r"average batch loss"]},
    "lazy_lenet_bn": {"check": [r"^\[\(", r"^epoch"]},
    # transformer topic: four tutorials in the style of PyTorch's (tiny sizes, synthetic data)
    "transformer_lm": {"check": [r"^\| epoch ", r"^\| end of epoch", r"^\| End of training"],
                       "ignore": r"ms/batch +[\d.]+|time: +[\d.]+s"},
    "dcgan_faces": {"check": [r"^Random Seed", r"^\[\d+/\d+\]", r"^Starting"]},
    "vae_main": {"argv": ["--epochs", "2", "--batch-size", "8", "--log-interval", "1"],
                 "check": [r"^Train Epoch", r"^====>", r"^Using device"]},
    "seq2seq_translation": {"check": [r"^Read ", r"^Trimmed", r"^Counting", r"^Counted", r"^(eng|fra) \d",
                                      r"^\[", r"^[<>=] ", r"\(\d+ \d+%\)"],
                            "ignore": r"^\d+m \d+s \(- -?\d+m -?\d+s\) "},
}
