"""The ResNeXt bottleneck (Xie et al. 2017, "Aggregated Residual Transformations for Deep
Neural Networks")."""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_positive_int
from .conv import ConvBNAct, chain


class ResNeXtBottleneck(nn.Module):
    """ResNeXt block, Xie et al. 2017, Fig. 3(c): 1x1 conv-BN-ReLU to ``width`` channels ->
    3x3 grouped conv (``cardinality`` groups, stride)-BN-ReLU -> 1x1 conv-BN to
    ``out_channels``; add the shortcut, ReLU. The shortcut is the identity when the shape is
    kept, else a 1x1 conv (stride)-BN projection.

    ``width = cardinality * group_width`` (ResNeXt-50 32x4d, stage 1: 32 x 4 = 128). The stride
    sits on the 3x3 conv, as in torchvision ("ResNet v1.5"). Children: ``conv1``, ``conv2``,
    ``conv3``, ``shortcut`` (the projection, or None), ``act`` — torchvision's tensor order.
    """

    def __init__(self, in_channels: int, width: int, out_channels: int, stride: int = 1,
                 cardinality: int = 32):
        super().__init__()
        check_positive_int("cardinality", cardinality)
        check_choice("stride", stride, (1, 2))
        self.conv1 = ConvBNAct(in_channels, width, 1)
        self.conv2 = ConvBNAct(width, width, 3, stride, groups=cardinality)
        self.conv3 = ConvBNAct(width, out_channels, 1, activation=None)
        self.shortcut = (ConvBNAct(in_channels, out_channels, 1, stride, activation=None)
                         if stride != 1 or in_channels != out_channels else None)  # None: identity
        self.act = nn.ReLU(inplace=True)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = chain(x, self.conv1, self.conv2, self.conv3)
        out += x if self.shortcut is None else self.shortcut(x)
        return self.act(out)
