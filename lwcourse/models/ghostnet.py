"""GhostNet: Han, Wang, Tian, Guo, Xu, Xu 2020, "GhostNet: More Features from Cheap
Operations"."""

from __future__ import annotations

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.ghost import GhostBottleneck
from ._common import ImageClassifier
from ._registry import register_model

# GhostNet paper, Table 1: stem 3x3 conv, 16 channels, stride 2; then the G-bnecks below.
# Rows: (stage, kernel, #exp, #out, SE ratio, stride). Table 1 omits the depthwise kernel
# size; 3 or 5 as in the official code. Stages group the rows by resolution (112, 56, 28, 14, 7).
STEM_CHANNELS = 16
BOTTLENECKS = [
    (1, 3, 16, 16, 0.0, 1),
    (2, 3, 48, 24, 0.0, 2),
    (2, 3, 72, 24, 0.0, 1),
    (3, 5, 72, 40, 0.25, 2),
    (3, 5, 120, 40, 0.25, 1),
    (4, 3, 240, 80, 0.0, 2),
    (4, 3, 200, 80, 0.0, 1),
    (4, 3, 184, 80, 0.0, 1),
    (4, 3, 184, 80, 0.0, 1),
    (4, 3, 480, 112, 0.25, 1),
    (4, 3, 672, 112, 0.25, 1),
    (5, 5, 672, 160, 0.25, 2),
    (5, 5, 960, 160, 0.0, 1),
    (5, 5, 960, 160, 0.25, 1),
    (5, 5, 960, 160, 0.0, 1),
    (5, 5, 960, 160, 0.25, 1),
]
HEAD_CHANNELS = 960  # 1x1 conv-BN-ReLU before the pool
HIDDEN_CHANNELS = 1280  # 1x1 conv (bias) + ReLU after the pool, never scaled


@register_model
def ghostnet(num_classes: int = 1000, width_mult: float = 1.0,
             dropout: float = 0.2) -> ImageClassifier:
    """GhostNet ``width_mult``x (Table 1); 1.0x is timm's ``ghostnet_100``.

    Widths scale as ``make_divisible(c * width_mult, 4)``. After the global pool comes a
    1x1 conv to 1280 channels with bias and ReLU, then dropout and the linear classifier.
    """
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)
    stem = ConvBNAct(3, make_divisible(STEM_CHANNELS * width_mult, 4), 3, stride=2)
    stages, in_channels = {}, stem.out_channels
    for stage, kernel, expand, out, se_ratio, stride in BOTTLENECKS:
        out_channels = make_divisible(out * width_mult, 4)
        mid_channels = make_divisible(expand * width_mult, 4)
        stages.setdefault(stage, []).append(GhostBottleneck(
            in_channels, mid_channels, out_channels, kernel, stride, se_ratio))
        in_channels = out_channels
    head_channels = make_divisible(HEAD_CHANNELS * width_mult, 4)
    head = ConvBNAct(in_channels, head_channels, 1)
    classifier = nn.Sequential(
        nn.Conv2d(head_channels, HIDDEN_CHANNELS, 1, bias=True),
        nn.ReLU(inplace=True),
        nn.Flatten(1),
        nn.Dropout(dropout),
        nn.Linear(HIDDEN_CHANNELS, num_classes),
    )
    return ImageClassifier(stem, nn.Sequential(*(nn.Sequential(*b) for b in stages.values())),
                           head, classifier, min_input_size=32, name=f"ghostnet({width_mult}x)")
