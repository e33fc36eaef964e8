"""Notebook 08 (capstone survey): exercise checks and reference solutions.

1. ``mixconv_as_grouped(mixconv)`` (change and prove): MixNet's split 1x1 (a ``MixConv`` with
   kernel sizes ``(1, 1)`` and equal splits) as one grouped ``nn.Conv2d`` with the same weights;
   proved equal on outputs and parameters, and lower in memory access (no split, no concat).
2. ``pareto_models(rows, cost)``: the models on the accuracy-vs-``cost`` Pareto front of survey
   rows (lower cost and higher paper top-1 win), cheapest first.
"""

from __future__ import annotations

import torch
from torch import nn

from ..blocks.mixconv import MixConv
from ..cost.profiler import profile
from ..plot import pareto_front

# --- 1. the split 1x1 as a grouped conv ------------------------------------------------------


def solve_mixconv_as_grouped(mixconv: MixConv) -> nn.Conv2d:
    """One ``nn.Conv2d`` with ``groups = len(mixconv.convs)`` holding the groups' weights."""
    groups = len(mixconv.convs)
    conv = nn.Conv2d(mixconv.in_channels, mixconv.out_channels, 1, groups=groups, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([c.weight for c in mixconv.convs]))
    return conv


def check_mixconv_as_grouped(fn) -> None:
    """``fn(mixconv)`` must return one Conv2d with the same outputs and parameters, and less
    memory access than the split-convolve-concatenate original."""
    torch.manual_seed(0)
    for c_in, c_out in ((8, 12), (16, 16)):
        mix = MixConv(c_in, c_out, kernel_sizes=(1, 1))
        got = fn(mix)
        where = f"MixConv({c_in}, {c_out}, kernel_sizes=(1, 1))"
        assert isinstance(got, nn.Conv2d), f"{where}: return one nn.Conv2d, got {type(got)}"
        assert got.groups == 2, f"{where}: the conv needs groups=2, got {got.groups}"
        n = sum(p.numel() for p in got.parameters())
        want = sum(p.numel() for p in mix.parameters())
        assert n == want, f"{where}: {n} parameters, the MixConv has {want} (bias=False?)"
        x = torch.randn(2, c_in, 5, 5)
        with torch.no_grad():
            assert torch.allclose(got(x), mix(x), atol=1e-5), (
                f"{where}: outputs differ; stack the groups' weights in order along dim 0")
        size = (1, c_in, 28, 28)
        assert profile(got, size).memory_access < profile(mix, size).memory_access, (
            f"{where}: the grouped conv should read and write less than split + concat")


# --- 2. the Pareto front of survey rows ------------------------------------------------------


def solve_pareto_models(rows: list[dict], cost: str) -> list[str]:
    rows = [r for r in rows if r["paper_top1"] is not None]
    front = pareto_front([r[cost] for r in rows], [r["paper_top1"] for r in rows])
    return [rows[i]["model"] for i in front]


def check_pareto_models(fn) -> None:
    """``fn(rows, cost)`` must return the front's model names, cheapest first, skipping rows
    without a paper top-1."""
    rows = [
        {"model": "a", "macs": 100, "median_ms": 9.0, "paper_top1": 70.0},
        {"model": "b", "macs": 200, "median_ms": 3.0, "paper_top1": 75.0},
        {"model": "c", "macs": 150, "median_ms": 5.0, "paper_top1": 69.0},  # beaten by a
        {"model": "d", "macs": 400, "median_ms": 8.0, "paper_top1": 78.0},
        {"model": "e", "macs": 50, "median_ms": 1.0, "paper_top1": None},  # no accuracy
    ]
    for cost, want in (("macs", ["a", "b", "d"]), ("median_ms", ["b", "d"])):
        got = fn(rows, cost)
        assert list(got) == want, (f"front by {cost}: got {got}, want {want} (lower cost and "
                                   "higher top-1 win; skip rows without top-1)")
