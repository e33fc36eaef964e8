"""MobileNeXt (Zhou, Hou, Chen, Feng, Yan 2020, "Rethinking Bottleneck Structure for Efficient
Mobile Network Design"): MobileNetV2's layout rebuilt from sandglass blocks.

Equal to the authors' published ``mnext.py`` (github.com/yitu-opensource/MobileNeXt,
``mobilenext/codebase/models/mnext.py``): parameters, registration order and outputs
(``tests/test_mobilenext.py``); MobileNeXt 1.0 has 3,535,416 parameters.
"""

from __future__ import annotations

import math

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.sandglass import SandglassBlock
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_model

# The paper's architecture table (= the official code's cfgs): (t reduction, c output
# channels, n repeats, s stride of the first block). The 1280-wide last block is the head:
# no 1x1 conv follows it.
MOBILENEXT = [
    (2, 96, 1, 2),
    (6, 144, 1, 1),
    (6, 192, 3, 2),
    (6, 288, 3, 2),
    (6, 384, 4, 1),
    (6, 576, 4, 2),
    (6, 960, 3, 1),
    (6, 1280, 1, 1),
]
STEM_CHANNELS = 32


def reduced_width(in_channels: int, out_channels: int, t: int) -> int:
    """The bottleneck width of the official code: ``in // t``, but at least ``out / 6``
    rounded up to a multiple of 16."""
    reduced = in_channels // t
    if reduced < out_channels / 6:
        reduced = make_divisible(math.ceil(out_channels / 6), 16)
    return reduced


def depthwise_layout(t: int, in_channels: int, out_channels: int, stride: int,
                     single_block_stage: bool) -> tuple[bool, bool]:
    """(first_depthwise, last_depthwise) as in the official code: both in the first block
    (t = 2), in the identity blocks and in single-block stride-1 stages; none in a stride-1
    block that changes the width; only the last (strided) one in a stride-2 block."""
    if t == 2 or in_channels == out_channels or single_block_stage:
        return True, True
    return False, stride == 2


@register_model
def mobilenext(num_classes: int = 1000, width_mult: float = 1.0,
               dropout: float = 0.2) -> ImageClassifier:
    """MobileNeXt. Widths are ``make_divisible(c * width_mult)``, except that the last block
    keeps 1280 channels when ``width_mult < 1`` (as MobileNetV2's last conv). ReLU6, BN eps
    1e-5; global pool, dropout, linear classifier."""
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)
    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu6")
    blocks = []
    for t, c, n, s in MOBILENEXT:
        out_ch = 1280 if c == 1280 and width_mult < 1 else make_divisible(c * width_mult)
        for i in range(n):
            stride = s if i == 0 else 1
            first, last = depthwise_layout(t, in_ch, out_ch, stride, n == 1 and s == 1)
            blocks.append(SandglassBlock(in_ch, out_ch, stride=stride,
                                         reduced_channels=reduced_width(in_ch, out_ch, t),
                                         first_depthwise=first, last_depthwise=last))
            in_ch = out_ch
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), None, classifier,
                                        name="mobilenext", default_resolution=224))
