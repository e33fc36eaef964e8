"""EfficientNet B0-B7 (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
Neural Networks").

Equal to torchvision's ``efficientnet_b0`` ... ``efficientnet_b7`` (parameters, registration
order and outputs).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import partial

from torch import nn

from .._checks import check_positive, check_positive_int, check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, group_stages, init_weights, repeat_block
from ._registry import register_variant

# Paper Table 1, the B0 baseline, stages 2-8 (stage 1 is the stem, stage 9 the head):
# (MBConv expansion t, kernel, stride of the first block, output channels, layers).
EFFICIENTNET_B0 = [
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
]
STEM_CHANNELS = 32  # stage 1: conv 3x3, stride 2
HEAD_CHANNELS = 1280  # stage 9: conv 1x1 (= 4 x 320), scaled with the width


@dataclass(frozen=True)
class Variant:
    """One compound-scaled EfficientNet: width / depth multipliers, input resolution and the
    classifier dropout (paper Sec. 3.3 and the official TF code's ``efficientnet_params``).
    The BN settings follow torchvision: TensorFlow's (eps 1e-3, momentum 0.01) for B5-B7, whose
    weights it ported from TF, PyTorch's defaults for B0-B4."""

    width: float
    depth: float
    resolution: int
    dropout: float
    bn_eps: float = 1e-5
    bn_momentum: float = 0.1


TF_BN = {"bn_eps": 1e-3, "bn_momentum": 0.01}
VARIANTS = {
    "b0": Variant(1.0, 1.0, 224, 0.2),
    "b1": Variant(1.0, 1.1, 240, 0.2),
    "b2": Variant(1.1, 1.2, 260, 0.3),  # torchvision's B2 weights are evaluated at 288
    "b3": Variant(1.2, 1.4, 300, 0.3),
    "b4": Variant(1.4, 1.8, 380, 0.4),
    "b5": Variant(1.6, 2.2, 456, 0.4, **TF_BN),
    "b6": Variant(1.8, 2.6, 528, 0.5, **TF_BN),
    "b7": Variant(2.0, 3.1, 600, 0.5, **TF_BN),
}


def _efficientnet(v: Variant, name: str, num_classes: int, dropout: float,
                  stochastic_depth: float) -> ImageClassifier:
    check_rate("dropout", dropout)
    check_rate("stochastic_depth", stochastic_depth)
    bn = {"bn_eps": v.bn_eps, "bn_momentum": v.bn_momentum}

    def width(channels: int) -> int:
        return make_divisible(channels * v.width)

    def depth(layers: int) -> int:
        return math.ceil(layers * v.depth)

    total_blocks = sum(depth(n) for *_, n in EFFICIENTNET_B0)
    index = itertools.count()  # block number, for the stochastic depth rate

    def block(c_in: int, c_out: int, *, stride: int, t: int, k: int) -> InvertedResidual:
        return InvertedResidual(
            c_in, c_out, stride=stride, expansion=t, kernel_size=k, activation="silu",
            se_channels=max(1, c_in // 4),  # SE squeeze: 1/4 of the block *input* width
            se_activation="silu", se_gate="sigmoid",
            drop_path=stochastic_depth * next(index) / total_blocks,  # linear in the depth
            **bn)

    in_ch = width(STEM_CHANNELS)
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="silu", **bn)
    blocks = []
    for t, k, s, c, n in EFFICIENTNET_B0:
        out_ch = width(c)
        blocks += repeat_block(partial(block, t=t, k=k), depth(n), in_ch, out_ch, s)
        in_ch = out_ch
    head_ch = width(HEAD_CHANNELS)
    head = ConvBNAct(in_ch, head_ch, kernel_size=1, activation="silu", **bn)
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout, inplace=True),
                               nn.Linear(head_ch, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name=name, default_resolution=v.resolution))


def efficientnet_scaled(width: float = 1.0, depth: float = 1.0, resolution: int = 224, *,
                        num_classes: int = 1000, dropout: float = 0.2,
                        stochastic_depth: float = 0.2) -> ImageClassifier:
    """B0 scaled by any width / depth multiplier, for resolution ``resolution`` (not registered:
    for compound-scaling experiments; ``efficientnet_b1`` ... are the released settings)."""
    check_positive("width", width)
    check_positive("depth", depth)
    check_positive_int("resolution", resolution)
    return _efficientnet(Variant(width, depth, resolution, dropout),
                         f"efficientnet_w{width:g}_d{depth:g}_r{resolution}", num_classes,
                         dropout, stochastic_depth)


def _builder(variant: str):
    v = VARIANTS[variant]

    def build(num_classes: int = 1000, dropout: float = v.dropout,
              stochastic_depth: float = 0.2) -> ImageClassifier:
        return _efficientnet(v, f"efficientnet_{variant}", num_classes, dropout, stochastic_depth)

    return register_variant(build, f"efficientnet_{variant}", (
        f"EfficientNet-{variant.upper()}: width x{v.width}, depth x{v.depth}, "
        f"{v.resolution}x{v.resolution} input (``default_resolution``), dropout {v.dropout}. "
        "Widths ``make_divisible(c * width, 8)``, layers ``ceil(n * depth)``, SiLU, SE squeeze "
        "= block input // 4, stochastic depth ``stochastic_depth * block / blocks``; "
        f"BN eps {v.bn_eps:g}, momentum {v.bn_momentum:g}."))


efficientnet_b0 = _builder("b0")
efficientnet_b1 = _builder("b1")
efficientnet_b2 = _builder("b2")
efficientnet_b3 = _builder("b3")
efficientnet_b4 = _builder("b4")
efficientnet_b5 = _builder("b5")
efficientnet_b6 = _builder("b6")
efficientnet_b7 = _builder("b7")
