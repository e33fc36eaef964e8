"""PP-LCNet's block (Cui et al. 2021, "PP-LCNet: A Lightweight CPU Convolutional Neural
Network", Fig. 2): MobileNetV1's depthwise separable conv with H-Swish and, in the last two
blocks only, a squeeze-and-excitation between the depthwise and the pointwise conv.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_int
from .conv import ConvBNAct, chain
from .se import SqueezeExcitation


class DepthwiseSeparableSE(nn.Module):
    """``kernel_size`` depthwise conv-BN-act (carries the stride) -> optional SE (ReLU,
    hard-sigmoid gate, ``se_channels`` wide) -> 1x1 pointwise conv-BN-act. No residual.
    Children: ``depthwise``, ``se``, ``pointwise`` (``se`` is ``None`` when absent)."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1,
                 kernel_size: int = 3, se_channels: int | None = None,
                 activation="hardswish"):
        super().__init__()
        if se_channels is not None:
            check_positive_int("se_channels", se_channels)
        self.depthwise = ConvBNAct(in_channels, in_channels, kernel_size=kernel_size,
                                   stride=stride, groups=in_channels, activation=activation)
        self.se = (SqueezeExcitation(in_channels, se_channels, activation="relu",
                                     gate="hardsigmoid") if se_channels is not None else None)
        self.pointwise = ConvBNAct(in_channels, out_channels, kernel_size=1,
                                   activation=activation)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return chain(x, self.depthwise, self.se, self.pointwise)
