"""``pn.nn.functional``: activations, ``linear``, losses, convolution, pooling,
normalization, dropout and embedding as functions (PyTorch's names), re-exported from
``portanet.ops``.

Example:
    >>> import portanet.nn.functional as F
    >>> F.cross_entropy(F.linear(x, w, b), y)
"""
from ..ops.activations import (elu, gelu, leaky_relu, log_sigmoid, relu, sigmoid, silu,  # noqa: F401
                               softplus, tanh)
from ..ops.conv import conv1d, conv2d, conv_transpose2d  # noqa: F401
from ..ops.dropout import dropout, dropout2d  # noqa: F401
from ..ops.embedding import embedding  # noqa: F401
from ..ops.linalg import linear  # noqa: F401
from ..ops.losses import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                          cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, multi_margin_loss,
                          nll_loss, smooth_l1_loss)
from ..ops.norm import batch_norm, group_norm, layer_norm  # noqa: F401
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401
from ..ops.softmax import log_softmax, softmax  # noqa: F401
from ..ops.attention import scaled_dot_product_attention  # noqa: F401
# transformer topic: PyTorch's functional multi-head attention
from ..ops.mha import multi_head_attention_forward  # noqa: F401,E402
# nnlayers (breadth): more activations, losses, distances, layers
from ..ops.activations_extra import (celu, celu_, elu_, glu, hardshrink,  # noqa: F401,E402
                                     hardsigmoid, hardswish, hardtanh, hardtanh_, leaky_relu_,
                                     logsigmoid, mish, prelu, relu6, relu_, rrelu, rrelu_, selu,
                                     selu_, softmin, softshrink, softsign, tanhshrink, threshold,
                                     threshold_)
from ..ops.distance import cosine_similarity, normalize, pairwise_distance  # noqa: F401,E402
from ..ops.losses_extra import (cosine_embedding_loss, gaussian_nll_loss,  # noqa: F401,E402
                                hinge_embedding_loss, margin_ranking_loss,
                                multilabel_margin_loss, multilabel_soft_margin_loss,
                                poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
                                triplet_margin_with_distance_loss)
from ..ops.ctc import ctc_loss  # noqa: F401,E402
from ..ops.dropout_extra import (alpha_dropout, dropout1d, dropout3d,  # noqa: F401,E402
                                 feature_alpha_dropout)
from ..ops.layers_extra import bilinear, embedding_bag  # noqa: F401,E402
from ..ops.norm_extra import instance_norm, local_response_norm, rms_norm  # noqa: F401,E402
# spatial (padding, resampling, pixel rearrangement, sliding blocks, pooling)
from ..ops.padding import pad  # noqa: F401,E402
from ..ops.interpolate import (interpolate, upsample, upsample_bilinear,  # noqa: F401,E402
                               upsample_nearest)
from ..ops.pixel import channel_shuffle, fold, pixel_shuffle, pixel_unshuffle, unfold  # noqa: F401,E402
from ..ops.pool_extra import (adaptive_avg_pool1d, adaptive_max_pool1d,  # noqa: F401,E402
                              adaptive_max_pool2d, avg_pool1d, lp_pool1d, lp_pool2d,
                              max_unpool1d, max_unpool2d)
from ..ops.conv import conv_transpose1d  # noqa: F401,E402
from ..ops.volumetric import avg_pool3d, conv3d, max_pool3d  # noqa: F401,E402
from ..ops.volumetric_extra import (adaptive_avg_pool3d, adaptive_max_pool3d,  # noqa: F401,E402
                                    conv_transpose3d)
from ..ops.grid import affine_grid, grid_sample  # noqa: F401,E402
# lead: F.one_hot
from ..ops.onehot import one_hot  # noqa: F401,E402
