"""Every argument checked where it enters (issue 10): constructors of layers, losses,
optimizers and schedulers refuse a bad size, rate or option at once, with PyTorch's
exception type and a message naming the class, the argument and the value given."""
import pytest

import portanet as pn
from portanet import argcheck

nn, optim, sched, F = pn.nn, pn.optim, pn.optim.lr_scheduler, pn.nn.functional


def _p():
    return [nn.Parameter(pn.zeros(2))]


def _sgd():
    return optim.SGD(_p(), lr=0.1, momentum=0.9)


# (call, exception type, words the message must hold: class, argument, value)
BAD = [
    # layers: sizes
    (lambda: nn.Linear(0, 3), ValueError, "Linear: in_features must be a positive integer, got 0"),
    (lambda: nn.Linear(3, -2), ValueError, "Linear: out_features must be a positive integer, got -2"),
    (lambda: nn.Linear(3.5, 2), TypeError, "Linear: in_features must be a positive integer, got float 3.5"),
    (lambda: nn.Linear(3, True), TypeError, "Linear: out_features .* got bool True"),
    (lambda: nn.LazyLinear(0), ValueError, "LazyLinear: out_features must be a positive integer, got 0"),
    (lambda: nn.Embedding(0, 3), ValueError, "Embedding: num_embeddings must be a positive integer, got 0"),
    (lambda: nn.Embedding(5, -3), ValueError, "Embedding: embedding_dim must be a positive integer, got -3"),
    (lambda: nn.Embedding(5, 3, padding_idx=1.0), TypeError, "Embedding: padding_idx must be an integer"),
    (lambda: nn.Embedding(5, 3, padding_idx=5), ValueError, r"padding_idx 5 must be within num_embeddings \(5\)"),
    (lambda: nn.BatchNorm1d(0), ValueError, "BatchNorm1d: num_features must be a positive integer, got 0"),
    (lambda: nn.BatchNorm2d(3, eps=-1), ValueError, r"BatchNorm2d: eps must be in \[0, inf\), got -1"),
    (lambda: nn.BatchNorm2d(3, momentum=1.5), ValueError, r"BatchNorm2d: momentum must be in \[0, 1\], got 1.5"),
    (lambda: nn.LazyBatchNorm1d(eps=-1), ValueError, "LazyBatchNorm1d: eps must be in"),
    (lambda: nn.LayerNorm(0), ValueError, r"LayerNorm: normalized_shape must hold positive sizes, got 0"),
    (lambda: nn.LayerNorm((3, -1)), ValueError, r"LayerNorm: normalized_shape .* got \(3, -1\)"),
    (lambda: nn.LayerNorm(3.0), TypeError, "LayerNorm: normalized_shape must be an int or a tuple of ints"),
    (lambda: nn.GroupNorm(0, 4), ValueError, "GroupNorm: num_groups must be a positive integer, got 0"),
    (lambda: nn.GroupNorm(2, -4), ValueError, "GroupNorm: num_channels must be a positive integer, got -4"),
    (lambda: nn.GroupNorm(3, 4), ValueError, r"GroupNorm: num_channels \(4\) must be divisible by num_groups \(3\)"),
    (lambda: nn.Unflatten(1, 5), TypeError, "Unflatten: unflattened_size must be a tuple of ints, got int 5"),
    (lambda: nn.Unflatten(1, (2, 0)), ValueError, r"Unflatten: unflattened_size must hold positive sizes .* \(2, 0\)"),
    (lambda: nn.Flatten(1.0), TypeError, "Flatten: start_dim must be an integer, got float 1.0"),
    # convolutions and pooling: windows
    (lambda: nn.Conv2d(0, 4, 3), ValueError, "Conv2d: in_channels must be a positive integer, got 0"),
    (lambda: nn.Conv2d(3, 0, 3), ValueError, "Conv2d: out_channels must be a positive integer, got 0"),
    (lambda: nn.Conv2d(3, 4, 0), ValueError, "Conv2d: kernel_size must be a positive integer or a tuple of 2 of them, got 0"),
    (lambda: nn.Conv2d(3, 4, 3.0), TypeError, "Conv2d: kernel_size .* got float 3.0"),
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), ValueError, r"Conv2d: kernel_size .* got \(3, 3, 3\) \(3 values\)"),
    (lambda: nn.Conv2d(3, 4, 3, stride=0), ValueError, "Conv2d: stride must be a positive integer .* got 0"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, "Conv2d: padding must be a non-negative integer .* got -1"),
    (lambda: nn.Conv2d(3, 4, 3, padding="foo"), ValueError, "Conv2d: padding must be 'same', 'valid' or ints, got 'foo'"),
    (lambda: nn.Conv2d(3, 4, 3, dilation=0), ValueError, "Conv2d: dilation must be a positive integer .* got 0"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, "Conv2d: groups must be a positive integer, got 0"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, r"Conv2d: in_channels \(4\) and out_channels \(6\) must be divisible by groups \(4\)"),
    (lambda: nn.Conv1d(3, 4, 3, stride=(1, 1)), ValueError, r"Conv1d: stride .* tuple of 1 of them, got \(1, 1\)"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, output_padding=-1), ValueError, "ConvTranspose2d: output_padding must be a non-negative integer"),
    (lambda: nn.LazyConv2d(0, 3), ValueError, "LazyConv2d: out_channels must be a positive integer, got 0"),
    (lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d: kernel_size must be a positive integer .* got 0"),
    (lambda: nn.MaxPool2d(2, stride=-1), ValueError, "MaxPool2d: stride must be a positive integer .* got -1"),
    (lambda: nn.MaxPool2d(2, padding=-1), ValueError, "MaxPool2d: padding must be a non-negative integer .* got -1"),
    (lambda: nn.MaxPool2d(2, dilation=0), ValueError, "MaxPool2d: dilation must be a positive integer .* got 0"),
    (lambda: nn.MaxPool1d(2, stride=0), ValueError, "MaxPool1d: stride must be a positive integer or a tuple of 1 of them, got 0"),
    (lambda: nn.AvgPool2d(2, stride=0), ValueError, "AvgPool2d: stride must be a positive integer .* got 0"),
    (lambda: nn.AvgPool2d(2, divisor_override=0), ValueError, "AvgPool2d: divisor_override must be a positive integer, got 0"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, "AdaptiveAvgPool2d: output_size must be positive, got 0"),
    (lambda: nn.AdaptiveAvgPool2d((2, 2, 2)), TypeError, r"AdaptiveAvgPool2d: output_size must be an int or a pair .* \(2, 2, 2\)"),
    # attention
    (lambda: nn.MultiheadAttention(8, 2, dropout=1.5), ValueError, "MultiheadAttention: dropout .* between 0 and 1, but got 1.5"),
    (lambda: nn.MultiheadAttention(8, 0), ValueError, "MultiheadAttention: num_heads must be a positive integer, got 0"),
    (lambda: nn.MultiheadAttention(8, 2, kdim=0), ValueError, "MultiheadAttention: kdim must be a positive integer, got 0"),
    (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=0), ValueError, "TransformerEncoderLayer: dim_feedforward must be a positive integer, got 0"),
    (lambda: nn.TransformerEncoderLayer(8, 2, dropout=2.0), ValueError, "TransformerEncoderLayer: dropout .* but got 2.0"),
    # activations
    (lambda: nn.LeakyReLU("a"), TypeError, "LeakyReLU: negative_slope must be a real number, got str 'a'"),
    (lambda: nn.ELU(None), TypeError, "ELU: alpha must be a real number, got NoneType None"),
    (lambda: nn.GELU("foo"), ValueError, "GELU: approximate must be one of 'none', 'tanh', got 'foo'"),
    (lambda: nn.Softplus(0), ValueError, "Softplus: beta must be non-zero, got 0"),
    (lambda: nn.Softmax(dim=1.5), TypeError, "Softmax: dim must be an integer, got float 1.5"),
    (lambda: nn.LogSoftmax(dim="x"), TypeError, "LogSoftmax: dim must be an integer"),
    # losses
    (lambda: nn.MSELoss(reduction="foo"), ValueError, "MSELoss: reduction must be one of 'none', 'mean', 'sum', got 'foo'"),
    (lambda: nn.CrossEntropyLoss(reduction="avg"), ValueError, "CrossEntropyLoss: reduction must be one of .* got 'avg'"),
    (lambda: nn.NLLLoss(reduction=None), ValueError, "NLLLoss: reduction must be one of .* got None"),
    (lambda: nn.KLDivLoss(reduction="foo"), ValueError, "KLDivLoss: reduction must be one of 'none', 'mean', 'sum', 'batchmean', got 'foo'"),
    (lambda: nn.HuberLoss(delta=-1.0), ValueError, r"HuberLoss: delta must be in \(0, inf\), got -1.0"),
    (lambda: nn.HuberLoss(delta=0.0), ValueError, r"HuberLoss: delta must be in \(0, inf\), got 0.0"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), ValueError, r"SmoothL1Loss: beta must be in \[0, inf\), got -1.0"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), ValueError, r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got 1.5"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=-0.1), ValueError, r"CrossEntropyLoss: label_smoothing must be in \[0, 1\], got -0.1"),
    (lambda: nn.CrossEntropyLoss(ignore_index=1.5), TypeError, "CrossEntropyLoss: ignore_index must be an integer, got float 1.5"),
    (lambda: nn.CrossEntropyLoss(weight=[1.0, 2.0]), TypeError, "CrossEntropyLoss: weight must be a pn.Tensor or None, got list"),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=3.0), TypeError, "BCEWithLogitsLoss: pos_weight must be a pn.Tensor or None, got float"),
    (lambda: nn.MultiMarginLoss(p=3), ValueError, "MultiMarginLoss: only p == 1 and p == 2 supported, got p=3"),
    # optimizers
    (lambda: optim.Adam(_p(), betas=(0.9,)), ValueError, r"Adam: betas must be a tuple of 2 floats, got \(0.9,\) \(1 values\)"),
    (lambda: optim.AdamW(_p(), betas=(0.9, 0.99, 0.9)), ValueError, "AdamW: betas must be a tuple of 2 floats"),
    (lambda: optim.NAdam(_p(), betas=0.9), TypeError, "NAdam: betas must be a tuple of 2 floats, got float 0.9"),
    (lambda: optim.RAdam(_p(), betas=(0.9, "x")), TypeError, r"RAdam: betas\[1\] must be a real number, got str 'x'"),
    (lambda: optim.Adamax(_p(), betas=(1.0, 0.9)), ValueError, r"Adamax: Invalid beta parameter at index 0: betas\[0\]=1.0"),
    (lambda: optim.Adam(_p(), lr="a"), TypeError, "Adam: lr must be a real number, got str 'a'"),
    (lambda: optim.SGD(_p(), lr=None), TypeError, "SGD: lr must be a real number, got NoneType None"),
    (lambda: optim.SGD(_p(), lr=-1), ValueError, "SGD: Invalid learning rate: lr=-1"),
    (lambda: optim.SGD(_p(), lr=0.1, momentum=-0.5), ValueError, "SGD: Invalid momentum value: momentum=-0.5"),
    (lambda: optim.RMSprop(_p(), alpha="x"), TypeError, "RMSprop: alpha must be a real number"),
    (lambda: optim.Adadelta(_p(), rho=1.5), ValueError, "Adadelta: Invalid rho value: rho=1.5"),
    (lambda: optim.Adagrad(_p(), eps=float("nan")), ValueError, "Adagrad: Invalid epsilon value: eps=nan"),
    # schedulers
    (lambda: sched.StepLR(_sgd(), step_size=0), ValueError, "StepLR: step_size must be a positive integer, got 0"),
    (lambda: sched.StepLR(_sgd(), step_size=1.5), TypeError, "StepLR: step_size must be a positive integer, got float 1.5"),
    (lambda: sched.StepLR(_sgd(), step_size=2, gamma=-1), ValueError, r"StepLR: gamma must be in \[0, inf\), got -1"),
    (lambda: sched.StepLR(_sgd(), 2, last_epoch=-2), ValueError, "StepLR: last_epoch must be -1 .* got -2"),
    (lambda: sched.MultiStepLR(_sgd(), milestones=5), TypeError, "MultiStepLR: milestones must be a list of epoch indices, got int 5"),
    (lambda: sched.MultiStepLR(_sgd(), milestones=[1.5]), TypeError, r"MultiStepLR: milestones\[i\] must be a non-negative integer, got float 1.5"),
    (lambda: sched.ExponentialLR(_sgd(), gamma="a"), TypeError, "ExponentialLR: gamma must be a real number, got str 'a'"),
    (lambda: sched.CosineAnnealingLR(_sgd(), T_max=0), ValueError, "CosineAnnealingLR: T_max must be a positive integer, got 0"),
    (lambda: sched.CosineAnnealingLR(_sgd(), 10, eta_min=-1), ValueError, "CosineAnnealingLR: eta_min must be in"),
    (lambda: sched.LinearLR(_sgd(), total_iters=0), ValueError, "LinearLR: total_iters must be a positive integer, got 0"),
    (lambda: sched.LinearLR(_sgd(), start_factor=0), ValueError, "LinearLR: Starting multiplicative factor"),
    (lambda: sched.OneCycleLR(_sgd(), max_lr=-0.1, total_steps=10), ValueError, r"OneCycleLR: max_lr must be in \[0, inf\), got -0.1"),
    (lambda: sched.OneCycleLR(_sgd(), 0.1, total_steps=10, div_factor=0), ValueError, r"OneCycleLR: div_factor must be in \(0, inf\), got 0"),
    (lambda: sched.OneCycleLR(_sgd(), 0.1, total_steps=0), ValueError, "OneCycleLR: Expected positive integer total_steps, but got 0"),
    (lambda: sched.ReduceLROnPlateau(_sgd(), factor=-0.1), ValueError, r"ReduceLROnPlateau: factor must be in \[0, inf\), got -0.1"),
    (lambda: sched.ReduceLROnPlateau(_sgd(), patience=-1), ValueError, "ReduceLROnPlateau: patience must be a non-negative integer, got -1"),
    (lambda: sched.ReduceLROnPlateau(_sgd(), cooldown=1.5), TypeError, "ReduceLROnPlateau: cooldown must be a non-negative integer, got float 1.5"),
    (lambda: sched.ReduceLROnPlateau(_sgd(), min_lr=-1), ValueError, "ReduceLROnPlateau: min_lr must be in"),
    (lambda: sched.ReduceLROnPlateau(_sgd(), mode="x"), ValueError, "ReduceLROnPlateau: mode 'x' is unknown"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_argument_is_refused_at_the_call(backend, i):
    call, exc, words = BAD[i]
    with pytest.raises(exc, match=words):
        call()


def test_linear_fed_a_list_or_a_raw_array_says_what_it_got(backend, xp):
    fc = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"Linear\(in_features=3.* expected a pn.Tensor input, got "
                                        r"builtins.list; wrap data with pn.tensor"):
        fc([[1.0, 2.0, 3.0]])
    raw = xp.zeros((1, 3))
    with pytest.raises(TypeError, match=r"expected a pn.Tensor input, got \w+\.\w+; wrap data"):
        fc(raw)


def test_good_arguments_still_build(backend):
    """The checks accept what PyTorch accepts: ints as tuples, 'same' padding, None
    momentum, -1 in Unflatten, NumPy integers, zero dropout, lazy placeholders."""
    import numpy as np
    nn.Conv2d(np.int64(3), 4, (3, 1), stride=[1, 2], padding=(1, 0))
    nn.Conv2d(3, 4, 3, padding="same")
    nn.BatchNorm1d(3, momentum=None)
    nn.Unflatten(1, (2, -1))
    nn.MultiheadAttention(8, 2, dropout=0.0, kdim=4, vdim=4)
    nn.AdaptiveAvgPool2d((None, 3))
    nn.LazyLinear(4)(pn.zeros(2, 3))
    nn.LazyConv2d(4, 3)(pn.zeros(1, 2, 5, 5))
    nn.KLDivLoss(reduction="batchmean")
    optim.Adam(_p(), betas=[0.5, 0.6])
    sched.MultiStepLR(_sgd(), milestones=[3, 1])


def test_argcheck_helpers_name_function_argument_and_value():
    assert argcheck.int_tuple("f", "stride", 2, 3) == (2, 2, 2)
    assert argcheck.int_tuple("f", "padding", [0, 1], 2, 0) == (0, 1)
    assert argcheck.real("f", "x", 1) == 1.0
    with pytest.raises(ValueError, match=r"f: x must be in \[0, 1\), got nan"):
        argcheck.real("f", "x", float("nan"), lo=0, hi=1, hi_open=True)
    with pytest.raises(TypeError, match="f: p must be a real number in \\[0, 1\\], got str 'a'"):
        argcheck.probability("f", "p", "a")
    with pytest.raises(ValueError, match="f: reduction must be one of 'none', 'mean', 'sum', got 'x'"):
        argcheck.reduction("f", "x")


CREATION = [
    (lambda: pn.zeros(-1), ValueError, r"zeros: size must be non-negative, got \(-1,\)"),
    (lambda: pn.ones(2, -3), ValueError, r"ones: size must be non-negative, got \(2, -3\)"),
    (lambda: pn.zeros(2.5), TypeError, r"zeros: size must be a tuple of ints, got float 2.5"),
    (lambda: pn.randn(-2), ValueError, r"randn: size must be non-negative"),
    (lambda: pn.rand((2, 1.5)), TypeError, r"rand: size must be a tuple of ints, got float 1.5"),
    (lambda: pn.full((2,), "a"), TypeError, "full: fill_value must be a number, got str 'a'"),
    (lambda: pn.arange(0, 5, 0), ValueError, "arange: step must be nonzero"),
    (lambda: pn.arange(0, 5, -1), ValueError, "arange: upper bound and lower bound inconsistent with step sign"),
    (lambda: pn.arange("5"), TypeError, "arange: end must be a real number, got str '5'"),
    (lambda: pn.randint(5, 5, (3,)), ValueError, "randint: low must be less than high, got low=5 >= high=5"),
    (lambda: pn.randint(0, 2.5, (3,)), TypeError, "randint: high must be an integer, got float 2.5"),
]


@pytest.mark.parametrize("i", range(len(CREATION)))
def test_creation_refuses_bad_sizes(backend, i):
    call, exc, words = CREATION[i]
    with pytest.raises(exc, match=words):
        call()


def test_creation_still_accepts_empty_and_tuple_sizes(backend):
    assert pn.zeros(0).shape == (0,) and pn.ones((2, 0)).shape == (2, 0)
    assert pn.full((2, 3), 1.5).shape == (2, 3) and pn.randint(0, 3, 4).shape == (4,)
    assert pn.arange(5, 0, -1).shape == (5,) and pn.arange(0, 0).shape == (0,)


def _x():
    return pn.tensor([[0.2, 0.8, 0.5], [0.1, 0.4, 0.9]])


LOSS_CALLS = [
    (lambda: F.cross_entropy(_x(), pn.tensor([[0], [1]])), ValueError,
     r"cross_entropy: input shape \(2, 3\) needs class-index target of shape \(2,\), got \(2, 1\)"),
    (lambda: F.cross_entropy(_x(), pn.tensor([0, 1]), weight=pn.ones(2)), ValueError,
     r"cross_entropy: weight must hold one value per class, shape \(3,\), got shape \(2,\)"),
    (lambda: F.cross_entropy(_x(), pn.tensor([True, False])), TypeError,
     "cross_entropy: target must hold integer class indices .* got bool"),
    (lambda: F.cross_entropy(_x(), pn.tensor([0, 1]), label_smoothing=1.5), ValueError,
     r"cross_entropy: label_smoothing must be in \[0, 1\], got 1.5"),
    (lambda: F.cross_entropy(_x(), pn.tensor([0, 1]), ignore_index=0.5), TypeError,
     "cross_entropy: ignore_index must be an integer"),
    (lambda: F.cross_entropy(_x(), _x(), weight=pn.ones(4)), ValueError,
     r"cross_entropy: weight must hold one value per class, shape \(3,\), got shape \(4,\)"),
    (lambda: F.nll_loss(pn.tensor([[1, 2, 3]]), pn.tensor([0])), TypeError,
     "nll_loss: input must be floating point, got int64"),
    (lambda: F.nll_loss(_x(), pn.tensor([[0], [1]])), ValueError, "nll_loss: input shape .* got \\(2, 1\\)"),
    (lambda: F.nll_loss(_x(), pn.tensor([0.0, 1.0])), TypeError, "nll_loss: target must hold integer class indices .* got float32"),
    (lambda: F.nll_loss(_x(), pn.tensor([0, 1]), weight=pn.ones(5)), ValueError, "nll_loss: weight must hold one value per class"),
    (lambda: F.multi_margin_loss(_x(), pn.tensor([0, 1]), weight=pn.ones(2)), ValueError, "multi_margin_loss: weight must hold"),
    (lambda: F.multi_margin_loss(_x(), pn.tensor([0, 1]), p=3), ValueError, "multi_margin_loss: p must be 1 or 2, got 3"),
    (lambda: F.huber_loss(_x(), _x(), delta=-1.0), ValueError, r"huber_loss: delta must be in \(0, inf\), got -1.0"),
    (lambda: F.smooth_l1_loss(_x(), _x(), beta=-1.0), ValueError, r"smooth_l1_loss: beta must be in \[0, inf\), got -1.0"),
    (lambda: F.smooth_l1_loss(_x(), pn.ones(3), reduction="sum"), ValueError, "smooth_l1_loss: input shape"),
    (lambda: F.l1_loss(_x(), _x(), reduction="avg"), ValueError, "l1_loss: reduction must be one of 'none', 'mean', 'sum', got 'avg'"),
    (lambda: F.binary_cross_entropy(_x(), _x() > 0.5), TypeError, "binary_cross_entropy: target must be floating point .* got bool"),
    (lambda: F.binary_cross_entropy(_x(), _x(), weight=pn.ones(2)), ValueError,
     r"binary_cross_entropy: weight of shape \(2,\) does not broadcast to the input's shape \(2, 3\)"),
    (lambda: F.binary_cross_entropy_with_logits(_x(), _x(), pos_weight=pn.ones(2)), ValueError,
     "binary_cross_entropy_with_logits: pos_weight of shape"),
    (lambda: F.binary_cross_entropy_with_logits(_x(), _x(), weight=[1.0]), TypeError,
     "binary_cross_entropy_with_logits: weight must be a pn.Tensor or None, got list"),
    (lambda: F.kl_div(_x(), _x(), reduction="foo"), ValueError, "kl_div: reduction must be one of .* 'batchmean', got 'foo'"),
]


@pytest.mark.parametrize("i", range(len(LOSS_CALLS)))
def test_loss_arguments_checked_before_computing(backend, i):
    call, exc, words = LOSS_CALLS[i]
    with pytest.raises(exc, match=words):
        call()


def _m():
    return pn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


TENSOR_CALLS = [
    # integer-array indexing: PyTorch's range [-n, n), dtypes, mask shapes
    (lambda: pn.tensor([1.0, 2.0, 3.0])[pn.tensor([-4])], IndexError,
     r"getitem: index out of bounds for dimension 0 with size 3 \(indices must lie in \[-3, 3\)\)"),
    (lambda: pn.tensor([1.0, 2.0, 3.0])[pn.tensor([3])], IndexError, "dimension 0 with size 3"),
    (lambda: pn.tensor([1.0, 2.0, 3.0])[[0, -4]], IndexError, "dimension 0 with size 3"),
    (lambda: _m()[pn.tensor([0, 1]), pn.tensor([0, 3])], IndexError, "dimension 1 with size 3"),
    (lambda: _m()[pn.tensor([1.0])], IndexError, "tensors used as indices must be long, int, byte or bool tensors, got float32"),
    (lambda: pn.tensor([1.0, 2.0, 3.0])[pn.tensor([True, False])], IndexError,
     r"the shape of the mask \(2,\) does not match the shape of the indexed tensor \(3,\)"),
    (lambda: _m()[pn.tensor([0]), pn.tensor([0]), pn.tensor([0])], IndexError, "too many indices"),
    # dimensions out of range: PyTorch's IndexError, naming the function
    (lambda: pn.softmax(_m(), dim=2), IndexError, r"softmax: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: pn.log_softmax(_m(), dim=-3), IndexError, "log_softmax: Dimension out of range"),
    (lambda: pn.sum(_m(), dim=2), IndexError, "sum: Dimension out of range"),
    (lambda: pn.mean(_m(), dim=(0, 5)), IndexError, "mean: Dimension out of range"),
    (lambda: pn.max(_m(), dim=2), IndexError, "max: Dimension out of range"),
    (lambda: pn.var(_m(), dim=2), IndexError, "var: Dimension out of range"),
    (lambda: pn.std(_m(), dim=1.5), TypeError, "std: dim must be an int, a tuple of ints or None, got float 1.5"),
    (lambda: pn.transpose(_m(), 0, 2), IndexError, "transpose: Dimension out of range"),
    (lambda: pn.squeeze(_m(), 2), IndexError, "squeeze: Dimension out of range"),
    (lambda: pn.unsqueeze(_m(), 4), IndexError, r"unsqueeze: Dimension out of range \(expected to be in range of \[-3, 2\], but got 4\)"),
    (lambda: pn.flatten(_m(), 3), IndexError, "flatten: Dimension out of range"),
    (lambda: pn.flatten(pn.zeros(2, 3, 4), 2, 1), ValueError, r"flatten: start_dim \(2\) cannot come after end_dim \(1\)"),
    (lambda: pn.unbind(_m(), 2), IndexError, "unbind: Dimension out of range"),
    (lambda: pn.split(_m(), 1, dim=2), IndexError, "split: Dimension out of range"),
    (lambda: pn.split(_m(), 1.5), TypeError, "split: split_size_or_sections must be an int or a list of ints"),
    (lambda: pn.chunk(_m(), 2, dim=-3), IndexError, "chunk: Dimension out of range"),
    (lambda: pn.permute(_m(), (0, 0)), ValueError, r"permute: dims \(0, 0\) names an axis twice"),
    (lambda: pn.permute(_m(), (0,)), ValueError, r"permute: dims \(0,\) must name each of the input's 2 dimensions"),
    (lambda: pn.cat([_m(), _m()], dim=2), IndexError, "cat: Dimension out of range"),
    (lambda: pn.cat([_m(), pn.zeros(2, 2)], dim=0), ValueError,
     r"cat: expects each tensor to have sizes that match except in dimension 0, but got \(2, 3\) at entry 0 and \(2, 2\) at entry 1"),
    (lambda: pn.stack([_m(), pn.zeros(2, 2)]), ValueError, r"stack: expects each tensor to have equal size"),
    (lambda: pn.stack([]), ValueError, "stack: expected a non-empty list of Tensors"),
    (lambda: pn.where(_m(), _m(), _m()), TypeError, "where: condition must be a boolean tensor, got float32"),
    # shapes that do not fit: our words on every backend, not each library's own
    (lambda: _m() + pn.ones(2, 2), ValueError, r"add: shapes \(2, 3\) and \(2, 2\) do not broadcast"),
    (lambda: pn.mul(_m(), pn.ones(3, 1)), ValueError, r"mul: shapes \(2, 3\) and \(3, 1\) do not broadcast"),
    (lambda: _m() ** pn.ones(2), ValueError, "pow: shapes"),
    (lambda: pn.matmul(_m(), _m()), ValueError, r"matmul: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"),
    (lambda: pn.linear(_m(), pn.ones(4, 2)), ValueError, r"linear: input of shape \(2, 3\) needs a weight of shape \(out, 3\), got \(4, 2\)"),
    (lambda: pn.reshape(_m(), (4, 2)), ValueError, r"reshape: shape \(4, 2\) is invalid for input of size 6"),
    (lambda: pn.reshape(_m(), (-1, -1)), ValueError, r"reshape: shape \(-1, -1\) is invalid"),
    (lambda: pn.broadcast_to(_m(), (3, 3)), ValueError, r"broadcast_to: a tensor of shape \(2, 3\) cannot be expanded to \(3, 3\)"),
]


@pytest.mark.parametrize("i", range(len(TENSOR_CALLS)))
def test_tensor_functions_check_dims_and_indices(backend, i):
    call, exc, words = TENSOR_CALLS[i]
    with pytest.raises(exc, match=words):
        call()
        # index ranges are checks on data (portanet.checks): on an accelerator (device1
        # here) they raise at the next natural sync, as PyTorch's device asserts do
        pn.checks.flush()


def test_in_range_indices_still_work(backend):
    """Negative in-range indices are valid (PyTorch); cat/stack take PyTorch's dim=."""
    x = pn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[pn.tensor([-3, -1, 0])]
    assert pn.to_numpy(y).tolist() == [1.0, 3.0, 1.0]
    y.sum().backward()
    assert pn.to_numpy(x.grad).tolist() == [2.0, 0.0, 1.0]
    assert pn.cat([_m(), _m()], dim=1).shape == (2, 6) and pn.stack([_m(), _m()], dim=-1).shape == (2, 3, 2)
    assert pn.unsqueeze(_m(), -3).shape == (1, 2, 3) and pn.sum(pn.tensor(2.0), dim=0).shape == ()


def _img():
    return pn.zeros(1, 2, 6, 6)


FUNCTIONAL = [
    (lambda: F.conv2d(_img(), pn.zeros(3, 2, 3, 3), stride=0), ValueError, "conv2d: stride must be a positive integer"),
    (lambda: F.conv2d(_img(), pn.zeros(3, 2, 3, 3), padding=-1), ValueError, "conv2d: padding must be a non-negative integer"),
    (lambda: F.conv2d(_img(), pn.zeros(2, 1, 3, 3), groups=0), ValueError, "conv2d: groups must be a positive integer, got 0"),
    (lambda: F.conv1d(pn.zeros(1, 2, 8), pn.zeros(3, 2, 3), dilation=0), ValueError, "conv1d: dilation must be a positive integer"),
    (lambda: F.conv_transpose2d(_img(), pn.zeros(2, 3, 3, 3), output_padding=-1), ValueError,
     "conv_transpose2d: output_padding must be a non-negative integer"),
    (lambda: F.max_pool2d(_img(), 0), ValueError, "max_pool2d: kernel_size must be a positive integer"),
    (lambda: F.max_pool2d(_img(), 2, stride=0), ValueError, "max_pool2d: stride must be a positive integer"),
    (lambda: F.max_pool1d(pn.zeros(1, 2, 8), 2, padding=-1), ValueError, "max_pool1d: padding must be a non-negative integer"),
    (lambda: F.avg_pool2d(_img(), 2, stride=-1), ValueError, "avg_pool2d: stride must be a positive integer"),
    (lambda: F.avg_pool2d(_img(), 2, divisor_override=0), ValueError, "avg_pool2d: divisor_override must be a positive integer"),
    (lambda: F.adaptive_avg_pool2d(_img(), 0), ValueError, "adaptive_avg_pool2d: output_size must be positive, got 0"),
    (lambda: F.dropout(_img(), p="a"), TypeError, r"dropout: p \(dropout probability\) must be a real number in \[0, 1\], got str 'a'"),
    (lambda: F.dropout(_img(), p=1.5), ValueError, "dropout: dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: nn.Dropout("a"), TypeError, "Dropout: p .* got str 'a'"),
    (lambda: F.leaky_relu(_img(), "a"), TypeError, "leaky_relu: negative_slope must be a real number, got str 'a'"),
    (lambda: F.elu(_img(), None), TypeError, "elu: alpha must be a real number, got NoneType None"),
    (lambda: F.softplus(_img(), beta=0), ValueError, "softplus: beta must be non-zero, got 0"),
    (lambda: F.gelu(_img(), approximate="foo"), ValueError, "gelu: approximate must be 'none' or 'tanh', got 'foo'"),
    (lambda: F.softmax(_img(), dim=4), IndexError, "softmax: Dimension out of range"),
]


@pytest.mark.parametrize("i", range(len(FUNCTIONAL)))
def test_functional_arguments_checked(backend, i):
    call, exc, words = FUNCTIONAL[i]
    with pytest.raises(exc, match=words):
        call()
