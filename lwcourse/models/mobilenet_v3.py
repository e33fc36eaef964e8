"""MobileNetV3 (Howard et al. 2019, "Searching for MobileNetV3"), Large and Small.

Equal to torchvision's ``mobilenet_v3_large`` / ``mobilenet_v3_small`` (parameters,
registration order and outputs), at any ``width_mult``.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_model

# One row per bneck: (kernel, exp size, #out, SE, NL, s). The input width is the previous row's
# #out (16 after the stem). NL: "RE" = ReLU, "HS" = hard-swish.
# Paper Table 1: MobileNetV3-Large.
MOBILENET_V3_LARGE = [
    (3, 16, 16, False, "RE", 1),
    (3, 64, 24, False, "RE", 2),
    (3, 72, 24, False, "RE", 1),
    (5, 72, 40, True, "RE", 2),
    (5, 120, 40, True, "RE", 1),
    (5, 120, 40, True, "RE", 1),
    (3, 240, 80, False, "HS", 2),
    (3, 200, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 480, 112, True, "HS", 1),
    (3, 672, 112, True, "HS", 1),
    (5, 672, 160, True, "HS", 2),
    (5, 960, 160, True, "HS", 1),
    (5, 960, 160, True, "HS", 1),
]
# Paper Table 2: MobileNetV3-Small.
MOBILENET_V3_SMALL = [
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
]
STEM_CHANNELS = 16  # conv2d 3x3, stride 2, hard-swish
HEAD_EXPANSION = 6  # the last conv2d 1x1: 6 x the last bneck's #out (960 Large, 576 Small)
CLASSIFIER_HIDDEN = {"large": 1280, "small": 1024}  # "conv2d 1x1, NBN" after the pool
NONLINEARITY = {"RE": "relu", "HS": "hardswish"}
BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}  # TensorFlow's BN defaults, as torchvision


def _mobilenet_v3(size: str, num_classes: int, width_mult: float,
                  dropout: float) -> ImageClassifier:
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)
    table = {"large": MOBILENET_V3_LARGE, "small": MOBILENET_V3_SMALL}[size]

    def scaled(channels: float) -> int:
        return make_divisible(channels * width_mult)

    in_ch = scaled(STEM_CHANNELS)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="hardswish", **BN)
    blocks = []
    for kernel, exp, out, se, nl, stride in table:
        exp, out = scaled(exp), scaled(out)
        blocks.append(InvertedResidual(
            in_ch, out, stride=stride, kernel_size=kernel, expanded_channels=exp,
            activation=NONLINEARITY[nl],
            se_channels=make_divisible(exp // 4) if se else None,  # Sec. 5.3: 1/4 of exp size
            se_activation="relu", se_gate="hardsigmoid", **BN))
        in_ch = out
    head_ch = HEAD_EXPANSION * in_ch
    head = ConvBNAct(in_ch, head_ch, kernel_size=1, activation="hardswish", **BN)
    hidden = scaled(CLASSIFIER_HIDDEN[size])
    classifier = nn.Sequential(  # "1x1 conv, NBN" in the tables = a Linear after the pool
        nn.Flatten(1),
        nn.Linear(head_ch, hidden),
        nn.Hardswish(inplace=True),
        nn.Dropout(dropout, inplace=True),
        nn.Linear(hidden, num_classes),
    )
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name=f"mobilenet_v3_{size}", default_resolution=224))


@register_model
def mobilenet_v3_large(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV3-Large (Table 1). Widths ``make_divisible(c * width_mult, 8)``; SE squeeze
    ``make_divisible(exp // 4, 8)`` with a hard-sigmoid gate; BN eps 1e-3, momentum 0.01."""
    return _mobilenet_v3("large", num_classes, width_mult, dropout)


@register_model
def mobilenet_v3_small(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV3-Small (Table 2); same rules as :func:`mobilenet_v3_large`."""
    return _mobilenet_v3("small", num_classes, width_mult, dropout)
