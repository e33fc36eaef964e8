"""MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks").

Equal to torchvision's ``mobilenet_v2`` (parameters, registration order and outputs), at any
``width_mult``.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_positive_int, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, init_weights
from ._registry import register_model

# Paper Table 2: (t expansion, c output channels, n repeats, s stride of the first block).
MOBILENET_V2 = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]
STEM_CHANNELS = 32  # Table 2, first row: conv2d 3x3, stride 2
LAST_CHANNELS = 1280  # Table 2: conv2d 1x1 before the pool


@register_model
def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0,
                 dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV2. The width multiplier scales every layer, rounded to a multiple of 8
    (``make_divisible``), except that the last conv never shrinks below 1280 (paper Sec. 6.1:
    ``max(1280, 1280 * width_mult)``). ReLU6 everywhere, BN eps 1e-5."""
    check_positive_int("num_classes", num_classes)
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, 3, stride=2, activation="relu6")
    stages = []
    for t, c, n, s in MOBILENET_V2:
        out_ch = make_divisible(c * width_mult)
        blocks = []
        for i in range(n):
            blocks.append(InvertedResidual(in_ch, out_ch, s if i == 0 else 1, expansion=t,
                                           activation="relu6"))
            in_ch = out_ch
        stages.append(nn.Sequential(*blocks))
    last_ch = make_divisible(LAST_CHANNELS * max(1.0, width_mult))
    head = ConvBNAct(in_ch, last_ch, 1, activation="relu6")
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(last_ch, num_classes))
    model = ImageClassifier(stem, nn.Sequential(*stages), head, classifier, min_input_size=32,
                            name="mobilenet_v2")
    model.default_resolution = 224
    return init_weights(model)
