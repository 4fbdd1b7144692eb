"""``pn.nn.functional``: activations, ``linear`` and losses as functions (PyTorch's names).

Example:
    >>> import portanet.nn.functional as F
    >>> F.cross_entropy(F.linear(x, w, b), y)
"""
from ..ops.api import (elu, gelu, leaky_relu, linear, log_softmax, relu, sigmoid, silu,  # noqa: F401
                       softmax, softplus, tanh)
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                     cross_entropy, huber_loss, kl_div, l1_loss, log_sigmoid, mse_loss,
                     multi_margin_loss, nll_loss, smooth_l1_loss)
from .conv import conv1d, conv2d, conv_transpose2d  # noqa: F401,E402
from .dropout import dropout, dropout2d  # noqa: F401,E402
from .normalization import batch_norm, group_norm, layer_norm  # noqa: F401,E402
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401,E402
from .sparse import embedding  # noqa: F401,E402
from ..ops.attention import scaled_dot_product_attention  # noqa: F401,E402
