"""Squeeze-and-excitation's descendants: efficient channel attention (ECA) and coordinate
attention (CA), plus ``insert_attention`` to put any of them into an inverted residual.

* ECA (Wang et al. 2020, "ECA-Net", Fig. 2 and Eq. 12): no reduction; one 1-D convolution of
  ``k`` weights slides across the pooled channel vector. Parameters: ``k``.
* CA (Hou et al. 2021, "Coordinate Attention", Fig. 2c): pools along W and along H separately,
  so the gate keeps one coordinate: ``C x H x 1`` and ``C x 1 x W`` attention maps.

Both equal their authors' code (``tests/official/``): same parameters in the same registration
order, same outputs after ``lwcourse.reference.transplant``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_choice, check_positive_int
from .conv import resolve_activation
from .mbconv import InvertedResidual


def eca_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """ECA's adaptive kernel size (paper Eq. 12): ``|log2(C) / gamma + b / gamma|`` rounded to
    an odd number, computed as the authors' code does: truncate, then add 1 if even."""
    check_positive_int("channels", channels)
    check_positive_int("gamma", gamma)
    t = int(abs((math.log2(channels) + b) / gamma))
    return t if t % 2 else t + 1


class EfficientChannelAttention(nn.Module):
    """ECA: global average pool -> 1-D conv of ``kernel_size`` across channels (no bias, no
    reduction) -> sigmoid -> rescale the input channel by channel.

    ``kernel_size=None`` picks :func:`eca_kernel_size` of ``channels``. Child: ``conv``
    (``nn.Conv1d(1, 1, k)``), ``gate``.
    """

    def __init__(self, channels: int, *, kernel_size: int | None = None):
        super().__init__()
        check_positive_int("channels", channels)
        k = eca_kernel_size(channels) if kernel_size is None else kernel_size
        if not isinstance(k, int) or k < 1 or k % 2 == 0:
            raise ValueError(f"kernel_size must be None or an odd positive integer, got {k!r}")
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)
        self.gate = nn.Sigmoid()
        self.channels, self.kernel_size = channels, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        y = self.conv(x.mean((2, 3)).view(n, 1, c))  # the channels are the 1-D "sequence"
        return x * self.gate(y).view(n, c, 1, 1)


class CoordinateAttention(nn.Module):
    """Coordinate attention: average-pool each row (-> ``C x H x 1``) and each column
    (-> ``C x 1 x W``), concatenate along the spatial axis, one shared 1x1 conv-BN-act down to
    ``mid = max(min_channels, channels // reduction)``, split, one 1x1 conv + sigmoid per
    direction back to ``channels``; output ``x * a_w * a_h``.

    Defaults follow the authors' code: reduction 32, at least 8 mid channels, hard-swish.
    Children: ``reduce``, ``bn``, ``act``, ``conv_h``, ``conv_w``.
    """

    def __init__(self, channels: int, *, reduction: int = 32, min_channels: int = 8,
                 activation="hardswish"):
        super().__init__()
        check_positive_int("channels", channels)
        check_positive_int("reduction", reduction)
        check_positive_int("min_channels", min_channels)
        mid = max(min_channels, channels // reduction)
        self.reduce = nn.Conv2d(channels, mid, 1)
        self.bn = nn.BatchNorm2d(mid)
        self.act = resolve_activation(activation)
        self.conv_h = nn.Conv2d(mid, channels, 1)
        self.conv_w = nn.Conv2d(mid, channels, 1)
        self.channels, self.mid_channels = channels, mid

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        x_h = x.mean(3, keepdim=True)  # N x C x H x 1: one number per row
        x_w = x.mean(2, keepdim=True).transpose(2, 3)  # N x C x W x 1: one per column
        y = self.bn(self.reduce(torch.cat([x_h, x_w], dim=2)))
        y = y if self.act is None else self.act(y)
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = self.conv_h(y_h).sigmoid()  # N x C x H x 1
        a_w = self.conv_w(y_w.transpose(2, 3)).sigmoid()  # N x C x 1 x W
        return x * a_w * a_h


PLACES = ("depthwise", "project")


def insert_attention(block: InvertedResidual, attention: nn.Module,
                     after: str = "depthwise") -> InvertedResidual:
    """Put ``attention`` into an inverted residual that has none, and return the block.

    ``after="depthwise"``: in the SE slot, between the depthwise and the projection conv
    (MobileNetV3, coordinate attention's code). ``after="project"``: after the projection's BN,
    before the shortcut (ECA's MobileNetV2 code). Registration order follows the forward order,
    which ``lwcourse.reference.transplant`` relies on.
    """
    check_choice("after", after, PLACES)
    if not isinstance(block, InvertedResidual):
        raise ValueError(f"block must be an InvertedResidual, got {type(block).__name__}")
    if block.se is not None:
        raise ValueError("block already has a squeeze-and-excitation module")
    project = block.project
    if after == "project":
        block.project = nn.Sequential(project, attention)
        return block
    del block.project  # re-registered after the attention, so that the order is the forward's
    block.se = attention
    block.project = project
    return block
