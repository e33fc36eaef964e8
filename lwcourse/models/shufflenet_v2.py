"""ShuffleNet V2: Ma, Zhang, Zheng, Sun 2018, "ShuffleNet V2: Practical Guidelines for Efficient
CNN Architecture Design"."""

from __future__ import annotations

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct
from ..blocks.shuffle import ShuffleV2Unit
from ._common import ImageClassifier, group_stages, repeat_block
from ._registry import register_model

# ShuffleNet V2 paper, Table 5. Conv1: 3x3, 24 channels, stride 2, then 3x3 max-pool stride 2.
STEM_CHANNELS = 24
# (stage, units): the first unit of each stage is the down-sampling unit (Fig. 3(d)).
STAGES = [("stage2", 1 + 3), ("stage3", 1 + 7), ("stage4", 1 + 3)]
# Output channels of stage2, stage3, stage4 and of conv5, the 1x1 head conv, for each width.
WIDTHS = {
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (244, 488, 976, 2048),
}


def _shufflenet_v2(width: float, num_classes: int, dropout: float) -> ImageClassifier:
    check_rate("dropout", dropout)
    *stage_channels, head_ch = WIDTHS[width]
    stem = nn.Sequential(ConvBNAct(3, STEM_CHANNELS, kernel_size=3, stride=2),
                         nn.MaxPool2d(3, stride=2, padding=1))
    blocks, in_ch = [], STEM_CHANNELS
    for (_, units), out_ch in zip(STAGES, stage_channels, strict=True):
        blocks += repeat_block(ShuffleV2Unit, units, in_ch, out_ch, 2)
        in_ch = out_ch
    head = ConvBNAct(in_ch, head_ch, kernel_size=1)
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(head_ch, num_classes))
    return ImageClassifier(stem, group_stages(blocks), head, classifier,
                           name=f"shufflenet_v2_x{width:.1f}".replace(".", "_"),
                           default_resolution=224)


@register_model
def shufflenet_v2_x0_5(num_classes: int = 1000, dropout: float = 0.0) -> ImageClassifier:
    """ShuffleNet V2 0.5x (Table 5; 41 MFLOPs). Same as torchvision's ``shufflenet_v2_x0_5``."""
    return _shufflenet_v2(0.5, num_classes, dropout)


@register_model
def shufflenet_v2_x1_0(num_classes: int = 1000, dropout: float = 0.0) -> ImageClassifier:
    """ShuffleNet V2 1x (Table 5; 146 MFLOPs). Same as torchvision's ``shufflenet_v2_x1_0``."""
    return _shufflenet_v2(1.0, num_classes, dropout)


@register_model
def shufflenet_v2_x1_5(num_classes: int = 1000, dropout: float = 0.0) -> ImageClassifier:
    """ShuffleNet V2 1.5x (Table 5; 299 MFLOPs). Same as torchvision's ``shufflenet_v2_x1_5``."""
    return _shufflenet_v2(1.5, num_classes, dropout)


@register_model
def shufflenet_v2_x2_0(num_classes: int = 1000, dropout: float = 0.0) -> ImageClassifier:
    """ShuffleNet V2 2x (Table 5; 591 MFLOPs). Same as torchvision's ``shufflenet_v2_x2_0``."""
    return _shufflenet_v2(2.0, num_classes, dropout)
