"""ShuffleNet (V1): Zhang, Zhou, Lin, Sun 2018, "ShuffleNet: An Extremely Efficient
Convolutional Neural Network for Mobile Devices"."""

from __future__ import annotations

from functools import partial

from torch import nn

from .._checks import check_choice, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.shuffle import ShuffleV1Unit
from ._common import ImageClassifier, group_stages, repeat_block
from ._registry import register_model

# ShuffleNet paper, Table 1. Stem: 3x3 conv, 24 channels, stride 2, then 3x3 max-pool stride 2.
# Its width at s x, from the official (megvii) code, which the paper's Table 5 complexities
# (1.5x: 292 MFLOPs) need: 1.5x keeps 24 channels.
STEM_CHANNELS = {0.5: 12, 1.0: 24, 1.5: 24, 2.0: 48}
# (stage, units): the first unit of each stage has stride 2 (Fig. 2(c)), the rest stride 1.
STAGES = [("stage2", 1 + 3), ("stage3", 1 + 7), ("stage4", 1 + 3)]
# Output channels of stages 2, 3, 4 at 1x for each number of groups g; the complexity column
# (Table 1: 143, 140, 137, 133, 137 MFLOPs, counted as multiply-adds of the convolutions).
STAGE_CHANNELS = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}


@register_model
def shufflenet_v1(num_classes: int = 1000, groups: int = 3, width_mult: float = 1.0,
                  dropout: float = 0.0) -> ImageClassifier:
    """ShuffleNet ``width_mult``x with ``groups`` groups in its 1x1 convs (Table 1).

    "ShuffleNet s x" multiplies the stage widths by s (Sec. 4.1); the stem follows
    ``STEM_CHANNELS``. Rounding, so that every conv splits into its groups: stage widths to a
    multiple of ``4 * groups`` (the bottleneck is a quarter of the output and feeds
    ``groups``-grouped convs), the stem to a multiple of ``groups``. This reproduces the
    official widths for g = 3 and 8 (e.g. 0.5x, g = 8: stem 16) and changes nothing at 1x.
    The first 1x1 conv of stage 2 is not grouped (Sec. 3.3: its input has only 24 channels).

    Complexity at 224x224: Table 1's column counts the convolutions only (FC excluded):
    142.5, 140.0, 136.5, 133.3, 136.8 M multiply-adds for g = 1, 2, 3, 4, 8. Table 5 and the
    official code quote the other widths with the FC layer (e.g. 2x, g = 3: 524 M).
    """
    check_choice("groups", groups, STAGE_CHANNELS)
    width_mult = check_choice("width_mult", width_mult, STEM_CHANNELS)
    check_rate("dropout", dropout)
    stem_ch = make_divisible(STEM_CHANNELS[width_mult], groups)
    stem = nn.Sequential(ConvBNAct(3, stem_ch, kernel_size=3, stride=2),
                         nn.MaxPool2d(3, stride=2, padding=1))
    blocks, in_ch = [], stem_ch
    for (name, units), width in zip(STAGES, STAGE_CHANNELS[groups], strict=True):
        out_ch = make_divisible(width * width_mult, 4 * groups)
        blocks += repeat_block(partial(ShuffleV1Unit, groups=groups), units, in_ch, out_ch, 2,
                               group_first_conv=name != "stage2")  # dense: only 24 inputs
        in_ch = out_ch
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    return ImageClassifier(stem, group_stages(blocks), None, classifier, name="shufflenet_v1",
                           default_resolution=224)
