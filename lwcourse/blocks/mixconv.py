"""Mixed depthwise convolution (Tan & Le 2019, "MixConv: Mixed Depthwise Convolutional
Kernels", Fig. 2) and the inverted residual built from it (MixNet, Fig. 4; FBNet's block,
Wu et al. 2019, Fig. 3, is the one-kernel case).
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_odd_int, check_positive_int, check_real
from .conv import chain, check_bn, resolve_activation
from .se import SqueezeExcitation


def split_channels(channels: int, groups: int) -> list[int]:
    """Split ``channels`` into ``groups`` near-equal parts, the remainder going to the first
    (MixConv Sec. 3.1, "equal partition")."""
    check_positive_int("channels", channels)
    check_positive_int("groups", groups)
    if groups > channels:
        raise ValueError(f"groups={groups} must be at most channels={channels}")
    parts = [channels // groups] * groups
    parts[0] += channels - sum(parts)
    return parts


class MixConv(nn.Module):
    """Split the channels into ``len(kernel_sizes)`` groups, convolve group ``i`` with a
    ``kernel_sizes[i]`` kernel, concatenate (MixConv Fig. 2). ``depthwise=True``: each group a
    depthwise conv (the paper's MixConv); ``False``: each group a dense conv, so
    ``kernel_sizes=(1, 1)`` is MixNet's grouped 1x1 expansion/projection. One kernel size is an
    ordinary conv. No bias, "same" padding. Children: ``convs``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, kernel_sizes=(3,),
                 stride: int = 1, depthwise: bool = False):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_choice("stride", stride, (1, 2))
        if not isinstance(kernel_sizes, tuple | list) or not kernel_sizes:
            raise ValueError(f"kernel_sizes must be a non-empty tuple of odd positive "
                             f"integers; got {kernel_sizes!r}")
        for k in kernel_sizes:
            check_odd_int("kernel_sizes entries", k)
        if depthwise and in_channels != out_channels:
            raise ValueError(f"a depthwise MixConv needs in_channels == out_channels; got "
                             f"{in_channels} and {out_channels}")
        splits = zip(split_channels(in_channels, len(kernel_sizes)),
                     split_channels(out_channels, len(kernel_sizes)), kernel_sizes, strict=True)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, k, stride, padding=(k - 1) // 2,
                      groups=c_in if depthwise else 1, bias=False)
            for c_in, c_out, k in splits)
        self.splits = [conv.in_channels for conv in self.convs]
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.convs) == 1:
            return self.convs[0](x)
        parts = torch.split(x, self.splits, dim=1)
        return torch.cat([conv(p) for conv, p in zip(self.convs, parts, strict=True)], dim=1)


class MixConvBNAct(nn.Sequential):
    """:class:`MixConv` -> BatchNorm2d -> activation (absent when ``activation=None``).
    Children: ``conv``, ``bn``, ``act``."""

    def __init__(self, in_channels: int, out_channels: int, *, kernel_sizes=(3,),
                 stride: int = 1, depthwise: bool = False, activation="relu",
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1):
        check_bn(bn_eps, bn_momentum)
        act = resolve_activation(activation)
        super().__init__()
        self.conv = MixConv(in_channels, out_channels, kernel_sizes=kernel_sizes,
                            stride=stride, depthwise=depthwise)
        self.bn = nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum)
        if act is not None:
            self.act = act
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride


class MixInvertedResidual(nn.Module):
    """MixNet's block (MixConv Fig. 4): the inverted residual with

        1x1 expand, split into ``expand_groups`` dense groups -> BN -> act  (always present,
                                                 also at expansion 1, as in FBNet's block)
        MixConv depthwise, one group per ``kernel_sizes`` entry -> BN -> act (carries the stride)
        squeeze-and-excitation                   (optional, ``se_channels`` wide)
        1x1 project, ``project_groups`` groups -> BN (linear)
        + input                                  (when stride 1 and in == out)

    Children: ``expand``, ``depthwise``, ``se``, ``project`` (``se`` is ``None`` when absent).
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1,
                 kernel_sizes=(3,), expansion: float = 6, expand_groups: int = 1,
                 project_groups: int = 1, activation="relu", se_channels: int | None = None,
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_real("expansion", expansion, 1)
        check_positive_int("expand_groups", expand_groups)
        check_positive_int("project_groups", project_groups)
        if se_channels is not None:
            check_positive_int("se_channels", se_channels)
        hidden = round(in_channels * expansion)
        bn = {"bn_eps": bn_eps, "bn_momentum": bn_momentum}
        self.expand = MixConvBNAct(in_channels, hidden, kernel_sizes=(1,) * expand_groups,
                                   activation=activation, **bn)
        self.depthwise = MixConvBNAct(hidden, hidden, kernel_sizes=kernel_sizes, stride=stride,
                                      depthwise=True, activation=activation, **bn)
        self.se = (SqueezeExcitation(hidden, se_channels, activation=activation)
                   if se_channels is not None else None)
        self.project = MixConvBNAct(hidden, out_channels, kernel_sizes=(1,) * project_groups,
                                    activation=None, **bn)
        self.use_residual = stride == 1 and in_channels == out_channels
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.expanded_channels = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = chain(x, self.expand, self.depthwise, self.se, self.project)
        if self.use_residual:
            out += x
        return out
