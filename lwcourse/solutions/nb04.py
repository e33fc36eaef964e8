"""Notebook 04 (inverted residuals, MobileNetV2): exercise checks and reference solutions.

1. ``fold_bn(block)`` (change and prove): fold every BatchNorm of an ``InvertedResidual`` into
   the conv before it; the result has no BatchNorm, the same outputs and less memory access.
2. ``mobilenet_v2_macs(width_mult, resolution)``: the MACs of MobileNetV2 from the paper's
   Table 2 and the block formula, without the profiler.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..blocks.conv import ConvBNAct, make_divisible
from ..blocks.mbconv import InvertedResidual
from ..cost import formulas, profile
from ..reference import randomize_

# --- Exercise 1: fold BN into the inverted residual ------------------------------------------


@torch.no_grad()
def _folded_conv(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """``bn(conv(x)) = gamma (W x - mu) / sigma + beta = (gamma / sigma) W x + (beta - gamma
    mu / sigma)`` with ``sigma = sqrt(var + eps)``: one conv with scaled weights and a bias."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                      conv.padding, conv.dilation, conv.groups, bias=True)
    fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_(bn.bias + (conv_bias - bn.running_mean) * scale)
    return fused


def solve_fold_bn(block: nn.Module) -> nn.Module:
    """A copy of ``block`` in which every ``ConvBNAct`` has its BN folded into its conv (the BN
    becomes ``nn.Identity``). Valid for inference only: it uses the running statistics."""
    folded = copy.deepcopy(block).eval()
    for unit in folded.modules():
        if isinstance(unit, ConvBNAct) and isinstance(unit.bn, nn.BatchNorm2d):
            unit.conv = _folded_conv(unit.conv, unit.bn)
            unit.bn = nn.Identity()
    return folded


FOLD_CASES = [(64, 64, 6, 14, 1), (32, 64, 6, 28, 2), (16, 16, 1, 28, 1), (24, 40, 4, 15, 2),
              (96, 96, 3, 7, 1)]  # c_in, c_out, t, input side, stride


def check_fold_bn(fn) -> None:
    """``fn(block)`` must return a module without BatchNorm whose outputs equal the block's
    (eval mode, random BN statistics) and whose memory access is the folded count, lower than
    the block's."""
    for c_in, c_out, t, side, stride in FOLD_CASES:
        torch.manual_seed(0)
        block = InvertedResidual(c_in, c_out, stride=stride, expansion=t)
        randomize_(block, input_size=(4, c_in, side, side)).eval()
        reference = copy.deepcopy(block)
        where = f"InvertedResidual({c_in}, {c_out}, stride={stride}, expansion={t})"
        folded = fn(block)
        assert isinstance(folded, nn.Module), f"{where}: return an nn.Module"
        norms = [n for n, m in folded.named_modules() if isinstance(m, nn.BatchNorm2d)]
        assert not norms, f"{where}: BatchNorm left in {norms[0]!r}; fold it into its conv"
        x = torch.randn(2, c_in, side, side)
        folded.eval()
        with torch.no_grad():
            want, got = reference(x), folded(x)
        assert got.shape == want.shape, f"{where}: output shape {tuple(got.shape)}, " \
            f"expected {tuple(want.shape)}"
        diff = (got - want).abs().max().item()
        assert diff <= 1e-4 * max(1.0, want.abs().max().item()), (
            f"{where}: outputs differ by up to {diff:.3g}. The folded conv is "
            f"W' = W * gamma / sqrt(var + eps), b' = beta - gamma * mean / sqrt(var + eps)")
        unfused = profile(reference, (1, c_in, side, side)).memory_access
        mem = profile(folded, (1, c_in, side, side)).memory_access
        want_mem = formulas.inverted_residual_memory_access(side, side, c_in, c_out, t,
                                                            stride=stride, fold_bn=True)
        assert mem == want_mem < unfused, (
            f"{where}: memory access {mem:,} elements; folding every BN gives {want_mem:,} "
            f"(the block unfused: {unfused:,})")


# --- Exercise 2: MobileNetV2's MACs from Table 2 ---------------------------------------------

TABLE2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]  # t, c, n, s


def solve_mobilenet_v2_macs(width_mult: float, resolution: int) -> int:
    """Stem 3x3/2 conv, the 17 blocks (``inverted_residual_macs``), the 1x1 head conv to
    ``make_divisible(1280 * max(1, width_mult))`` and the classifier; every width rounded with
    ``make_divisible(c * width_mult)``."""
    side = formulas.conv2d_output_size(resolution, 3, 2)
    c_in = make_divisible(32 * width_mult)
    macs = formulas.conv2d_macs(3, c_in, 3, side, side)
    for t, c, n, s in TABLE2:
        c_out = make_divisible(c * width_mult)
        for i in range(n):
            stride = s if i == 0 else 1
            macs += formulas.inverted_residual_macs(side, side, c_in, c_out, t, 3, stride)
            side = formulas.conv2d_output_size(side, 3, stride)
            c_in = c_out
    last = make_divisible(1280 * max(1.0, width_mult))
    return macs + formulas.conv2d_macs(c_in, last, 1, side, side) + formulas.linear_macs(last,
                                                                                         1000)


V2_CASES = [(1.0, 224), (1.4, 224), (0.35, 224), (0.5, 160), (0.75, 192), (1.0, 96), (1.3, 128),
            (0.35, 97)]


def check_mobilenet_v2_macs(fn) -> None:
    """``fn(width_mult, resolution)`` must equal the profiler's MACs of
    ``create("mobilenet_v2", width_mult=...)`` at ``resolution x resolution``."""
    from ..models import create  # imported here: the model zoo loads every family

    for width_mult, resolution in V2_CASES:
        want = profile(create("mobilenet_v2", width_mult=width_mult),
                       (1, 3, resolution, resolution)).macs
        got = fn(width_mult, resolution)
        where = f"width_mult={width_mult}, {resolution}x{resolution}"
        assert isinstance(got, int), f"{where}: return an int, got {type(got).__name__}"
        assert got == want, (
            f"{where}: {got:,} MACs, the profiler counts {want:,} (off by {got - want:+,}). "
            f"Check: make_divisible on every width, the t = 1 block has no expand conv, the "
            f"last conv never shrinks below 1280, odd sizes round up after a stride")
