"""PP-LCNet (Cui et al. 2021, "PP-LCNet: A Lightweight CPU Convolutional Neural Network",
Table 1), a network designed for Intel CPUs with MKLDNN: depthwise separable blocks only
(:class:`~lwcourse.blocks.DepthwiseSeparableSE`), H-Swish, larger 5x5 kernels and SE only at
the end, and a 1280-wide 1x1 conv *after* the global pool (cheap: it runs on a 1x1 map).

Equal to timm's ``lcnet_035`` ... ``lcnet_150`` and, at x2.0 (which timm builds but does not
register), to timm's ``_gen_lcnet`` with ``channel_multiplier=2.0`` (parameters, registration
order and outputs).
"""

from __future__ import annotations

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.lcnet import DepthwiseSeparableSE
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_variant

# Table 1 after the stem, one row per block: (kernel, stride, output channels, SE).
LCNET = [
    (3, 1, 32, False),
    (3, 2, 64, False), (3, 1, 64, False),
    (3, 2, 128, False), (3, 1, 128, False),
    (3, 2, 256, False), (5, 1, 256, False),
    (5, 1, 256, False), (5, 1, 256, False), (5, 1, 256, False), (5, 1, 256, False),
    (5, 2, 512, True), (5, 1, 512, True),
]
STEM_CHANNELS = 16  # conv 3x3 stride 2, scaled with the width
CLASSIFIER_HIDDEN = 1280  # 1x1 conv (with bias) + H-Swish after the pool, not scaled
SE_RATIO = 0.25


def _lcnet(scale: float, name: str, num_classes: int, dropout: float) -> ImageClassifier:
    check_rate("dropout", dropout)
    in_ch = make_divisible(STEM_CHANNELS * scale)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="hardswish")
    blocks = []
    for k, stride, c, se in LCNET:
        out_ch = make_divisible(c * scale)
        blocks.append(DepthwiseSeparableSE(
            in_ch, out_ch, stride=stride, kernel_size=k,
            se_channels=round(in_ch * SE_RATIO) if se else None))
        in_ch = out_ch
    classifier = nn.Sequential(
        nn.Conv2d(in_ch, CLASSIFIER_HIDDEN, 1), nn.Hardswish(inplace=True), nn.Flatten(1),
        nn.Dropout(dropout, inplace=True), nn.Linear(CLASSIFIER_HIDDEN, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), None, classifier,
                                        name=name))


def _builder(scale: float, suffix: str):
    name = f"lcnet_{suffix}"

    def build(num_classes: int = 1000, dropout: float = 0.2) -> ImageClassifier:
        return _lcnet(scale, name, num_classes, dropout)

    return register_variant(build, name, (
        f"PP-LCNet x{scale}: every width x{scale} (``make_divisible(c * scale, 8)``), the "
        "1280-wide layer after the pool fixed; dropout 0.2."))


lcnet_035 = _builder(0.35, "035")
lcnet_050 = _builder(0.5, "050")
lcnet_075 = _builder(0.75, "075")
lcnet_100 = _builder(1.0, "100")
lcnet_150 = _builder(1.5, "150")
lcnet_200 = _builder(2.0, "200")
