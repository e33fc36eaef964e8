"""MobileNetV1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications").

Equal to timm's ``mobilenetv1_100`` at ``width_mult=1`` (and ``mobilenetv1_125`` at 1.25):
parameters, registration order and outputs.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_positive_int, check_rate
from ..blocks.conv import ConvBNAct, DepthwiseSeparableConv, make_divisible
from ._common import ImageClassifier, init_weights
from ._registry import register_model

# Paper Table 1, one depthwise separable layer ("Conv dw / s" + "Conv 1x1") per repeat, grouped
# into stages by resolution: (output channels, stride of the first layer, repeats).
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
    check_positive_int("num_classes", num_classes)
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, 3, stride=2, activation=ACTIVATION)
    stages = []
    for c, s, n in MOBILENET_V1:
        out_ch = make_divisible(c * width_mult)
        blocks = []
        for i in range(n):
            blocks.append(DepthwiseSeparableConv(in_ch, out_ch, s if i == 0 else 1,
                                                 activation=ACTIVATION))
            in_ch = out_ch
        stages.append(nn.Sequential(*blocks))
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    model = ImageClassifier(stem, nn.Sequential(*stages), nn.Identity(), classifier,
                            min_input_size=32, name="mobilenet_v1")
    model.default_resolution = 224
    return init_weights(model)
