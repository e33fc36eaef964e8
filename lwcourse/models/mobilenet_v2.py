"""MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks").

Equal to torchvision's ``mobilenet_v2`` (parameters, registration order and outputs), at any
``width_mult``.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, group_stages, init_weights, repeat_block
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
HEAD_CHANNELS = 1280  # Table 2: conv2d 1x1 before the pool


@register_model
def mobilenet_v2(num_classes: int = 1000, width_mult: float = 1.0,
                 dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV2. The width multiplier scales every layer, rounded to a multiple of 8
    (``make_divisible``), except that the head conv never shrinks below 1280 (paper Sec. 6.1:
    ``max(1280, 1280 * width_mult)``). ReLU6 everywhere, BN eps 1e-5."""
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu6")
    blocks = []
    for t, c, n, s in MOBILENET_V2:
        out_ch = make_divisible(c * width_mult)
        block = partial(InvertedResidual, expansion=t, activation="relu6")
        blocks += repeat_block(block, n, in_ch, out_ch, s)
        in_ch = out_ch
    head_ch = make_divisible(HEAD_CHANNELS * max(1.0, width_mult))
    head = ConvBNAct(in_ch, head_ch, kernel_size=1, activation="relu6")
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(head_ch, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name="mobilenet_v2", default_resolution=224))
