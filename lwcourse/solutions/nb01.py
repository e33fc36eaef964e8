"""Notebook 01 (depthwise separable convolutions, MobileNetV1): exercise checks and reference
solutions.

1. ``largest_alpha(budget_macs, resolution, alphas)``: the widest MobileNetV1 that fits a MAC
   budget.
2. ``separable_block_memory_access(c_in, c_out, k, h_in, w_in, stride)``: memory access of
   ``lwcourse.blocks.DepthwiseSeparableConv`` (conv-BN-act twice, unfused) in closed form.
3. ``merge_separable(dw, pw)`` (change and prove): undo the factorisation, merging a depthwise
   and a pointwise conv into one standard conv with the same outputs.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from ..blocks.conv import DepthwiseSeparableConv
from ..cost.formulas import conv2d_memory_access, conv2d_output_size
from ..cost.profiler import profile

ALPHAS = (0.25, 0.5, 0.75, 1.0)

# --- 1. the widest MobileNetV1 within a MAC budget ------------------------------------------


@lru_cache(maxsize=64)
def _mobilenet_v1_macs(alpha: float, resolution: int) -> int:
    from ..models import create  # imported here: the model zoo loads every family

    return profile(create("mobilenet_v1", width_mult=alpha),
                   (1, 3, resolution, resolution)).macs


def solve_largest_alpha(budget_macs: int, resolution: int = 224,
                        alphas=ALPHAS) -> float | None:
    """Profile ``mobilenet_v1(width_mult=alpha)`` at ``resolution`` for every alpha and keep
    the largest that costs at most ``budget_macs``; None when none fits. MACs grow with alpha,
    but a check of every candidate does not rely on it."""
    fits = [a for a in alphas if _mobilenet_v1_macs(a, resolution) <= budget_macs]
    return max(fits) if fits else None


# (budget MACs, resolution, candidate alphas, expected answer). The answers are written out from
# the exact costs (224: 41,030,272 / 149,497,088 / 325,400,448 / 568,740,352 MACs for alpha =
# 0.25 / 0.5 / 0.75 / 1; 160: 166,396,800 for 0.75; 128: 49,160,192 for 0.5; 192: 59,169,312
# for 0.35 and 159,607,840 for 0.6), so the check never asks the reference solution;
# tests/test_solutions_nb01.py re-derives them from the profiler.
LARGEST_ALPHA_CASES = [
    (600_000_000, 224, ALPHAS, 1.0),
    (300_000_000, 224, ALPHAS, 0.5),
    (568_740_352, 224, ALPHAS, 1.0),  # exactly the alpha = 1 cost: still fits
    (568_740_351, 224, ALPHAS, 0.75),  # one MAC short
    (200_000_000, 160, ALPHAS, 0.75),
    (50_000_000, 128, (1.0, 0.5, 0.25, 0.75), 0.5),  # unsorted candidates
    (30_000_000, 224, ALPHAS, None),  # nothing fits
    (120_000_000, 192, (0.35, 0.6, 0.85), 0.35),
]


def check_largest_alpha(fn) -> None:
    """``fn(budget_macs, resolution, alphas)`` must return the largest alpha in budget."""
    for budget, resolution, alphas, want in LARGEST_ALPHA_CASES:
        got = fn(budget, resolution, alphas)
        where = f"budget {budget:,} MACs at {resolution}x{resolution}, alphas {alphas}"
        if want is None:
            assert got is None, f"{where}: no alpha fits (the smallest costs " \
                f"{_mobilenet_v1_macs(min(alphas), resolution):,} MACs); return None, got {got!r}"
            continue
        assert got in alphas, f"{where}: return one of the candidates, got {got!r}"
        cost = _mobilenet_v1_macs(got, resolution)
        assert cost <= budget, f"{where}: alpha = {got} costs {cost:,} MACs, over the budget"
        assert got == want, f"{where}: alpha = {got} fits, but alpha = {want} fits too " \
            f"({_mobilenet_v1_macs(want, resolution):,} MACs) and is larger"


# --- 2. memory access of the depthwise separable block --------------------------------------


def solve_separable_block_memory_access(c_in: int, c_out: int, k: int, h_in: int, w_in: int,
                                        stride: int = 1) -> int:
    """Unfused, each op reads its inputs and writes its output. For each conv-BN-act:
    conv (input + weights + output), BN (input + 4 per-channel vectors + output), in-place
    activation (reads and writes the map). With ``h, w`` after the depthwise stride:
    ``h_in w_in c_in + 6 h w c_in + 5 h w c_out + k^2 c_in + c_in c_out + 4 (c_in + c_out)``."""
    h, w = conv2d_output_size(h_in, k, stride), conv2d_output_size(w_in, k, stride)
    dw = conv2d_memory_access(c_in, c_in, k, h_in, w_in, h, w, groups=c_in)
    pw = conv2d_memory_access(c_in, c_out, 1, h, w, h, w)
    bn_act = 4 * h * w * c_in + 4 * c_in + 4 * h * w * c_out + 4 * c_out  # BN 2hwc + 4c, act 2hwc
    return dw + pw + bn_act


def check_separable_block_memory_access(fn) -> None:
    """``fn(c_in, c_out, k, h_in, w_in, stride)`` must equal the profiler's memory access of
    ``DepthwiseSeparableConv(c_in, c_out, stride, k)`` on a ``(1, c_in, h_in, w_in)`` input."""
    cases = [(32, 64, 3, 112, 112, 1), (64, 128, 3, 112, 112, 2), (512, 512, 3, 14, 14, 1),
             (512, 1024, 3, 14, 14, 2), (16, 24, 5, 15, 9, 2), (8, 8, 7, 7, 7, 1)]
    for c_in, c_out, k, h_in, w_in, stride in cases:
        block = DepthwiseSeparableConv(c_in, c_out, stride=stride, kernel_size=k)
        want = profile(block, (1, c_in, h_in, w_in)).memory_access
        got = fn(c_in, c_out, k, h_in, w_in, stride)
        where = f"c_in={c_in}, c_out={c_out}, k={k}, input {h_in}x{w_in}, stride {stride}"
        assert isinstance(got, int), f"{where}: return an int, got {type(got).__name__}"
        assert got == want, (
            f"{where}: {got:,} elements, the profiler counts {want:,} (off by {got - want:+,}); "
            f"count six ops: each conv, BN (with its 4 per-channel vectors) and activation "
            f"reads its input and writes its output, and the maps after the depthwise conv are "
            f"h x w = input size after the stride")


# --- 3. change and prove: undo the factorisation ------------------------------------------


def solve_merge_separable(dw: nn.Conv2d, pw: nn.Conv2d) -> nn.Conv2d:
    """Output ``o`` of the pair is ``sum_i P[o, i] (D_i * x_i)``, with ``D_i`` the depthwise
    filter of channel ``i``: the same as one standard conv whose filter ``(o, i)`` is
    ``P[o, i] D_i``. Same kernel, stride and padding as the depthwise conv, no bias."""
    merged = nn.Conv2d(dw.in_channels, pw.out_channels, dw.kernel_size, dw.stride, dw.padding,
                       bias=False)
    with torch.no_grad():
        merged.weight.copy_(pw.weight[:, :, 0, 0, None, None] * dw.weight[:, 0][None])
    return merged


def check_merge_separable(fn) -> None:
    """``fn(dw, pw)`` must return one standard ``nn.Conv2d`` with the same outputs as ``dw``
    then ``pw``, and (the price of merging) exactly ``K^2 C_out / (K^2 + C_out)`` times their
    MACs: the inverse of the ratio 1/C_out + 1/K^2."""
    gen = torch.Generator().manual_seed(0)
    for c_in, c_out, k, stride, size in [(8, 16, 3, 1, 10), (16, 8, 3, 2, 11), (6, 12, 5, 1, 9),
                                         (4, 4, 3, 2, 8)]:
        torch.manual_seed(c_in * 100 + c_out)
        dw = nn.Conv2d(c_in, c_in, k, stride, (k - 1) // 2, groups=c_in, bias=False)
        pw = nn.Conv2d(c_in, c_out, 1, bias=False)
        x = torch.randn(2, c_in, size, size, generator=gen)
        where = f"C_in={c_in}, C_out={c_out}, K={k}, stride {stride}, input {size}x{size}"
        merged = fn(dw, pw)
        assert isinstance(merged, nn.Conv2d) and merged.groups == 1, \
            f"{where}: return one standard nn.Conv2d (groups=1)"
        with torch.no_grad():
            want, got = pw(dw(x)), merged(x)
        assert got.shape == want.shape, f"{where}: output shape {tuple(got.shape)}, expected " \
            f"{tuple(want.shape)}: keep the depthwise conv's kernel, stride and padding"
        diff = (got - want).abs().max().item()
        assert diff <= 1e-4, (f"{where}: outputs differ by up to {diff:.3g}; filter (o, i) of "
                              f"the merged conv is pw.weight[o, i] times dw.weight[i, 0]")
        pair = profile(nn.Sequential(dw, pw), tuple(x.shape)).macs
        one = profile(merged, tuple(x.shape)).macs
        assert one * (k * k + c_out) == pair * k * k * c_out, \
            f"{where}: {one:,} MACs against the pair's {pair:,}; expected the ratio " \
            f"K^2 C_out / (K^2 + C_out)"
