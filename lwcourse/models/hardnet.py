"""HarDNet-39DS and HarDNet-68DS (Chao et al. 2019, "HarDNet: A Low Memory Traffic Network",
Table 1, the depthwise-separable "DS" columns).

The design targets memory traffic, the course's own theme: its "CIO" (convolutional
input/output, Sec. 3.1) counts each conv's input and output feature maps, which is the
activation part of the course's memory access (``lw.cost``), without the weights.

Equal to the authors' models as packaged by pytorchcv (``hardnet39ds``, ``hardnet68ds``:
3,488,228 and 4,180,602 parameters, registration order and outputs; the contract test runs
pytorchcv's model with its fixed 7x7 final pool made global, see ``lwcourse.reference``).

Matches the arch tables of the authors' own code (github.com/PingoLH/Pytorch-HarDNet,
``hardnet.py``, ``HarDNet(depth_wise=True, arch=39 | 68)``): stem widths 24, 48 (39DS) and
32, 64 (68DS); block output widths 96, 320, 640, 1024 and 128, 256, 320, 640, 1024; growth
rates 16, 20, 64, 160 and 14, 16, 20, 40, 160; layers 4, 16, 8, 4 and 8, 16, 16, 16, 4;
a downsample after blocks 1-3 (39DS) and 1, 3, 4 (68DS); m = 1.6 and 1.7. The DS variant there
also has what ours has: a 1x1 second stem conv, 3x3 depthwise conv-BN (no activation) instead
of max pools, ReLU6, harmonic layers of 1x1 conv-BN-ReLU6 then 3x3 depthwise conv-BN, widths
rounded to even, a global average pool and dropout 0.05.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct
from ..blocks.hardnet import HarDBlock
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_model

# Table 1, one row per harmonic block: (layers, growth rate k, output channels, stride of the
# depthwise downsample after it), and the growth factor m and stem width of each network.
HARDNET_39DS = [(4, 16, 96, 2), (16, 20, 320, 2), (8, 64, 640, 2), (4, 160, 1024, 1)]
HARDNET_68DS = [(8, 14, 128, 2), (16, 16, 256, 1), (16, 20, 320, 2), (16, 40, 640, 2),
                (4, 160, 1024, 1)]
GROWTH_FACTOR = {"hardnet39ds": 1.6, "hardnet68ds": 1.7}
STEM_CHANNELS = {"hardnet39ds": 48, "hardnet68ds": 64}


def _hardnet(name: str, table, num_classes: int, dropout: float) -> ImageClassifier:
    check_rate("dropout", dropout)
    in_ch = STEM_CHANNELS[name]
    stem = nn.Sequential(  # 3x3 stride 2 (half width), 1x1, 3x3 depthwise stride 2 (linear)
        ConvBNAct(3, in_ch // 2, kernel_size=3, stride=2, activation="relu6"),
        ConvBNAct(in_ch // 2, in_ch, kernel_size=1, activation="relu6"),
        ConvBNAct(in_ch, in_ch, kernel_size=3, stride=2, groups=in_ch, activation=None))
    blocks = []
    for layers, growth, out_ch, stride in table:
        blocks.append(HarDBlock(in_ch, out_ch, growth=growth, layers=layers, stride=stride,
                                growth_factor=GROWTH_FACTOR[name]))
        in_ch = out_ch
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout),
                               nn.Linear(in_ch, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), None, classifier,
                                        name=name))


@register_model
def hardnet39ds(num_classes: int = 1000, dropout: float = 0.05) -> ImageClassifier:
    """HarDNet-39DS (Table 1): 3.5 M parameters; dropout 0.05 before the classifier."""
    return _hardnet("hardnet39ds", HARDNET_39DS, num_classes, dropout)


@register_model
def hardnet68ds(num_classes: int = 1000, dropout: float = 0.05) -> ImageClassifier:
    """HarDNet-68DS (Table 1): 4.2 M parameters; dropout 0.05 before the classifier."""
    return _hardnet("hardnet68ds", HARDNET_68DS, num_classes, dropout)
