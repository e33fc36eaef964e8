"""MobileNetV2 with channel attention: squeeze-and-excitation, ECA and coordinate attention.

Each is :func:`mobilenet_v2` with one attention module inserted per block by
``lwcourse.blocks.insert_attention``, placed as its authors' code places it:

* ``mobilenet_v2_ca``: coordinate attention (reduction 32, >= 8 mid channels, hard-swish) after
  the depthwise conv of every block that expands (t = 6), as ``houqb/CoordAttention``'s
  ``mbv2_ca.py``.
* ``mobilenet_v2_eca``: ECA after the projection's BN of every block, kernel 1 for stages of
  at most 96 channels and 3 above ("k13"), as ``BangguWu/ECANet``'s ``eca_mobilenetv2.py``.
* ``mobilenet_v2_se``: squeeze-and-excitation in the same place as CA, squeeze = block input
  // 4 (the MnasNet/EfficientNet rule), ReLU, sigmoid gate: 3,888,208 parameters, the
  "MobileNetV2 + SE, 3.89M" that the coordinate-attention authors compare with.

At ``width_mult=1`` each equals the authors' code (``tests/official/``) in parameters and outputs.
"""

from __future__ import annotations

from ..blocks.attention import CoordinateAttention, EfficientChannelAttention, insert_attention
from ..blocks.se import SqueezeExcitation
from ._common import ImageClassifier
from ._registry import register_model
from .mobilenet_v2 import MOBILENET_V2, mobilenet_v2


def _with_attention(name: str, make, after: str, **kwargs) -> ImageClassifier:
    """``mobilenet_v2(**kwargs)`` with ``make(block, table_row)`` (None: no attention) inserted
    into every block."""
    model = mobilenet_v2(**kwargs)
    for row, stage in zip(MOBILENET_V2, model.stages, strict=True):
        for block in stage:
            attention = make(block, row)
            if attention is not None:
                insert_attention(block, attention, after=after)
    model.name = name
    return model


@register_model
def mobilenet_v2_ca(num_classes: int = 1000, width_mult: float = 1.0,
                    dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV2 + coordinate attention (Hou et al. 2021, Fig. 3a)."""
    def make(block, row):
        if block.expand is None:  # the t = 1 block has none in the authors' code
            return None
        return CoordinateAttention(block.expanded_channels)
    return _with_attention("mobilenet_v2_ca", make, "depthwise", num_classes=num_classes,
                           width_mult=width_mult, dropout=dropout)


@register_model
def mobilenet_v2_eca(num_classes: int = 1000, width_mult: float = 1.0,
                     dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV2 + ECA (Wang et al. 2020, Sec. 4.1): kernel 1 where the table's ``c`` <= 96,
    else 3, on the block's output."""
    def make(block, row):
        return EfficientChannelAttention(block.out_channels, kernel_size=1 if row[1] <= 96 else 3)
    return _with_attention("mobilenet_v2_eca", make, "project", num_classes=num_classes,
                           width_mult=width_mult, dropout=dropout)


@register_model
def mobilenet_v2_se(num_classes: int = 1000, width_mult: float = 1.0,
                    dropout: float = 0.2) -> ImageClassifier:
    """MobileNetV2 + squeeze-and-excitation after the depthwise conv of every expanding block,
    squeeze ``in_channels // 4``, ReLU, sigmoid gate."""
    def make(block, row):
        if block.expand is None:
            return None
        return SqueezeExcitation(block.expanded_channels, block.in_channels // 4)
    return _with_attention("mobilenet_v2_se", make, "depthwise", num_classes=num_classes,
                           width_mult=width_mult, dropout=dropout)

