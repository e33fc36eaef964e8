"""Notebook 05 (squeeze-and-excitation, h-swish, MobileNetV3): exercise checks and reference
solutions.

1. ``se_as_linear(se)`` (change and prove): the same SE block with ``nn.Linear`` layers instead of
   1x1 convolutions, same weights; proved equal on outputs and parameter count.
2. ``se_cost(name, resolution)``: the parameters, MACs and memory access that all SE blocks add to
   MobileNetV3-Large or -Small, in closed form from the paper's table (no profiler).
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from ..blocks.conv import make_divisible
from ..blocks.se import SqueezeExcitation
from ..cost.formulas import conv2d_output_size
from ..cost.profiler import profile
from ..models.mobilenet_v3 import MOBILENET_V3_LARGE, MOBILENET_V3_SMALL

# --- 1. SE with linear layers ----------------------------------------------------------------


class LinearSE(nn.Module):
    """Squeeze-and-excitation written with ``nn.Linear`` on the pooled vector."""

    def __init__(self, se: SqueezeExcitation):
        super().__init__()
        c, r = se.reduce.in_channels, se.reduce.out_channels
        self.fc1, self.act = nn.Linear(c, r), se.act
        self.fc2, self.gate = nn.Linear(r, c), se.gate
        with torch.no_grad():  # a 1x1 conv weight (out, in, 1, 1) is a Linear weight (out, in)
            self.fc1.weight.copy_(se.reduce.weight.flatten(1))
            self.fc1.bias.copy_(se.reduce.bias)
            self.fc2.weight.copy_(se.expand.weight.flatten(1))
            self.fc2.bias.copy_(se.expand.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.act(self.fc1(x.mean((2, 3))))))
        return x * scale[:, :, None, None]


def solve_se_as_linear(se: SqueezeExcitation) -> nn.Module:
    """The paper's own form (SENet Eq. 3: two fully connected layers)."""
    return LinearSE(se)


def check_se_as_linear(fn) -> None:
    """``fn(se)`` must return a module without Conv2d, with Linear layers, the same parameter
    count and the same outputs as ``se``, and leave ``se`` unchanged."""
    gen = torch.Generator().manual_seed(5)
    for c, r, act, gate in [(16, 8, "relu", "hardsigmoid"), (96, 24, "relu", "sigmoid"),
                            (72, 24, "silu", "sigmoid"), (40, 10, "relu", "hardsigmoid")]:
        se = SqueezeExcitation(c, r, activation=act, gate=gate).eval()
        with torch.no_grad():
            for p in se.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        before = {k: v.clone() for k, v in se.state_dict().items()}
        where = f"SqueezeExcitation({c}, {r}, activation={act!r}, gate={gate!r})"
        got = fn(se)
        assert isinstance(got, nn.Module), f"{where}: return an nn.Module, got {type(got).__name__}"
        kinds = {type(m) for m in got.modules()}
        assert nn.Conv2d not in kinds, f"{where}: your module still has a Conv2d"
        assert nn.Linear in kinds, f"{where}: use nn.Linear layers"
        n_got, n_se = (sum(p.numel() for p in m.parameters()) for m in (got, se))
        assert n_got == n_se, f"{where}: {n_got:,} parameters, the conv version has {n_se:,}"
        x = torch.randn(3, c, 7, 5, generator=gen)
        with torch.no_grad():
            diff = (got.eval()(x) - se(x)).abs().max().item()
        assert diff < 1e-5, f"{where}: outputs differ by up to {diff:.2e}; copy both weights " \
            "(flattened to 2-D) and both biases"
        assert all(torch.equal(v, se.state_dict()[k]) for k, v in before.items()), \
            f"{where}: leave the original SE unchanged"


# --- 2. what SE adds to MobileNetV3 ----------------------------------------------------------

TABLES = {"mobilenet_v3_large": MOBILENET_V3_LARGE, "mobilenet_v3_small": MOBILENET_V3_SMALL}


def solve_se_cost(name: str, resolution: int) -> dict[str, int]:
    """Sum over the SE rows of the table, with ``h`` the map after that row's depthwise stride
    (the stem halves the input first) and ``r = make_divisible(exp // 4, 8)``:
    params ``2 exp r + r + exp``; MACs ``2 exp r``; memory access
    ``3 h^2 exp + 2 exp r + 7 exp + 5 r`` (pool reads the map; the rescale reads it and writes it;
    the two 1x1 convs, their activation and the gate move only vectors)."""
    h = conv2d_output_size(resolution, 3, 2)
    total = {"params": 0, "macs": 0, "memory_access": 0}
    for kernel, exp, _out, se, _nl, stride in TABLES[name]:
        h = conv2d_output_size(h, kernel, stride)
        if not se:
            continue
        r = make_divisible(exp // 4)
        total["params"] += 2 * exp * r + r + exp
        total["macs"] += 2 * exp * r
        total["memory_access"] += 3 * h * h * exp + 2 * exp * r + 7 * exp + 5 * r
    return total


@lru_cache(maxsize=16)
def _profiled_se_cost(name: str, resolution: int) -> tuple[int, int, int]:
    from ..models import create
    from ..se_lab import without_se

    model = create(name)
    size = (1, 3, resolution, resolution)
    on, off = profile(model, size), profile(without_se(model), size)
    return on.params - off.params, on.macs - off.macs, on.memory_access - off.memory_access


def check_se_cost(fn) -> None:
    """``fn(name, resolution)`` must equal the profiler's difference between the network and a
    copy without SE, for parameters, MACs and memory access."""
    for name, resolution in [("mobilenet_v3_small", 224), ("mobilenet_v3_large", 224),
                             ("mobilenet_v3_large", 160), ("mobilenet_v3_small", 97)]:
        got = fn(name, resolution)
        want = dict(zip(("params", "macs", "memory_access"), _profiled_se_cost(name, resolution),
                        strict=True))
        assert isinstance(got, dict), f"return a dict with keys {sorted(want)}"
        for key, value in want.items():
            assert got.get(key) == value, (
                f"{name} at {resolution}x{resolution}: {key} = {got.get(key)!r}, the profiler "
                f"counts {value:,}; check the squeeze width (make_divisible) and, for memory "
                f"access, the map size after each stride")
