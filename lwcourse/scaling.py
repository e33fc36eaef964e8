"""Compound scaling (Tan & Le 2019, EfficientNet, Sec. 3.3): the B0 table scaled to any width,
depth and resolution, its parameters and MACs in closed form, and the grid search for the
bases alpha (depth), beta (width), gamma (resolution) under ``alpha beta^2 gamma^2 ~ 2``.

The closed forms follow the library's EfficientNet exactly (``make_divisible`` on every width,
``ceil`` on every stage's layer count, SE squeeze = block input // 4); the notebook and the
tests prove them equal to the profiler's counts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ._checks import check_positive, check_positive_int
from .blocks.conv import make_divisible
from .cost.formulas import (
    conv2d_macs,
    conv2d_output_size,
    conv2d_params,
    inverted_residual_macs,
    inverted_residual_params,
    linear_macs,
    linear_params,
    se_macs,
    se_params,
)
from .models.efficientnet import EFFICIENTNET_B0, HEAD_CHANNELS, STEM_CHANNELS

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15  # EfficientNet Sec. 4, step 1: depth, width, resolution
BASE_RESOLUTION = 224


@dataclass(frozen=True)
class Stage:
    """One MBConv row of the scaled table: expansion, kernel, first stride, channels, layers."""

    t: int
    k: int
    stride: int
    channels: int
    layers: int


@dataclass(frozen=True)
class ScaledConfig:
    """B0's table after scaling: what the builder makes for (width, depth, resolution)."""

    width: float
    depth: float
    resolution: int
    stem: int
    stages: tuple[Stage, ...]
    head: int

    @property
    def layers(self) -> int:
        return sum(s.layers for s in self.stages)


def scaled_config(width: float = 1.0, depth: float = 1.0,
                  resolution: int = BASE_RESOLUTION) -> ScaledConfig:
    """Widths ``make_divisible(c * width, 8)`` (stem, every stage, head), layers
    ``ceil(n * depth)`` per stage, the input ``resolution`` x ``resolution``."""
    check_positive("width", width)
    check_positive("depth", depth)
    check_positive_int("resolution", resolution)
    stages = tuple(Stage(t, k, s, make_divisible(c * width), math.ceil(n * depth))
                   for t, k, s, c, n in EFFICIENTNET_B0)
    return ScaledConfig(width, depth, resolution, make_divisible(STEM_CHANNELS * width), stages,
                        make_divisible(HEAD_CHANNELS * width))


def _blocks(config: ScaledConfig):
    """(h_in, c_in, c_out, t, k, stride) of every MBConv block, in order."""
    h, c_in = conv2d_output_size(config.resolution, 3, 2), config.stem
    for st in config.stages:
        for i in range(st.layers):
            stride = st.stride if i == 0 else 1
            yield h, c_in, st.channels, st.t, st.k, stride
            h, c_in = conv2d_output_size(h, st.k, stride), st.channels


def _final_size(config: ScaledConfig) -> int:
    h = conv2d_output_size(config.resolution, 3, 2)
    for st in config.stages:
        h = conv2d_output_size(h, st.k, st.stride)
    return h


def config_params(config: ScaledConfig, num_classes: int = 1000) -> int:
    """Parameters in closed form: conv weights, BN gamma and beta, SE and classifier biases."""
    stem = conv2d_params(3, config.stem, 3) + 2 * config.stem
    blocks = sum(inverted_residual_params(c_in, c_out, t, k) + se_params(t * c_in, c_in // 4)
                 for _, c_in, c_out, t, k, _ in _blocks(config))
    c_last = config.stages[-1].channels
    head = conv2d_params(c_last, config.head, 1) + 2 * config.head
    return stem + blocks + head + linear_params(config.head, num_classes)


def config_macs(config: ScaledConfig, num_classes: int = 1000) -> int:
    """MACs in closed form (one image): stem, MBConv blocks with SE, head conv, classifier."""
    h = conv2d_output_size(config.resolution, 3, 2)
    stem = conv2d_macs(3, config.stem, 3, h, h)
    blocks = sum(inverted_residual_macs(h_in, h_in, c_in, c_out, t, k, s)
                 + se_macs(t * c_in, c_in // 4) for h_in, c_in, c_out, t, k, s in _blocks(config))
    h = _final_size(config)
    head = conv2d_macs(config.stages[-1].channels, config.head, 1, h, h)
    return stem + blocks + head + linear_macs(config.head, num_classes)


def flops_factor(depth: float, width: float, resolution: float) -> float:
    """The ideal cost ratio ``d w^2 r^2``: linear in depth, quadratic in width and resolution
    (multipliers relative to B0)."""
    for name, v in {"depth": depth, "width": width, "resolution": resolution}.items():
        check_positive(name, v)
    return depth * width**2 * resolution**2


def naive_compound(phi: float, alpha: float = ALPHA, beta: float = BETA, gamma: float = GAMMA,
                   base_resolution: int = BASE_RESOLUTION) -> tuple[float, float, int]:
    """Depth ``alpha^phi``, width ``beta^phi`` and the resolution ``round(224 gamma^phi)``: Eq. 3
    applied literally (the released B1-B7 differ from it)."""
    if isinstance(phi, bool) or not isinstance(phi, int | float) or phi < 0:
        raise ValueError(f"phi must be a number >= 0, got {phi!r}")
    for name, v in {"alpha": alpha, "beta": beta, "gamma": gamma}.items():
        check_positive(name, v)
    check_positive_int("base_resolution", base_resolution)
    return alpha**phi, beta**phi, round(base_resolution * gamma**phi)


@dataclass(frozen=True)
class GridPoint:
    alpha: float
    beta: float
    gamma: float

    @property
    def factor(self) -> float:
        return flops_factor(self.alpha, self.beta, self.gamma)


def grid_search(values: Sequence[float], *, target: float = 2.0,
                tolerance: float = 0.1) -> list[GridPoint]:
    """Every (alpha, beta, gamma) from ``values`` (each >= 1, Eq. 3) whose ``alpha beta^2
    gamma^2`` is within ``tolerance`` (relative) of ``target``, closest first."""
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one multiplier")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 1:
            raise ValueError(f"values must be numbers >= 1 (Eq. 3: alpha, beta, gamma >= 1); "
                             f"got {v!r}")
    check_positive("target", target)
    check_positive("tolerance", tolerance)
    points = [GridPoint(a, b, g) for a, b, g in itertools.product(values, repeat=3)]
    close = [p for p in points if abs(p.factor / target - 1) <= tolerance]
    return sorted(close, key=lambda p: (abs(p.factor - target), p.alpha, p.beta, p.gamma))
