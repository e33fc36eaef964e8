"""Notebook 07 (compound scaling, MnasNet -> EfficientNet): exercise checks and reference
solutions.

1. ``scale_b0(width, depth)`` (change-and-prove): scale B0's table by hand with the builder's
   rounding rules; the check proves the result equals the network the library builds (every
   stage's channels and layers, stem, head, and the parameter count).
2. ``width_for_factor(factor, resolution)``: the smallest width multiplier (0.01 steps) whose
   width-only scaled B0 costs at least ``factor`` times B0's MACs: single-dimension scaling at
   a given cost.
"""

from __future__ import annotations

import math

import torch

from ..blocks.conv import make_divisible
from ..cost.profiler import profile
from ..models.efficientnet import EFFICIENTNET_B0, HEAD_CHANNELS, STEM_CHANNELS, efficientnet_scaled
from ..reference import n_params
from ..scaling import config_macs, config_params, scaled_config

# --- 1. scale B0 by hand ----------------------------------------------------------------------


def solve_scale_b0(width: float, depth: float) -> dict:
    """``{"stem": int, "stages": [(channels, layers), ...], "head": int}``: every width
    ``make_divisible(c * width, 8)`` (nearest multiple of 8, never 10 % below ``c * width``),
    every stage's layers ``ceil(n * depth)``; the stem and the head scale with the width."""
    return {"stem": make_divisible(STEM_CHANNELS * width),
            "stages": [(make_divisible(c * width), math.ceil(n * depth))
                       for *_, c, n in EFFICIENTNET_B0],
            "head": make_divisible(HEAD_CHANNELS * width)}


def _built(width: float, depth: float) -> dict:
    with torch.device("meta"):
        model = efficientnet_scaled(width, depth, 224)
    return {"stem": model.stem.conv.out_channels,
            "stages": [(stage[0].out_channels, len(stage)) for stage in model.stages],
            "head": model.head.conv.out_channels,
            "params": n_params(model)}


def check_scale_b0(fn) -> None:
    """``fn(width, depth)`` must give the channels and layers the library builds, and so its
    parameter count (B1, B2, B4, B7 and two off-grid settings)."""
    for width, depth in [(1.0, 1.1), (1.1, 1.2), (1.4, 1.8), (2.0, 3.1), (0.75, 1.37),
                         (1.3, 0.5)]:
        got = fn(width, depth)
        want = _built(width, depth)
        where = f"width {width}, depth {depth}"
        assert isinstance(got, dict) and set(got) == {"stem", "stages", "head"}, (
            f"{where}: return a dict with keys 'stem', 'stages', 'head'")
        stages = [tuple(s) for s in got["stages"]]
        assert len(stages) == 7, f"{where}: B0 has 7 MBConv stages, got {len(stages)}"
        for i, (g, w) in enumerate(zip(stages, want["stages"], strict=True), start=2):
            assert g == w, (f"{where}: stage {i} (paper Table 1 numbering) should have "
                            f"{w[0]} channels and {w[1]} layers, got {g}: widths use "
                            f"make_divisible(c * width, 8), layers ceil(n * depth)")
        assert (got["stem"], got["head"]) == (want["stem"], want["head"]), (
            f"{where}: stem {want['stem']} and head {want['head']} channels (both scale with "
            f"the width), got {got['stem']} and {got['head']}")
        config = scaled_config(width, depth, 224)
        assert config_params(config) == want["params"], f"{where}: parameter count differs"


# --- 2. width-only scaling to a MAC budget --------------------------------------------------


def solve_width_for_factor(factor: float, resolution: int = 224) -> float:
    """Walk the width up from 1.00 in 0.01 steps until the width-only scaled B0 costs at least
    ``factor`` x B0's MACs (both at ``resolution``). ``make_divisible`` makes the cost a step
    function of the width, so ``sqrt(factor)`` is only the starting guess."""
    base = config_macs(scaled_config(1.0, 1.0, resolution))
    hundredths = 100
    while config_macs(scaled_config(hundredths / 100, 1.0, resolution)) < factor * base:
        hundredths += 1
    return hundredths / 100


def check_width_for_factor(fn) -> None:
    """``fn(factor, resolution)`` must return the smallest width (a multiple of 0.01) whose
    MACs reach ``factor`` x B0's, proved with the profiler."""
    for factor, resolution in [(2.0, 224), (1.5, 224), (4.0, 224), (2.0, 128), (3.0, 160)]:
        got = fn(factor, resolution)
        where = f"factor {factor} at {resolution}x{resolution}"
        assert isinstance(got, int | float) and round(got * 100) == got * 100, (
            f"{where}: return a multiple of 0.01, got {got!r}")
        size = (1, 3, resolution, resolution)
        with torch.device("meta"):
            base = profile(efficientnet_scaled(1.0, 1.0, resolution), size).macs
            macs = profile(efficientnet_scaled(got, 1.0, resolution), size).macs
            below = profile(efficientnet_scaled(round(got - 0.01, 2), 1.0, resolution),
                            size).macs
        assert macs >= factor * base, (
            f"{where}: width {got} costs {macs / base:.3f}x B0, short of {factor}x")
        assert below < factor * base, (
            f"{where}: width {round(got - 0.01, 2)} already costs {below / base:.3f}x B0; "
            f"find the smallest width")
