"""Notebook 01 (depthwise separable convolutions, MobileNetV1): exercise checks and reference
solutions.

1. ``largest_alpha(budget_macs, resolution, alphas)``: the widest MobileNetV1 that fits a MAC
   budget.
2. ``separable_block_memory_access(c_in, c_out, k, h_in, w_in, stride)``: memory access of
   ``lwcourse.blocks.DepthwiseSeparableConv`` (conv-BN-act twice, unfused) in closed form.
3. ``depthwise_intensity(c, k, h_in, w_in, stride)``: arithmetic intensity (FLOP/byte, fp32) of
   a plain depthwise conv.
"""

from __future__ import annotations

import math
from functools import lru_cache

from torch import nn

from ..blocks.conv import DepthwiseSeparableConv
from ..cost.formulas import conv2d_macs, conv2d_memory_access, conv2d_output_size
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


def check_largest_alpha(fn) -> None:
    """``fn(budget_macs, resolution, alphas)`` must return the largest alpha in budget."""
    cases = [
        (600_000_000, 224, ALPHAS),
        (300_000_000, 224, ALPHAS),
        (568_740_352, 224, ALPHAS),  # exactly the alpha = 1 cost: still fits
        (568_740_351, 224, ALPHAS),  # one MAC short
        (200_000_000, 160, ALPHAS),
        (50_000_000, 128, (1.0, 0.5, 0.25, 0.75)),  # unsorted candidates
        (30_000_000, 224, ALPHAS),  # nothing fits
        (120_000_000, 192, (0.35, 0.6, 0.85)),
    ]
    for budget, resolution, alphas in cases:
        got = fn(budget, resolution, alphas)
        want = solve_largest_alpha(budget, resolution, alphas)
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


# --- 3. arithmetic intensity of a depthwise conv --------------------------------------------


def solve_depthwise_intensity(c: int, k: int, h_in: int, w_in: int, stride: int = 1) -> float:
    """FLOPs ``2 k^2 c h w`` over bytes ``4 (h_in w_in c + k^2 c + h w c)``: about ``k^2 / 4``
    FLOP/byte at stride 1, whatever ``c`` (it cancels)."""
    h, w = conv2d_output_size(h_in, k, stride), conv2d_output_size(w_in, k, stride)
    flops = 2 * conv2d_macs(c, c, k, h, w, groups=c)
    return flops / (4 * conv2d_memory_access(c, c, k, h_in, w_in, h, w, groups=c))


def check_depthwise_intensity(fn) -> None:
    """``fn(c, k, h_in, w_in, stride)`` must equal the profiler's arithmetic intensity of
    ``nn.Conv2d(c, c, k, stride, padding=(k - 1) // 2, groups=c, bias=False)``."""
    cases = [(32, 3, 112, 112, 1), (128, 3, 56, 56, 1), (256, 3, 56, 56, 2), (512, 5, 14, 14, 1),
             (1024, 3, 7, 7, 1), (96, 7, 20, 30, 2)]
    for c, k, h_in, w_in, stride in cases:
        conv = nn.Conv2d(c, c, k, stride, (k - 1) // 2, groups=c, bias=False)
        want = profile(conv, (1, c, h_in, w_in)).arithmetic_intensity
        got = fn(c, k, h_in, w_in, stride)
        where = f"c={c}, k={k}, input {h_in}x{w_in}, stride {stride}"
        assert isinstance(got, int | float), f"{where}: return a number, got {type(got).__name__}"
        assert math.isclose(got, want, rel_tol=1e-9), (
            f"{where}: {got:.4f} FLOP/byte, the profiler says {want:.4f}; FLOPs = 2 x MACs, "
            f"bytes = 4 x (input + weights + output elements)")
