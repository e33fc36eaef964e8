"""MobileNetV1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications").

Equal to timm's ``mobilenetv1_100`` at ``width_mult=1`` (and ``mobilenetv1_125`` at 1.25):
parameters, registration order and outputs.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, DepthwiseSeparableConv, make_divisible
from ._common import ImageClassifier, group_stages, init_weights, repeat_block
from ._registry import register_model

# Paper Table 1, one depthwise separable layer ("Conv dw / s" + "Conv 1x1") per repeat, one row
# per resolution: (output channels, stride of the first layer, repeats).
# The "5x" row of the paper is the last 5 repeats of the 512 stage.
MOBILENET_V1 = [
    (64, 1, 1),
    (128, 2, 2),
    (256, 2, 2),
    (512, 2, 6),
    (1024, 2, 2),  # the table's second "Conv dw / s2" at 7x7 is a typo for s1 (as in timm)
]
STEM_CHANNELS = 32  # "Conv / s2", 3x3x3x32
# The paper uses ReLU; timm's (and TensorFlow slim's) MobileNetV1 uses ReLU6. We follow timm.
ACTIVATION = "relu6"


@register_model
def mobilenet_v1(num_classes: int = 1000, width_mult: float = 1.0,
                 dropout: float = 0.0) -> ImageClassifier:
    """MobileNetV1. The width multiplier alpha (paper Sec. 3.3) scales every layer, stem
    included; widths are rounded as ``make_divisible(c * alpha, 8)`` (nearest multiple of 8,
    never 10 % below), timm's rule. No head conv: the pool follows the last 1024-wide layer."""
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation=ACTIVATION)
    layer = partial(DepthwiseSeparableConv, activation=ACTIVATION)
    blocks = []
    for c, s, n in MOBILENET_V1:
        out_ch = make_divisible(c * width_mult)
        blocks += repeat_block(layer, n, in_ch, out_ch, s)
        in_ch = out_ch
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), None, classifier,
                                        name="mobilenet_v1", default_resolution=224))
