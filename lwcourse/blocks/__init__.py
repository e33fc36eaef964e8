"""The one block library every lwcourse model is built from.

Each block reads like the figure in its paper; the docstrings name paper and figure.
"""

from .attention import (
    CoordinateAttention,
    EfficientChannelAttention,
    eca_kernel_size,
    insert_attention,
)
from .conv import ConvBNAct, DepthwiseSeparableConv, make_divisible, resolve_activation
from .ghost import GhostBottleneck, GhostModule
from .hardnet import HarDBlock, harmonic_links, harmonic_widths
from .lcnet import DepthwiseSeparableSE
from .mbconv import DropPath, InvertedResidual, MBConv
from .mixconv import MixConv, MixConvBNAct, MixInvertedResidual, split_channels
from .resnext import ResNeXtBottleneck
from .sandglass import SandglassBlock
from .se import SqueezeExcitation
from .shuffle import ChannelShuffle, ShuffleV1Unit, ShuffleV2Unit, channel_shuffle

__all__ = [
    "CoordinateAttention",
    "EfficientChannelAttention",
    "eca_kernel_size",
    "insert_attention",
    "ChannelShuffle",
    "GhostBottleneck",
    "GhostModule",
    "HarDBlock",
    "harmonic_links",
    "harmonic_widths",
    "ResNeXtBottleneck",
    "SandglassBlock",
    "ShuffleV1Unit",
    "ShuffleV2Unit",
    "channel_shuffle",
    "ConvBNAct",
    "DepthwiseSeparableConv",
    "DepthwiseSeparableSE",
    "DropPath",
    "InvertedResidual",
    "MBConv",
    "MixConv",
    "MixConvBNAct",
    "MixInvertedResidual",
    "split_channels",
    "SqueezeExcitation",
    "make_divisible",
    "resolve_activation",
]
