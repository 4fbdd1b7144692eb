"""Layers, losses, initializers: ``pn.nn`` mirrors ``torch.nn``'s names and shapes."""
from . import functional, init, utils  # noqa: F401
from .activation import *  # noqa: F401,F403
from .conv import Conv1d, Conv2d, ConvTranspose2d  # noqa: F401
from .dropout import Dropout, Dropout2d  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm  # noqa: F401
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d  # noqa: F401
from .sparse import Embedding  # noqa: F401
from .layers import Flatten, Identity, Linear, ModuleDict, ModuleList, Sequential, Unflatten  # noqa: F401
from .loss_modules import *  # noqa: F401,F403
from .module import Module, StateDictError  # noqa: F401
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyConv1d, LazyConv2d,  # noqa: F401
                   LazyConvTranspose2d, LazyLinear)
from .attention import MultiheadAttention  # noqa: F401
from .transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: F401
# transformer topic: the decoder and the encoder-decoder model
from .transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer  # noqa: F401
from .rnn import GRU, LSTM, RNN, RNNBase  # noqa: F401
from .rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: F401
# nnlayers (breadth): more activations, losses, distances, layers
from .activation_extra import *  # noqa: F401,F403,E402
from .loss_extra import *  # noqa: F401,F403,E402
from .container_extra import ParameterDict, ParameterList  # noqa: F401,E402
from .layers_extra import Bilinear, EmbeddingBag  # noqa: F401,E402
from .normalization_extra import *  # noqa: F401,F403,E402
from .dropout_extra import *  # noqa: F401,F403,E402
# spatial (padding, resampling, pixel rearrangement, sliding blocks, pooling)
from .padding import *  # noqa: F401,F403,E402
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401,E402
from .pixel import ChannelShuffle, Fold, PixelShuffle, PixelUnshuffle, Unfold  # noqa: F401,E402
from .pooling import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,  # noqa: F401,E402
                      AvgPool1d, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d)
from .conv import ConvTranspose1d  # noqa: F401,E402
from .volumetric import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, BatchNorm3d,  # noqa: F401,E402
                         Conv3d, ConvTranspose3d, MaxPool3d)
# lead: nn.DataParallel on one device, and the nn.parallel module scripts import
from . import parallel  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
