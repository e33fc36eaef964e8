"""MobileNetV3 (Howard et al. 2019, "Searching for MobileNetV3"), Large and Small.

Equal to torchvision's ``mobilenet_v3_large`` / ``mobilenet_v3_small`` (parameters,
registration order and outputs), at any ``width_mult``.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_positive_int, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, init_weights
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
NONLINEARITY = {"RE": "relu", "HS": "hardswish"}
BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}  # TensorFlow's BN defaults, as torchvision


def _mobilenet_v3(table, last_channels: int, name: str, num_classes: int, width_mult: float,
                  dropout: float) -> ImageClassifier:
    check_positive_int("num_classes", num_classes)
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    def scaled(channels: float) -> int:
        return make_divisible(channels * width_mult)

    in_ch = scaled(STEM_CHANNELS)
    stem = ConvBNAct(3, in_ch, 3, stride=2, activation="hardswish", **BN)
    stages: list[list[nn.Module]] = []
    for kernel, exp, out, se, nl, stride in table:
        exp, out = scaled(exp), scaled(out)
        block = InvertedResidual(
            in_ch, out, stride, kernel_size=kernel, activation=NONLINEARITY[nl],
            expanded_channels=exp,
            se_channels=make_divisible(exp // 4) if se else None,  # Sec. 5.3: 1/4 of exp size
            se_activation="relu", se_gate="hardsigmoid", **BN)
        if stride == 2 or not stages:  # a stage = the rows at one resolution
            stages.append([])
        stages[-1].append(block)
        in_ch = out
    head_ch = 6 * in_ch  # the last 1x1 conv: 960 (Large) / 576 (Small)
    head = ConvBNAct(in_ch, head_ch, 1, activation="hardswish", **BN)
    last_ch = scaled(last_channels)
    classifier = nn.Sequential(  # "1x1 conv, NBN" in the tables = a Linear after the pool
        nn.Flatten(1),
        nn.Linear(head_ch, last_ch),
        nn.Hardswish(inplace=True),
        nn.Dropout(dropout, inplace=True),
        nn.Linear(last_ch, num_classes),
    )
    model = ImageClassifier(stem, nn.Sequential(*(nn.Sequential(*s) for s in stages)), head,
                            classifier, min_input_size=32, name=name)
    model.default_resolution = 224
    return init_weights(model)


@register_model
def mobilenet_v3_large(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV3-Large (Table 1). Widths ``make_divisible(c * width_mult, 8)``; SE squeeze
    ``make_divisible(exp // 4, 8)`` with a hard-sigmoid gate; BN eps 1e-3, momentum 0.01."""
    return _mobilenet_v3(MOBILENET_V3_LARGE, 1280, "mobilenet_v3_large", num_classes,
                         width_mult, dropout)


@register_model
def mobilenet_v3_small(num_classes: int = 1000, width_mult: float = 1.0,
                       dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV3-Small (Table 2); same rules as :func:`mobilenet_v3_large`."""
    return _mobilenet_v3(MOBILENET_V3_SMALL, 1024, "mobilenet_v3_small", num_classes,
                         width_mult, dropout)
