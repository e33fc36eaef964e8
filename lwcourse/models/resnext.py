"""ResNeXt: Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations for Deep
Neural Networks" -- the heavyweight baseline that made grouped convolution popular."""

from __future__ import annotations

from functools import partial

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct
from ..blocks.resnext import ResNeXtBottleneck
from ._common import ImageClassifier, group_stages, repeat_block
from ._registry import register_model

# ResNeXt paper, Table 1 (ResNeXt-50, 32x4d). conv1: 7x7, 64 channels, stride 2; 3x3 max-pool
# stride 2. Stages: (name, blocks, width of the 1x1 and 3x3 grouped convs, output channels,
# stride of the first block).
STEM_CHANNELS = 64
CARDINALITY = 32
STAGES = [
    ("conv2", 3, 128, 256, 1),
    ("conv3", 4, 256, 512, 2),
    ("conv4", 6, 512, 1024, 2),
    ("conv5", 3, 1024, 2048, 2),
]


@register_model
def resnext50_32x4d(num_classes: int = 1000, dropout: float = 0.0) -> ImageClassifier:
    """ResNeXt-50 (32x4d), Table 1; the same network as torchvision's ``resnext50_32x4d``
    (stride on the 3x3 conv), with torchvision's initialisation."""
    check_rate("dropout", dropout)
    stem = nn.Sequential(ConvBNAct(3, STEM_CHANNELS, kernel_size=7, stride=2),
                         nn.MaxPool2d(3, stride=2, padding=1))
    blocks, in_ch = [], STEM_CHANNELS
    for _, repeats, width, out_ch, stride in STAGES:
        block = partial(ResNeXtBottleneck, width=width, cardinality=CARDINALITY)
        blocks += repeat_block(block, repeats, in_ch, out_ch, stride)
        in_ch = out_ch
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout), nn.Linear(in_ch, num_classes))
    model = ImageClassifier(stem, group_stages(blocks), None, classifier,
                            name="resnext50_32x4d", default_resolution=224)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return model
