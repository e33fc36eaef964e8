"""The sandglass block of MobileNeXt (Zhou, Hou, Chen, Feng, Yan 2020, "Rethinking Bottleneck
Structure for Efficient Mobile Network Design", Fig. 3b and Sec. 3.2).

The inverted residual turned back around: the shortcut joins the *wide* tensors, the middle
is a thin linear bottleneck, and the two depthwise convs sit at the wide ends.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_odd_int, check_positive_int
from .conv import ConvBNAct, chain


class SandglassBlock(nn.Module):
    """MobileNeXt's sandglass block:

        kxk depthwise conv-BN-act   on the wide input  (``first_depthwise``)
        1x1 reduce conv-BN          in -> reduced, *linear* (the bottleneck)
        1x1 expand conv-BN-act      reduced -> out
        kxk depthwise conv-BN       *linear*, carries the stride  (``last_depthwise``)
        + input                     when stride == 1 and in == out: identity on the wide tensor

    ``reduced_channels`` defaults to ``in_channels // reduction`` (the paper's ``t`` divides
    the width). The official MobileNeXt drops one or both depthwise convs in the blocks that
    change the width (see ``lwcourse.models.mobilenext``); a stride-2 block needs the last one.
    Children: ``depthwise1``, ``reduce``, ``expand``, ``depthwise2`` (absent ones are None).
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1,
                 reduction: int = 6, reduced_channels: int | None = None,
                 kernel_size: int = 3, activation="relu6", first_depthwise: bool = True,
                 last_depthwise: bool = True):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_choice("stride", stride, (1, 2))
        check_positive_int("reduction", reduction)
        check_odd_int("kernel_size", kernel_size)
        reduced = in_channels // reduction if reduced_channels is None else reduced_channels
        check_positive_int("reduced_channels", reduced)
        if stride == 2 and not last_depthwise:
            raise ValueError("stride=2 needs last_depthwise=True: the last depthwise conv "
                             "carries the stride")
        k = kernel_size
        self.depthwise1 = (ConvBNAct(in_channels, in_channels, kernel_size=k, groups=in_channels,
                                     activation=activation) if first_depthwise else None)
        self.reduce = ConvBNAct(in_channels, reduced, kernel_size=1, activation=None)
        self.expand = ConvBNAct(reduced, out_channels, kernel_size=1, activation=activation)
        self.depthwise2 = (ConvBNAct(out_channels, out_channels, kernel_size=k, stride=stride,
                                     groups=out_channels, activation=None)
                           if last_depthwise else None)
        self.use_residual = stride == 1 and in_channels == out_channels
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.reduced_channels = reduced

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = chain(x, self.depthwise1, self.reduce, self.expand, self.depthwise2)
        if self.use_residual:
            out += x  # the shortcut joins the wide tensors
        return out
