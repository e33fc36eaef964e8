"""Notebook 00 (the cost model): exercise checks and reference solutions.

1. ``conv_macs(...)``: a convolution's MACs from its arguments.
2. ``conv_memory_access(...)``: its memory access (elements read + written), bias included.
3. ``pointwise_intensity(c, h, w)``: the arithmetic intensity of a 1x1 conv ``c -> c``.

Every check compares with ``lwcourse.cost.profile`` on real ``nn.Conv2d`` layers: the profiler
is the ground truth, so a learner's formula is right when it agrees to the unit.
"""

from __future__ import annotations

import math
import random

from torch import nn

from ..cost import profile
from ..cost.formulas import conv2d_output_size as _out_size


def _random_configs(n: int = 8, seed: int = 0) -> list[dict]:
    """Fixed edge cases (depthwise, stride 2 on an odd size, no padding, batch 2) plus ``n``
    random convs, all with ``groups`` dividing both channel counts."""
    configs = [
        dict(c_in=32, c_out=32, k=3, h_in=15, w_in=15, stride=2, padding=1, groups=32),
        dict(c_in=16, c_out=24, k=1, h_in=7, w_in=9, stride=1, padding=0, groups=1),
        dict(c_in=12, c_out=18, k=5, h_in=11, w_in=8, stride=1, padding=0, groups=3, batch=2),
    ]
    rng = random.Random(seed)
    for _ in range(n):
        groups = rng.choice([1, 1, 2, 4])
        k = rng.choice([1, 3, 5])
        configs.append(dict(c_in=groups * rng.randint(1, 8), c_out=groups * rng.randint(1, 8),
                            k=k, h_in=rng.randint(k, 20), w_in=rng.randint(k, 20),
                            stride=rng.choice([1, 2]), padding=rng.choice([0, k // 2]),
                            groups=groups, batch=rng.choice([1, 2])))
    for c in configs:
        c.setdefault("batch", 1)
    return configs


def _profile_conv(c: dict, bias: bool = False):
    conv = nn.Conv2d(c["c_in"], c["c_out"], c["k"], stride=c["stride"], padding=c["padding"],
                     groups=c["groups"], bias=bias)
    return profile(conv, (c["batch"], c["c_in"], c["h_in"], c["w_in"]))


# --- 1. MACs of a convolution -------------------------------------------------------------


def solve_conv_macs(c_in: int, c_out: int, k: int, h_in: int, w_in: int, stride: int = 1,
                    padding: int = 0, groups: int = 1, batch: int = 1) -> int:
    """``batch * h * w * c_out * (c_in / g) * k^2`` with ``h, w`` the OUTPUT size
    ``floor((size + 2p - k) / s) + 1``."""
    h, w = _out_size(h_in, k, stride, padding), _out_size(w_in, k, stride, padding)
    return batch * h * w * c_out * (c_in // groups) * k * k


def check_conv_macs(fn) -> None:
    """``fn(c_in, c_out, k, h_in, w_in, stride, padding, groups, batch)`` must equal the
    profiler's MACs of that ``nn.Conv2d`` on every test config."""
    for c in _random_configs():
        got = fn(**c)
        want = _profile_conv(c).macs
        assert isinstance(got, int), f"return an int, got {type(got).__name__} ({got!r})"
        if got != want:
            hint = ("MACs use the OUTPUT size h x w (after stride and padding)"
                    if c["stride"] > 1 or c["padding"] == 0 else
                    "each output element needs (c_in / groups) * k^2 MACs; times the batch")
            raise AssertionError(f"{c}: got {got:,}, the profiler counts {want:,} ({hint})")


# --- 2. memory access of a convolution ------------------------------------------------------


def solve_conv_memory_access(c_in: int, c_out: int, k: int, h_in: int, w_in: int,
                             stride: int = 1, padding: int = 0, groups: int = 1,
                             bias: bool = False, batch: int = 1) -> int:
    """Input ``batch c_in h_in w_in`` + weights ``c_out (c_in / g) k^2`` (+ ``c_out`` bias) +
    output ``batch c_out h w``: every tensor read once, the output written once."""
    h, w = _out_size(h_in, k, stride, padding), _out_size(w_in, k, stride, padding)
    weights = c_out * (c_in // groups) * k * k + (c_out if bias else 0)
    return batch * c_in * h_in * w_in + weights + batch * c_out * h * w


def check_conv_memory_access(fn) -> None:
    """``fn(c_in, c_out, k, h_in, w_in, stride, padding, groups, bias, batch)`` must equal the
    profiler's memory access of that ``nn.Conv2d``, with and without a bias."""
    for i, c in enumerate(_random_configs(seed=1)):
        bias = i % 2 == 0
        got = fn(**c, bias=bias)
        want = _profile_conv(c, bias=bias).memory_access
        assert isinstance(got, int), f"return an int, got {type(got).__name__} ({got!r})"
        if got != want:
            diff = want - got
            hint = ("the bias is read too: c_out more elements" if bias and diff == c["c_out"]
                    else "count the input as stored (h_in x w_in, before padding), the "
                         "weights (divided by groups) and the output (h x w after the stride)")
            raise AssertionError(f"{dict(c, bias=bias)}: got {got:,}, the profiler counts "
                                 f"{want:,} ({hint})")


# --- 3. arithmetic intensity of a 1x1 conv -------------------------------------------------


def solve_pointwise_intensity(c: int, h: int, w: int) -> float:
    """FLOPs / bytes of a 1x1 conv ``c -> c`` (no bias, batch 1, fp32):
    ``2 h w c^2 / (4 (2 h w c + c^2))``; it tends to ``c / 4`` when ``h w >> c``."""
    return 2 * h * w * c * c / (4 * (2 * h * w * c + c * c))


def check_pointwise_intensity(fn) -> None:
    """``fn(c, h, w)`` must equal the profiler's ``arithmetic_intensity`` of
    ``nn.Conv2d(c, c, 1, bias=False)`` on a ``1 x c x h x w`` input (relative error 1e-9)."""
    for c, h, w in [(16, 56, 56), (64, 56, 56), (256, 14, 14), (1024, 7, 7), (3, 224, 224),
                    (96, 1, 1)]:
        got = fn(c, h, w)
        want = profile(nn.Conv2d(c, c, 1, bias=False), (1, c, h, w)).arithmetic_intensity
        assert isinstance(got, int | float), f"return a number, got {type(got).__name__}"
        if not math.isclose(got, want, rel_tol=1e-9):
            hint = ("FLOPs = 2 x MACs and bytes = 4 x elements at fp32"
                    if math.isclose(got, 4 * want, rel_tol=1e-9)
                    or math.isclose(got, want / 2, rel_tol=1e-9)
                    or math.isclose(got, 2 * want, rel_tol=1e-9) else
                    "memory access = input h w c + weights c^2 + output h w c")
            raise AssertionError(f"c = {c}, h = w = {h}: got {got:.4f} FLOP/byte, the "
                                 f"profiler says {want:.4f} ({hint})")
