"""Channel shuffle and the ShuffleNet units (Zhang et al. 2018, ShuffleNet V1; Ma et al. 2018,
ShuffleNet V2)."""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_divides, check_image_batch, check_positive_int
from .conv import ConvBNAct, chain


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle (V1 paper, Fig. 1(c)): view the C channels as a
    ``groups x C/groups`` grid, transpose it, flatten it back. Channel ``g * C/groups + i``
    (group g, position i) moves to ``i * groups + g``, so every group of the next grouped conv
    sees channels from every group of the previous one. Its inverse is a shuffle with
    ``C / groups`` groups."""
    check_image_batch("x", x)
    check_positive_int("groups", groups)
    n, c, h, w = x.shape
    check_divides("groups", groups, "channels of x", c)
    x = x.view(n, groups, c // groups, h, w)  # reshape
    x = x.transpose(1, 2).contiguous()  # transpose (the one copy)
    return x.view(n, c, h, w)  # flatten


class ChannelShuffle(nn.Module):
    """:func:`channel_shuffle` as a module, so it shows up in ``print(model)``."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = check_positive_int("groups", groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class ShuffleV1Unit(nn.Module):
    """The ShuffleNet (V1) unit, Zhang et al. 2018, Fig. 2(b) and 2(c).

    Branch: 1x1 group conv-BN-ReLU -> channel shuffle -> 3x3 depthwise conv (stride)-BN ->
    1x1 group conv-BN. The bottleneck is ``out_channels // 4`` wide.

    * stride 1 (Fig. 2(b)): ``ReLU(x + branch(x))``; needs ``in_channels == out_channels``.
    * stride 2 (Fig. 2(c)): ``ReLU(concat(avgpool3x3(x), branch(x)))``; the branch makes only
      ``out_channels - in_channels`` channels, the pooled shortcut the other ``in_channels``.

    ``group_first_conv=False`` keeps the first 1x1 conv dense (the paper does this for the first
    unit of stage 2, whose input has only 24 channels); the shuffle after it is then skipped,
    as it would only permute the output of a dense conv.
    Children: ``pw1``, ``shuffle`` (None when the first conv is dense), ``dw``, ``pw2``,
    ``shortcut`` (the average pool; None at stride 1), ``act``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, groups: int = 3,
                 stride: int = 1, group_first_conv: bool = True):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_positive_int("groups", groups)
        check_choice("stride", stride, (1, 2))
        if stride == 1 and in_channels != out_channels:
            raise ValueError(f"a stride-1 unit adds its input, so in_channels ({in_channels}) "
                             f"must equal out_channels ({out_channels})")
        if stride == 2 and out_channels <= in_channels:
            raise ValueError(f"a stride-2 unit concatenates its input, so out_channels "
                             f"({out_channels}) must exceed in_channels ({in_channels})")
        mid = out_channels // 4
        branch_out = out_channels - in_channels if stride == 2 else out_channels
        check_divides("groups", groups, "bottleneck channels (out_channels // 4)", mid)
        check_divides("groups", groups, "branch output channels", branch_out)
        check_choice("group_first_conv", group_first_conv, (True, False))
        first_groups = groups if group_first_conv else 1
        if group_first_conv:
            check_divides("groups", groups, "in_channels", in_channels)

        self.pw1 = ConvBNAct(in_channels, mid, kernel_size=1, groups=first_groups)
        self.shuffle = ChannelShuffle(groups) if first_groups > 1 else None
        self.dw = ConvBNAct(mid, mid, kernel_size=3, stride=stride, groups=mid, activation=None)
        self.pw2 = ConvBNAct(mid, branch_out, kernel_size=1, groups=groups, activation=None)
        self.shortcut = nn.AvgPool2d(3, stride=2, padding=1) if stride == 2 else None
        self.act = nn.ReLU(inplace=True)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = chain(x, self.pw1, self.shuffle, self.dw, self.pw2)
        if self.shortcut is None:
            branch += x
            return self.act(branch)
        return self.act(torch.cat((self.shortcut(x), branch), dim=1))


def flat_sequential(*layers: nn.Sequential) -> nn.Sequential:
    """Chain several conv-BN-act layers into one flat ``nn.Sequential`` (conv, bn, act, conv,
    bn, ...). Same tensors in the same order, but about a third fewer Python module calls,
    which is measurable in a small network at batch 1."""
    return nn.Sequential(*(m for layer in layers for m in layer))


class ShuffleV2Unit(nn.Module):
    """The ShuffleNet V2 unit, Ma et al. 2018, Fig. 3(c) and 3(d).

    * basic unit (Fig. 3(c), stride 1): channel split into two halves; the left half passes
      unchanged, the right goes through 1x1 conv-BN-ReLU -> 3x3 depthwise conv-BN ->
      1x1 conv-BN-ReLU; concat, then channel shuffle with 2 groups.
    * down-sampling unit (Fig. 3(d), stride 2): no split; both branches see the whole input.
      Left: 3x3 depthwise conv (stride 2)-BN -> 1x1 conv-BN-ReLU. Right: as above with the
      depthwise conv at stride 2. Concat doubles the channels; then channel shuffle.

    Each branch makes ``out_channels // 2`` channels. Children: ``branch1`` (None at stride 1),
    ``branch2``, each a flat Sequential (conv, bn, relu, ...) built from ``ConvBNAct`` layers:
    the names, order and module calls of torchvision's ``InvertedResidual``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_choice("stride", stride, (1, 2))
        if out_channels % 2:
            raise ValueError(f"out_channels must be even (two branches of out_channels // 2); "
                             f"got {out_channels}")
        if stride == 1 and in_channels != out_channels:
            raise ValueError(f"a stride-1 unit splits and re-concatenates its input, so "
                             f"in_channels ({in_channels}) must equal out_channels "
                             f"({out_channels})")
        half = out_channels // 2
        self.branch1 = None
        if stride == 2:
            self.branch1 = flat_sequential(
                ConvBNAct(in_channels, in_channels, kernel_size=3, stride=2, groups=in_channels,
                          activation=None),
                ConvBNAct(in_channels, half, kernel_size=1),
            )
        self.branch2 = flat_sequential(
            ConvBNAct(in_channels if stride == 2 else half, half, kernel_size=1),
            ConvBNAct(half, half, kernel_size=3, stride=stride, groups=half, activation=None),
            ConvBNAct(half, half, kernel_size=1),
        )
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            left, right = x.chunk(2, dim=1)  # channel split
            out = torch.cat((left, self.branch2(right)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)
