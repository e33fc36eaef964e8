"""EfficientNet-Lite0 ... Lite4 (the TensorFlow "EfficientNet-Lite" release for mobile and edge
accelerators, github.com/tensorflow/tpu, models/official/efficientnet/lite/README.md).

EfficientNet-B0's table (:data:`lwcourse.models.efficientnet.EFFICIENTNET_B0`) with the
operations that quantize and run well on mobile hardware: no squeeze-and-excitation, ReLU6
instead of SiLU, and a fixed stem (32) and head (1280) and fixed first and last stage depths
when the network is scaled up (the README's "fix the stem and head while scaling").

Equal to timm's ``efficientnet_lite0`` ... ``efficientnet_lite4`` (parameters, registration
order and outputs).
"""

from __future__ import annotations

import itertools
import math
from functools import partial

from torch import nn

from .._checks import check_rate
from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ._common import ImageClassifier, group_stages, init_weights, repeat_block
from ._registry import register_variant
from .efficientnet import EFFICIENTNET_B0, HEAD_CHANNELS, STEM_CHANNELS

# name: (width multiplier, depth multiplier, resolution, dropout) -- the lite README /
# efficientnet_lite_builder.py ``efficientnet_lite_params``.
LITE_VARIANTS = {
    "lite0": (1.0, 1.0, 224, 0.2),
    "lite1": (1.0, 1.1, 240, 0.2),
    "lite2": (1.1, 1.2, 260, 0.3),
    "lite3": (1.2, 1.4, 280, 0.3),
    "lite4": (1.4, 1.8, 300, 0.3),
}


def _efficientnet_lite(variant: str, num_classes: int, dropout: float,
                       stochastic_depth: float) -> ImageClassifier:
    width_mult, depth_mult, resolution, _ = LITE_VARIANTS[variant]
    check_rate("dropout", dropout)
    check_rate("stochastic_depth", stochastic_depth)
    last = len(EFFICIENTNET_B0) - 1

    def depth(row: int, layers: int) -> int:  # the first and last rows keep their depth
        return layers if row in (0, last) else math.ceil(layers * depth_mult)

    total_blocks = sum(depth(i, row[-1]) for i, row in enumerate(EFFICIENTNET_B0))
    index = itertools.count()

    def block(c_in: int, c_out: int, *, stride: int, t: int, k: int) -> InvertedResidual:
        return InvertedResidual(c_in, c_out, stride=stride, expansion=t, kernel_size=k,
                                activation="relu6",
                                drop_path=stochastic_depth * next(index) / total_blocks)

    in_ch = STEM_CHANNELS  # fixed, not scaled
    stem = ConvBNAct(3, in_ch, kernel_size=3, stride=2, activation="relu6")
    blocks = []
    for row, (t, k, s, c, n) in enumerate(EFFICIENTNET_B0):
        out_ch = make_divisible(c * width_mult)
        blocks += repeat_block(partial(block, t=t, k=k), depth(row, n), in_ch, out_ch, s)
        in_ch = out_ch
    head = ConvBNAct(in_ch, HEAD_CHANNELS, kernel_size=1, activation="relu6")  # fixed
    classifier = nn.Sequential(nn.Flatten(1), nn.Dropout(dropout, inplace=True),
                               nn.Linear(HEAD_CHANNELS, num_classes))
    return init_weights(ImageClassifier(stem, group_stages(blocks), head, classifier,
                                        name=f"efficientnet_{variant}",
                                        default_resolution=resolution))


def _builder(variant: str):
    width_mult, depth_mult, resolution, default_dropout = LITE_VARIANTS[variant]

    def build(num_classes: int = 1000, dropout: float = default_dropout,
              stochastic_depth: float = 0.2) -> ImageClassifier:
        return _efficientnet_lite(variant, num_classes, dropout, stochastic_depth)

    return register_variant(build, f"efficientnet_{variant}", (
        f"EfficientNet-{variant.capitalize()}: width x{width_mult}, depth x{depth_mult} "
        f"(first and last stage fixed), {resolution}x{resolution} input, dropout "
        f"{default_dropout}; no SE, ReLU6, stem 32 and head 1280 fixed."))


efficientnet_lite0 = _builder("lite0")
efficientnet_lite1 = _builder("lite1")
efficientnet_lite2 = _builder("lite2")
efficientnet_lite3 = _builder("lite3")
efficientnet_lite4 = _builder("lite4")
