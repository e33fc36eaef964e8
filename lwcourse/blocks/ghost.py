"""GhostNet's blocks (Han et al. 2020, "GhostNet: More Features from Cheap Operations")."""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_choice, check_odd_int, check_positive_int
from .conv import ConvBNAct, chain
from .se import SqueezeExcitation


class GhostModule(nn.Module):
    """The Ghost module, Han et al. 2020, Fig. 2(b).

    A primary 1x1 conv-BN(-act) makes ``m = ceil(out / s)`` "intrinsic" feature maps; a cheap
    ``d x d`` depthwise conv-BN(-act) (``d = cheap_kernel_size``) makes ``s - 1`` "ghosts" of
    each (``(s - 1) * m`` maps); concat the two and keep the first ``out_channels``. Costs about
    ``1/s`` of a 1x1 conv. ``activation=None`` makes both convs linear (the projecting module of
    a Ghost bottleneck). Children: ``primary``, ``cheap`` — the order of timm's
    ``primary_conv``, ``cheap_operation``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, ratio: int = 2,
                 cheap_kernel_size: int = 3, activation="relu"):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_odd_int("cheap_kernel_size", cheap_kernel_size)
        if not isinstance(ratio, int) or isinstance(ratio, bool) or ratio < 2:
            raise ValueError(f"ratio must be an integer >= 2 (s in the paper); got {ratio!r}")
        intrinsic = math.ceil(out_channels / ratio)
        self.primary = ConvBNAct(in_channels, intrinsic, kernel_size=1, activation=activation)
        self.cheap = ConvBNAct(intrinsic, intrinsic * (ratio - 1),
                               kernel_size=cheap_kernel_size, groups=intrinsic,
                               activation=activation)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        intrinsic = self.primary(x)
        out = torch.cat((intrinsic, self.cheap(intrinsic)), dim=1)
        return out[:, : self.out_channels]


class GhostBottleneck(nn.Module):
    """The Ghost bottleneck, Han et al. 2020, Fig. 3.

    Ghost module (expand to ``mid_channels``, ReLU) -> for stride 2 a depthwise
    ``kernel_size`` conv-BN (no ReLU) -> optional squeeze-excitation -> Ghost module (project
    to ``out_channels``, no ReLU) -> add the shortcut. The shortcut is the identity when the
    shape is kept, else depthwise conv (stride)-BN -> 1x1 conv-BN. No ReLU after the add.

    SE as in the official code / timm: ``se_channels`` squeeze channels (the model decides:
    GhostNet uses ``make_divisible(mid * 0.25, 4)``), ReLU, hard-sigmoid gate.
    Children: ``ghost1``, ``dw`` (None at stride 1), ``se`` (None without SE), ``ghost2``,
    ``shortcut`` (None: the identity) — timm's order.
    """

    def __init__(self, in_channels: int, out_channels: int, *, mid_channels: int,
                 kernel_size: int = 3, stride: int = 1, se_channels: int | None = None):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_positive_int("mid_channels", mid_channels)
        check_odd_int("kernel_size", kernel_size)
        check_choice("stride", stride, (1, 2))
        if se_channels is not None:
            check_positive_int("se_channels", se_channels)
        self.ghost1 = GhostModule(in_channels, mid_channels, activation="relu")
        self.dw = (ConvBNAct(mid_channels, mid_channels, kernel_size=kernel_size, stride=stride,
                             groups=mid_channels, activation=None) if stride == 2 else None)
        self.se = (SqueezeExcitation(mid_channels, se_channels, activation="relu",
                                     gate="hardsigmoid")
                   if se_channels is not None else None)
        self.ghost2 = GhostModule(mid_channels, out_channels, activation=None)
        self.shortcut = None
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Sequential(
                ConvBNAct(in_channels, in_channels, kernel_size=kernel_size, stride=stride,
                          groups=in_channels, activation=None),
                ConvBNAct(in_channels, out_channels, kernel_size=1, activation=None),
            )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = chain(x, self.ghost1, self.dw, self.se, self.ghost2)
        out += x if self.shortcut is None else self.shortcut(x)
        return out
