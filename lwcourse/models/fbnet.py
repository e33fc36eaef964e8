"""FBNet-C (Wu et al. 2019, "FBNet: Hardware-Aware Efficient ConvNet Design via Differentiable
Neural Architecture Search", Fig. 4 (the searched FBNet-C) and Table 1 (the macro-architecture)).

Every block is the search space's one block type (Fig. 3): 1x1 expansion (present also at
expansion 1), kxk depthwise, linear 1x1 projection, residual when the shape is kept; ReLU
throughout, no squeeze-and-excitation.

Equal to timm's ``fbnetc_100`` (parameters, registration order and outputs); timm's head width
1984 follows the paper's Table 1.
"""

from __future__ import annotations

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct
from ..blocks.mixconv import MixInvertedResidual
from ._common import ImageClassifier, group_stages, init_weights
from ._registry import register_model

# Fig. 4, FBNet-C, block by block after the stem: (kernel, stride, expansion, output channels,
# repeats).
FBNET_C = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 1), (3, 1, 1, 24, 2),
    (5, 2, 6, 32, 1), (5, 1, 3, 32, 1), (5, 1, 6, 32, 1), (3, 1, 6, 32, 1),
    (5, 2, 6, 64, 1), (5, 1, 3, 64, 1), (5, 1, 6, 64, 2),
    (5, 1, 6, 112, 3), (5, 1, 3, 112, 1),
    (5, 2, 6, 184, 4),
    (3, 1, 6, 352, 1),
]
STEM_CHANNELS = 16  # conv 3x3 stride 2
HEAD_CHANNELS = 1984  # conv 1x1 before the pool


@register_model
def fbnet_c(num_classes: int = 1000, dropout: float = 0.2) -> ImageClassifier:
    """FBNet-C: 5,572,200 parameters (timm's ``fbnetc_100``; the paper's own numbers are in
    ``lwcourse.survey.PAPER``)."""
    check_rate("dropout", dropout)
    in_ch = STEM_CHANNELS
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu")
    blocks = []
    for k, stride, t, c, repeats in FBNET_C:
        for i in range(repeats):
            blocks.append(MixInvertedResidual(in_ch, c, stride=stride if i == 0 else 1,
                                              kernel_sizes=(k,), expansion=t))
            in_ch = c
    head = ConvBNAct(in_ch, HEAD_CHANNELS, kernel_size=1, activation="relu")
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout, inplace=True),
                               nn.Linear(HEAD_CHANNELS, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name="fbnet_c"))
