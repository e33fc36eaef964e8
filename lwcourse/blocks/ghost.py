"""GhostNet's blocks (Han et al. 2020, "GhostNet: More Features from Cheap Operations")."""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_choice, check_positive_int
from .conv import ConvBNAct, make_divisible
from .se import SqueezeExcitation


class GhostModule(nn.Module):
    """The Ghost module, Han et al. 2020, Fig. 2(b).

    A primary 1x1 conv-BN(-ReLU) makes ``m = ceil(out / s)`` "intrinsic" feature maps; a cheap
    ``d x d`` depthwise conv-BN(-ReLU) makes ``s - 1`` "ghosts" of each (``(s - 1) * m`` maps);
    concat the two and keep the first ``out_channels``. Costs about ``1/s`` of a 1x1 conv.
    ``relu=False`` drops both ReLUs (the projecting module of a Ghost bottleneck).
    Children: ``primary``, ``cheap`` — the order of timm's ``primary_conv``, ``cheap_operation``.
    """

    def __init__(self, in_channels: int, out_channels: int, ratio: int = 2, dw_size: int = 3,
                 relu: bool = True):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_positive_int("dw_size", dw_size)
        if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 2:
            raise ValueError(f"ratio must be an integer >= 2 (s in the paper); got {ratio!r}")
        activation = "relu" if relu else None
        intrinsic = math.ceil(out_channels / ratio)
        self.primary = ConvBNAct(in_channels, intrinsic, 1, activation=activation)
        self.cheap = ConvBNAct(intrinsic, intrinsic * (ratio - 1), dw_size, groups=intrinsic,
                               activation=activation)
        self.in_channels, self.out_channels = in_channels, out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        intrinsic = self.primary(x)
        out = torch.cat((intrinsic, self.cheap(intrinsic)), dim=1)
        return out[:, : self.out_channels]


class GhostBottleneck(nn.Module):
    """The Ghost bottleneck, Han et al. 2020, Fig. 3.

    Ghost module (expand to ``mid_channels``, ReLU) -> for stride 2 a depthwise
    ``kernel_size`` conv-BN (no ReLU) -> optional squeeze-excitation -> Ghost module (project
    to ``out_channels``, no ReLU) -> add the shortcut. The shortcut is the identity when shape
    is kept, else depthwise conv (stride)-BN -> 1x1 conv-BN. No ReLU after the add.

    SE as in the official code / timm: squeeze ``make_divisible(mid * se_ratio, 4)`` channels,
    ReLU, hard-sigmoid gate. Children: ``ghost1``, ``dw`` (None at stride 1), ``se`` (None
    without SE), ``ghost2``, ``shortcut`` — timm's order.
    """

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int,
                 kernel_size: int = 3, stride: int = 1, se_ratio: float = 0.0):
        super().__init__()
        check_choice("stride", stride, (1, 2))
        if not 0 <= se_ratio <= 1:
            raise ValueError(f"se_ratio must be in [0, 1] (0 = no SE); got {se_ratio!r}")
        self.ghost1 = GhostModule(in_channels, mid_channels, relu=True)
        self.dw = (ConvBNAct(mid_channels, mid_channels, kernel_size, stride,
                             groups=mid_channels, activation=None) if stride == 2 else None)
        self.se = (SqueezeExcitation(mid_channels, make_divisible(mid_channels * se_ratio, 4),
                                     activation="relu", gate="hardsigmoid")
                   if se_ratio > 0 else None)
        self.ghost2 = GhostModule(mid_channels, out_channels, relu=False)
        if in_channels == out_channels and stride == 1:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                ConvBNAct(in_channels, in_channels, kernel_size, stride, groups=in_channels,
                          activation=None),
                ConvBNAct(in_channels, out_channels, 1, activation=None),
            )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.ghost1(x)
        if self.dw is not None:
            out = self.dw(out)
        if self.se is not None:
            out = self.se(out)
        out = self.ghost2(out)
        out += self.shortcut(x)
        return out
