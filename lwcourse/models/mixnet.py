"""MixNet-S / M / L (Tan & Le 2019, "MixConv: Mixed Depthwise Convolutional Kernels", Fig. 9
(S and M architectures); L is M with every width x1.3, Sec. 5.2).

Blocks mix depthwise kernels (3x3 ... 11x11) within one layer and split some 1x1 expansions and
projections into two groups (:class:`~lwcourse.blocks.MixInvertedResidual`). The first stages
use ReLU, the later ones Swish (SiLU) with squeeze-and-excitation.

Equal to timm's ``mixnet_s``, ``mixnet_m``, ``mixnet_l`` (parameters, registration order and
outputs).
"""

from __future__ import annotations

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ..blocks.mixconv import MixInvertedResidual
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_model

# After the stem, a depthwise separable 3x3 block (ReLU, width STEM), then rows of
# (depthwise kernel sizes, expansion 1x1 groups, projection 1x1 groups, stride, expansion,
#  output channels, SE ratio of the block input or None, activation, repeats).
MIXNET_S = [
    ((3,), 2, 2, 2, 6, 24, None, "relu", 1),
    ((3,), 2, 2, 1, 3, 24, None, "relu", 1),
    ((3, 5, 7), 1, 1, 2, 6, 40, 0.5, "silu", 1),
    ((3, 5), 2, 2, 1, 6, 40, 0.5, "silu", 3),
    ((3, 5, 7), 1, 2, 2, 6, 80, 0.25, "silu", 1),
    ((3, 5), 1, 2, 1, 6, 80, 0.25, "silu", 2),
    ((3, 5, 7), 2, 2, 1, 6, 120, 0.5, "silu", 1),
    ((3, 5, 7, 9), 2, 2, 1, 3, 120, 0.5, "silu", 2),
    ((3, 5, 7, 9, 11), 1, 1, 2, 6, 200, 0.5, "silu", 1),
    ((3, 5, 7, 9), 1, 2, 1, 6, 200, 0.5, "silu", 2),
]
MIXNET_M = [
    ((3, 5, 7), 2, 2, 2, 6, 32, None, "relu", 1),
    ((3,), 2, 2, 1, 3, 32, None, "relu", 1),
    ((3, 5, 7, 9), 1, 1, 2, 6, 40, 0.5, "silu", 1),
    ((3, 5), 2, 2, 1, 6, 40, 0.5, "silu", 3),
    ((3, 5, 7), 1, 1, 2, 6, 80, 0.25, "silu", 1),
    ((3, 5, 7, 9), 2, 2, 1, 6, 80, 0.25, "silu", 3),
    ((3,), 1, 1, 1, 6, 120, 0.5, "silu", 1),
    ((3, 5, 7, 9), 2, 2, 1, 3, 120, 0.5, "silu", 3),
    ((3, 5, 7, 9), 1, 1, 2, 6, 200, 0.5, "silu", 1),
    ((3, 5, 7, 9), 1, 2, 1, 6, 200, 0.5, "silu", 3),
]
STEM_CHANNELS = {"s": 16, "m": 24}  # conv 3x3 stride 2, also the first block's width
HEAD_CHANNELS = 1536  # conv 1x1 before the pool (not scaled by the width)


def _mixnet(table, stem_channels: int, width_mult: float, name: str, num_classes: int,
            dropout: float) -> ImageClassifier:
    check_rate("dropout", dropout)

    def width(c: int) -> int:
        return make_divisible(c * width_mult)

    in_ch = width(stem_channels)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu")
    blocks = [InvertedResidual(in_ch, in_ch, expansion=1, activation="relu")]
    for kernels, a, p, stride, t, c, se, act, repeats in table:
        for i in range(repeats):
            out_ch = width(c)
            blocks.append(MixInvertedResidual(
                in_ch, out_ch, stride=stride if i == 0 else 1, kernel_sizes=kernels,
                expansion=t, expand_groups=a, project_groups=p, activation=act,
                se_channels=None if se is None else round(in_ch * se)))
            in_ch = out_ch
    head = ConvBNAct(in_ch, HEAD_CHANNELS, kernel_size=1, activation="relu")
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout, inplace=True),
                               nn.Linear(HEAD_CHANNELS, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name=name))


@register_model
def mixnet_s(num_classes: int = 1000, dropout: float = 0.2) -> ImageClassifier:
    """MixNet-S (Fig. 9a): 4.1 M parameters."""
    return _mixnet(MIXNET_S, STEM_CHANNELS["s"], 1.0, "mixnet_s", num_classes, dropout)


@register_model
def mixnet_m(num_classes: int = 1000, dropout: float = 0.2) -> ImageClassifier:
    """MixNet-M (Fig. 9b): 5.0 M parameters."""
    return _mixnet(MIXNET_M, STEM_CHANNELS["m"], 1.0, "mixnet_m", num_classes, dropout)


@register_model
def mixnet_l(num_classes: int = 1000, dropout: float = 0.2) -> ImageClassifier:
    """MixNet-L: MixNet-M with every width (stem and blocks) x1.3 (Sec. 5.2)."""
    return _mixnet(MIXNET_M, STEM_CHANNELS["m"], 1.3, "mixnet_l", num_classes, dropout)
