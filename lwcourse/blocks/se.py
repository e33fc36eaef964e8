"""Squeeze-and-excitation (Hu et al. 2018, Fig. 1 and 3; as used by MobileNetV3, EfficientNet,
MnasNet and GhostNet)."""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_positive_int
from .conv import resolve_activation


class SqueezeExcitation(nn.Module):
    """Channel attention: global average pool -> 1x1 conv (reduce, bias) -> activation ->
    1x1 conv (expand, bias) -> gate -> rescale the input, channel by channel.

    The squeeze width is the caller's choice, because the papers differ (document it there):
    MobileNetV3 uses ``make_divisible(expanded / 4, 8)``; EfficientNet uses ``input / 4`` of the
    *block* input; GhostNet uses ``make_divisible(channels / 4, 4)``.
    Children: ``reduce``, ``act``, ``expand``, ``gate``.
    """

    def __init__(self, channels: int, squeeze_channels: int, *, activation="relu",
                 gate="sigmoid"):
        super().__init__()
        check_positive_int("channels", channels)
        check_positive_int("squeeze_channels", squeeze_channels)
        for label, value in (("activation", activation), ("gate", gate)):
            if value is None:
                raise ValueError(f"{label} must be an activation name or factory "
                                 "(squeeze-and-excitation needs both); got None")
        self.reduce = nn.Conv2d(channels, squeeze_channels, 1, bias=True)
        self.act = resolve_activation(activation)
        self.expand = nn.Conv2d(squeeze_channels, channels, 1, bias=True)
        self.gate = resolve_activation(gate, name="gate")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = x.mean((2, 3), keepdim=True)  # squeeze: one number per channel
        scale = self.gate(self.expand(self.act(self.reduce(scale))))  # excitation
        return x * scale
