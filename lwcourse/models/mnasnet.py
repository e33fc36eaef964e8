"""MnasNet (Tan et al. 2019, "MnasNet: Platform-Aware Neural Architecture Search for Mobile").

``mnasnet_a1`` equals timm's ``semnasnet_100`` (``semnasnet_075``/``_140`` at those widths);
``mnasnet_b1`` equals torchvision's ``mnasnet1_0`` (``mnasnet0_5``/``0_75``/``1_3`` likewise):
parameters, registration order and outputs.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from .._checks import check_positive, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, group_stages, init_weights, repeat_block
from ._registry import register_model

# Rows: (expansion t, kernel, stride of the first block, output channels, repeats, SE).
# The first row is the "SepConv" (depthwise-BN-ReLU, then linear 1x1): an MBConv with t = 1.
# Paper Fig. 7(a): MnasNet-A1.
MNASNET_A1 = [
    (1, 3, 1, 16, 1, False),
    (6, 3, 2, 24, 2, False),
    (3, 5, 2, 40, 3, True),
    (6, 3, 2, 80, 4, False),
    (6, 3, 1, 112, 2, True),
    (6, 5, 2, 160, 3, True),
    (6, 3, 1, 320, 1, False),
]
# MnasNet-B1, the variant without SE (TensorFlow TPU repo ``mnasnet_b1``, torchvision's MNASNet).
MNASNET_B1 = [
    (1, 3, 1, 16, 1, False),
    (3, 3, 2, 24, 3, False),
    (3, 5, 2, 40, 3, False),
    (6, 5, 2, 80, 3, False),
    (6, 3, 1, 96, 2, False),
    (6, 5, 2, 192, 4, False),
    (6, 3, 1, 320, 1, False),
]
STEM_CHANNELS = 32  # conv 3x3, stride 2
HEAD_CHANNELS = 1280  # 1x1 conv before the pool (TF code); not scaled by width_mult


def _mnasnet(table, name: str, num_classes: int, width_mult: float, dropout: float,
             bn_momentum: float) -> ImageClassifier:
    check_positive("width_mult", width_mult)
    check_rate("dropout", dropout)
    bn = {"bn_eps": 1e-5, "bn_momentum": bn_momentum}

    def block(c_in: int, c_out: int, *, stride: int, t: int, k: int,
              se: bool) -> InvertedResidual:
        return InvertedResidual(
            c_in, c_out, stride=stride, expansion=t, kernel_size=k, activation="relu",
            se_channels=c_in // 4 if se else None,  # SE squeeze: 1/4 of the block input
            se_activation="relu", se_gate="sigmoid", **bn)

    in_ch = make_divisible(STEM_CHANNELS * width_mult)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu", **bn)
    blocks = []
    for t, k, s, c, n, se in table:
        out_ch = make_divisible(c * width_mult)
        blocks += repeat_block(partial(block, t=t, k=k, se=se), n, in_ch, out_ch, s)
        in_ch = out_ch
    head = ConvBNAct(in_ch, HEAD_CHANNELS, kernel_size=1, activation="relu", **bn)
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout, inplace=True),
                               nn.Linear(HEAD_CHANNELS, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier, name=name,
                                        default_resolution=224))


@register_model
def mnasnet_a1(num_classes: int = 1000, width_mult: float = 1.0,
               dropout: float = 0.2) -> ImageClassifier:
    """MnasNet-A1 (Fig. 7(a)), with squeeze-and-excitation (squeeze = block input / 4, ReLU,
    sigmoid gate). ReLU, BN eps 1e-5 momentum 0.1 (timm). Widths ``make_divisible(c * w, 8)``."""
    return _mnasnet(MNASNET_A1, "mnasnet_a1", num_classes, width_mult, dropout, bn_momentum=0.1)


@register_model
def mnasnet_b1(num_classes: int = 1000, width_mult: float = 1.0,
               dropout: float = 0.2) -> ImageClassifier:
    """MnasNet-B1, no SE. ReLU, BN eps 1e-5 momentum 0.0003 (= 1 - TF's 0.9997, torchvision).
    Widths ``make_divisible(c * w, 8)``."""
    return _mnasnet(MNASNET_B1, "mnasnet_b1", num_classes, width_mult, dropout,
                    bn_momentum=1 - 0.9997)
