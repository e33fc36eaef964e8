"""The harmonic dense block (Chao et al. 2019, "HarDNet: A Low Memory Traffic Network",
Fig. 3 and Sec. 3.2), depthwise-separable ("ds") version.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_positive_int, check_real
from .conv import ConvBNAct, chain


def harmonic_links(layer: int) -> list[int]:
    """The earlier layers layer ``layer`` (1-based; 0 is the block input) reads: ``layer - 2^k``
    for every ``2^k`` dividing ``layer`` (HarDNet Fig. 3), nearest first."""
    check_positive_int("layer", layer)
    links, k = [], 0
    while layer % 2**k == 0 and layer - 2**k >= 0:
        links.append(layer - 2**k)
        k += 1
    return links


def harmonic_widths(in_channels: int, growth: int, growth_factor: float,
                    layers: int) -> list[int]:
    """Output width of layers 0 (the block input) .. ``layers``: ``growth * factor^m`` for a
    layer with ``m + 1`` links, rounded to an even number (Sec. 3.2: layers that many later
    layers read are made wider)."""
    check_positive_int("in_channels", in_channels)
    check_positive_int("growth", growth)
    check_real("growth_factor", growth_factor, 1)
    check_positive_int("layers", layers)
    widths = [in_channels]
    for layer in range(1, layers + 1):
        width = growth * growth_factor ** (len(harmonic_links(layer)) - 1)
        widths.append(int(int(width + 1) / 2) * 2)
    return widths


class HarDBlock(nn.Module):
    """A harmonic dense block followed by its transition (HarDNet-DS, Table 1):

        layer i = 1x1 conv-BN-ReLU6 -> 3x3 depthwise conv-BN, on the concatenation of the layers
                  ``harmonic_links(i)``
        concat of the odd layers and the last one -> 1x1 conv-BN-ReLU6 to ``out_channels``
        3x3 depthwise conv-BN with stride 2 (only when ``stride=2``)

    Only the concatenated outputs stay alive, which is how HarDNet lowers the memory traffic
    of a DenseNet block. Children: ``layers``, ``transition``, ``downsample``.
    """

    def __init__(self, in_channels: int, out_channels: int, *, growth: int,
                 growth_factor: float, layers: int, stride: int = 1):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_positive_int("growth", growth)
        check_real("growth_factor", growth_factor, 1)
        check_positive_int("layers", layers)
        check_choice("stride", stride, (1, 2))
        widths = harmonic_widths(in_channels, growth, growth_factor, layers)
        self.links = [harmonic_links(i) for i in range(1, layers + 1)]
        self.layers = nn.ModuleList(
            nn.Sequential(ConvBNAct(sum(widths[j] for j in links), w, kernel_size=1,
                                    activation="relu6"),
                          ConvBNAct(w, w, kernel_size=3, groups=w, activation=None))
            for links, w in zip(self.links, widths[1:], strict=True))
        self.kept = [i for i in range(1, layers + 1) if i % 2 == 1 or i == layers]
        self.transition = ConvBNAct(sum(widths[i] for i in self.kept), out_channels,
                                    kernel_size=1, activation="relu6")
        self.downsample = (ConvBNAct(out_channels, out_channels, kernel_size=3, stride=2,
                                     groups=out_channels, activation=None)
                           if stride == 2 else None)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [x]
        for links, layer in zip(self.links, self.layers, strict=True):
            inputs = [outs[j] for j in links]
            outs.append(layer(inputs[0] if len(inputs) == 1 else torch.cat(inputs, 1)))
        return chain(torch.cat([outs[i] for i in self.kept], 1), self.transition,
                     self.downsample)
