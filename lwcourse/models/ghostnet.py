"""GhostNet: Han, Wang, Tian, Guo, Xu, Xu 2020, "GhostNet: More Features from Cheap
Operations"."""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.ghost import GhostBottleneck
from ._common import ImageClassifier, group_stages
from ._registry import register_model

# GhostNet paper, Table 1: stem 3x3 conv, 16 channels, stride 2; then the G-bnecks below.
# Rows: (kernel, #exp, #out, SE ratio, stride). Table 1 omits the depthwise kernel size; 3 or 5
# as in the official code. Stages follow from the strides and widths (``group_stages``).
STEM_CHANNELS = 16
BOTTLENECKS = [
    (3, 16, 16, 0.0, 1),
    (3, 48, 24, 0.0, 2),
    (3, 72, 24, 0.0, 1),
    (5, 72, 40, 0.25, 2),
    (5, 120, 40, 0.25, 1),
    (3, 240, 80, 0.0, 2),
    (3, 200, 80, 0.0, 1),
    (3, 184, 80, 0.0, 1),
    (3, 184, 80, 0.0, 1),
    (3, 480, 112, 0.25, 1),
    (3, 672, 112, 0.25, 1),
    (5, 672, 160, 0.25, 2),
    (5, 960, 160, 0.0, 1),
    (5, 960, 160, 0.25, 1),
    (5, 960, 160, 0.0, 1),
    (5, 960, 160, 0.25, 1),
]
HEAD_CHANNELS = 960  # 1x1 conv-BN-ReLU before the pool, scaled with the width
CLASSIFIER_HIDDEN = 1280  # 1x1 conv (bias) + ReLU after the pool, never scaled


@register_model
def ghostnet(num_classes: int = 1000, width_mult: float = 1.0,
             dropout: float = 0.2) -> ImageClassifier:
    """GhostNet ``width_mult``x (Table 1); 1.0x is timm's ``ghostnet_100``.

    Widths scale as ``make_divisible(c * width_mult, 4)``; the SE squeeze is
    ``make_divisible(#exp * SE ratio, 4)`` (official code). After the global pool comes a
    1x1 conv to 1280 channels with bias and ReLU, then dropout and the linear classifier.
    """
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)

    def scaled(channels: float) -> int:
        return make_divisible(channels * width_mult, 4)

    in_ch = scaled(STEM_CHANNELS)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2)
    blocks = []
    for kernel, expand, out, se_ratio, stride in BOTTLENECKS:
        mid_ch, out_ch = scaled(expand), scaled(out)
        blocks.append(GhostBottleneck(
            in_ch, out_ch, mid_channels=mid_ch, kernel_size=kernel, stride=stride,
            se_channels=make_divisible(mid_ch * se_ratio, 4) if se_ratio else None))
        in_ch = out_ch
    head_ch = scaled(HEAD_CHANNELS)
    head = ConvBNAct(in_ch, head_ch, kernel_size=1)
    classifier = nn.Sequential(
        nn.Conv2d(head_ch, CLASSIFIER_HIDDEN, 1, bias=True),
        nn.ReLU(inplace=True),
        nn.Flatten(1),
        nn.Dropout(dropout),
        nn.Linear(CLASSIFIER_HIDDEN, num_classes),
    )
    return ImageClassifier(stem, group_stages(blocks), head, classifier, name="ghostnet",
                           default_resolution=224)
