"""The benchmark networks behind ShuffleNet V2's four guidelines (Ma et al. 2018, Sec. 2).

Each guideline was checked in the paper by timing a small network at fixed FLOPs: 10 stacked
blocks on a 56 x 56 input (Tables 1-4). This module builds those networks and holds the
tables' published widths and speeds, so notebook 03 can time them on the learner's machine
and the tests can prove that the networks of one table have equal MACs.

* G1 (Table 1): block = 1x1 conv ``c1 -> c2`` then 1x1 conv ``c2 -> c1``; ratios 1:1 ... 1:12.
* G2 (Table 2): 10 pointwise group convs ``c -> c`` with ``c^2 / g`` fixed.
* G3 (Table 3): 1x1 convs arranged as 1 fragment, 2 or 4 in series, 2 or 4 in parallel.
* G4 (Table 4): ResNet bottleneck (1x1, 3x3, 1x1) with and without ReLU and shortcut.

Choices where the paper is silent (stated in notebook 03 too):

* The convs have no bias, no BN and (G1-G3) no activation, so the only ops are the convs the
  tables vary: a network's memory access is then exactly the sum of the 1x1 conv formula.
* Widths at a FLOPs budget are rounded DOWN (never above the budget). The rule
  ``c1 = floor(sqrt(B / r))`` reproduces all eight widths of Table 1, and
  ``largest multiple of g with c^2 / g <= c0^2`` seven of Table 2's eight (the eighth, 180
  channels in 8 groups, cannot be built: 8 does not divide 180; we use 176). The shortfall is
  at most 5.5 %, as in the paper's own (22, 44) row.
* G3 series blocks: ``n`` square convs of width ``floor(c / sqrt(n))`` (in = out, so G1 holds and
  only the fragmentation changes); parallel blocks: ``n`` branches ``c -> c / n`` on the same
  input, merged by concatenation (the 1-fragment conv cut into ``n`` pieces: same function
  class, exactly the same MACs).
* G4: block input and output ``c``, bottleneck ``c / 4`` (ResNet's expansion of 4); this is
  the reading under which the paper's ARM speeds imply a plausible 4-5.5 GFLOP/s.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from ._checks import check_choice, check_divides, check_positive_int

INPUT_SIZE = (1, 3, 56, 56)  # channels are replaced per network: see ``input_size``
BLOCKS = 10  # "a benchmark network is built by stacking 10 building blocks" (Sec. 2)


class PaperRow(NamedTuple):
    """One row of Tables 1-4: widths and speeds as published (GPU: batches/s at batch 8 on a
    GTX 1080Ti; ARM: images/s at batch 1 on a Snapdragon 810)."""

    gpu_widths: tuple
    gpu: tuple[float, ...]
    arm_widths: tuple
    arm: tuple[float, ...]


G1_SCALES = (1, 2, 4)  # FLOPs multiples of Tables 1 and 2 (x1, x2, x4)
# Table 1 (G1). Key: r in c1:c2 = 1:r. Widths are (c1, c2) at x1 FLOPs; speeds at x1, x2, x4.
TABLE1 = {
    1: PaperRow((128, 128), (1480, 723, 232), (32, 32), (76.2, 21.7, 5.3)),
    2: PaperRow((90, 180), (1296, 586, 206), (22, 44), (72.9, 20.5, 5.1)),
    6: PaperRow((52, 312), (876, 489, 189), (13, 78), (69.1, 17.9, 4.6)),
    12: PaperRow((36, 432), (748, 392, 163), (9, 108), (57.6, 15.1, 4.4)),
}
# Table 2 (G2). Key: groups g. Widths are c at x1 FLOPs; speeds at x1, x2, x4.
TABLE2 = {
    1: PaperRow((128,), (2451, 1289, 437), (64,), (40.0, 10.2, 2.3)),
    2: PaperRow((180,), (1725, 873, 341), (90,), (35.0, 9.5, 2.2)),
    4: PaperRow((256,), (1026, 644, 338), (128,), (32.9, 8.7, 2.1)),
    8: PaperRow((360,), (634, 445, 230), (180,), (27.8, 7.5, 1.8)),
}
G3_KINDS = ("1-fragment", "2-fragment-series", "4-fragment-series", "2-fragment-parallel",
            "4-fragment-parallel")
# Table 3 (G3). Widths c = 128, 256, 512 (GPU) and 64, 128, 256 (ARM), one speed each.
TABLE3 = {
    "1-fragment": PaperRow((128, 256, 512), (2446, 1274, 434), (64, 128, 256), (40.2, 10.1, 2.3)),
    "2-fragment-series": PaperRow((128, 256, 512), (1790, 909, 336), (64, 128, 256),
                                  (38.6, 10.1, 2.2)),
    "4-fragment-series": PaperRow((128, 256, 512), (752, 745, 349), (64, 128, 256),
                                  (38.4, 10.1, 2.3)),
    "2-fragment-parallel": PaperRow((128, 256, 512), (1537, 803, 320), (64, 128, 256),
                                    (33.4, 9.1, 2.2)),
    "4-fragment-parallel": PaperRow((128, 256, 512), (691, 572, 292), (64, 128, 256),
                                    (35.0, 8.4, 2.1)),
}
# Table 4 (G4). Key: (ReLU, shortcut). Widths c = 32, 64, 128 on both platforms.
TABLE4 = {
    (True, True): PaperRow((32, 64, 128), (2427, 2066, 1436), (32, 64, 128), (56.7, 16.9, 5.0)),
    (True, False): PaperRow((32, 64, 128), (2647, 2256, 1735), (32, 64, 128), (61.9, 18.8, 5.2)),
    (False, True): PaperRow((32, 64, 128), (2672, 2121, 1458), (32, 64, 128), (57.3, 18.2, 5.1)),
    (False, False): PaperRow((32, 64, 128), (2842, 2376, 1782), (32, 64, 128),
                             (66.3, 20.2, 5.4)),
}


def input_size(channels: int, hw: int = 56) -> tuple[int, int, int, int]:
    """``(1, channels, hw, hw)``: the benchmark input (batch 1, the paper's ARM setting)."""
    check_positive_int("channels", channels)
    check_positive_int("hw", hw)
    return (1, channels, hw, hw)


def _conv1x1(c_in: int, c_out: int, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 1, groups=groups, bias=False)


# --- G1 ------------------------------------------------------------------------------------

def g1_widths(ratio: int, scale: int = 1, c0: int = 32) -> tuple[int, int]:
    """Widths ``(c1, c2 = ratio * c1)`` whose 1x1 conv costs at most ``scale * c0^2`` MACs per
    pixel: ``c1 = floor(sqrt(scale c0^2 / ratio))``. ``c0 = 32`` gives Table 1's ARM widths,
    ``c0 = 128`` its GPU widths."""
    for name, v in {"ratio": ratio, "scale": scale, "c0": c0}.items():
        check_positive_int(name, v)
    c1 = math.isqrt(scale * c0 * c0 // ratio)
    return c1, ratio * c1


def g1_network(c1: int, c2: int, blocks: int = BLOCKS) -> nn.Sequential:
    """``blocks`` x [1x1 conv c1 -> c2, 1x1 conv c2 -> c1] (Table 1's benchmark network).
    Input ``(N, c1, H, W)``."""
    check_positive_int("blocks", blocks)
    return nn.Sequential(*[nn.Sequential(_conv1x1(c1, c2), _conv1x1(c2, c1))
                           for _ in range(blocks)])


# --- G2 ------------------------------------------------------------------------------------

def g2_width(c0: int, groups: int, scale: int = 1) -> int:
    """The largest multiple of ``groups`` with ``c^2 / groups <= scale c0^2``: the width of a
    ``groups``-grouped 1x1 conv ``c -> c`` that costs no more than the dense ``c0 -> c0`` one."""
    for name, v in {"c0": c0, "groups": groups, "scale": scale}.items():
        check_positive_int(name, v)
    return math.isqrt(groups * scale * c0 * c0) // groups * groups


def g2_network(channels: int, groups: int, layers: int = BLOCKS) -> nn.Sequential:
    """``layers`` pointwise group convs ``channels -> channels`` (Table 2's network)."""
    check_positive_int("channels", channels)
    check_positive_int("groups", groups)
    check_positive_int("layers", layers)
    check_divides("groups", groups, "channels", channels)
    return nn.Sequential(*[_conv1x1(channels, channels, groups) for _ in range(layers)])


# --- G3 ------------------------------------------------------------------------------------

def _fragments(kind: str) -> tuple[int, str]:
    check_choice("kind", kind, G3_KINDS)
    n = int(kind[0])
    return n, ("single" if n == 1 else kind.rsplit("-", 1)[1])


class ParallelConcat(nn.Module):
    """``n`` 1x1 convs ``c -> c / n`` on the same input, outputs concatenated to ``c``
    channels: one 1x1 conv ``c -> c`` computed in ``n`` fragments (Table 3, parallel rows)."""

    def __init__(self, channels: int, n: int):
        super().__init__()
        check_positive_int("channels", channels)
        check_positive_int("n", n)
        check_divides("n", n, "channels", channels)
        self.branches = nn.ModuleList(_conv1x1(channels, channels // n) for _ in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def g3_width(kind: str, c: int) -> int:
    """Width of the tensors between blocks: ``c``, except for ``n`` convs in series, whose
    square convs have width ``floor(c / sqrt(n))`` so that the block costs at most ``c^2``
    MACs per pixel (exact for n = 4, 0-1.1 % less for n = 2)."""
    check_positive_int("c", c)
    n, arrangement = _fragments(kind)
    return math.isqrt(c * c // n) if arrangement == "series" else c


def g3_block(kind: str, c: int) -> nn.Module:
    """One block of Table 3 at nominal width ``c`` (see the module docstring)."""
    n, arrangement = _fragments(kind)
    if arrangement == "parallel":
        return ParallelConcat(c, n)
    width = g3_width(kind, c)
    return nn.Sequential(*[_conv1x1(width, width) for _ in range(n)])


def g3_network(kind: str, c: int, blocks: int = BLOCKS) -> nn.Sequential:
    """``blocks`` stacked ``g3_block(kind, c)``; input ``(N, g3_width(kind, c), H, W)``."""
    check_positive_int("blocks", blocks)
    return nn.Sequential(*[g3_block(kind, c) for _ in range(blocks)])


# --- G4 ------------------------------------------------------------------------------------

class Bottleneck(nn.Module):
    """ResNet's bottleneck without BN: 1x1 ``c -> c/4``, 3x3 ``c/4 -> c/4``, 1x1 ``c/4 -> c``,
    a ReLU after each conv (the last one after the shortcut add) when ``relu``, and the
    identity shortcut when ``shortcut`` (Table 4's four variants). ReLU and add work in place,
    as in torchvision's ResNet (``out += identity``)."""

    def __init__(self, c: int, relu: bool = True, shortcut: bool = True):
        super().__init__()
        check_positive_int("c", c)
        check_divides("4 (ResNet's expansion)", 4, "c", c)
        mid = c // 4
        self.conv1 = _conv1x1(c, mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.conv3 = _conv1x1(mid, c)
        self.act = nn.ReLU(inplace=True) if relu else nn.Identity()
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        if self.shortcut:
            out += x
        return self.act(out)


def g4_network(c: int, relu: bool = True, shortcut: bool = True,
               blocks: int = BLOCKS) -> nn.Sequential:
    """``blocks`` stacked ``Bottleneck(c, relu, shortcut)``; input ``(N, c, H, W)``."""
    check_positive_int("blocks", blocks)
    return nn.Sequential(*[Bottleneck(c, relu, shortcut) for _ in range(blocks)])
