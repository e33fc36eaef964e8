"""Notebook 06 (ghost modules, GhostNet): exercise checks and reference solutions."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..blocks.ghost import GhostModule
from ..cost import profile

# --- Exercise 1 (change and prove): a ghost module is a conv with structured weights ----------

_EXERCISE1_CASES = [  # (c_in, c_out, s, d)
    (8, 16, 2, 3), (6, 12, 3, 3), (5, 7, 3, 5), (4, 10, 4, 1), (16, 24, 2, 5),
]


def _bn_affine(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Inference BatchNorm as ``scale * x + shift`` per channel."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


@torch.no_grad()
def solve_ghost_as_conv(module: GhostModule) -> nn.Conv2d:
    """One ``d x d`` conv (with bias) equal to a linear GhostModule in eval mode whose primary
    BatchNorm has no shift. Intrinsic map ``i`` = ``a1_i W1_i . x``: its filter sits at the
    centre of the ``d x d`` kernel. Ghost ``o`` comes from intrinsic ``i = o // (s - 1)``:
    filter ``a2_o Wd_o[u, v] a1_i W1_i`` at every offset ``(u, v)``, bias ``b2_o``."""
    primary, cheap = module.primary, module.cheap
    w1 = primary.conv.weight[:, :, 0, 0]  # (m, c_in)
    a1, b1 = _bn_affine(primary.bn)
    if b1.abs().max() > 1e-6:
        raise ValueError("the primary BatchNorm has a shift: zero padding of the intrinsic maps "
                         "then differs from zero padding of the input at the border")
    wd = cheap.conv.weight[:, 0]  # ((s - 1) m, d, d)
    a2, b2 = _bn_affine(cheap.bn)
    m, c_in, d = w1.shape[0], w1.shape[1], wd.shape[-1]
    source = torch.arange(wd.shape[0]) // (wd.shape[0] // m)  # intrinsic map of each ghost
    intrinsic = a1[:, None] * w1  # (m, c_in)
    weight = torch.zeros(m + wd.shape[0], c_in, d, d)
    weight[:m, :, d // 2, d // 2] = intrinsic
    weight[m:] = (a2[:, None, None, None] * wd[:, None] * intrinsic[source][:, :, None, None])
    conv = nn.Conv2d(c_in, module.out_channels, d, padding=d // 2, bias=True)
    conv.weight.copy_(weight[: module.out_channels])
    conv.bias.copy_(torch.cat((b1, b2))[: module.out_channels])
    return conv


def _exercise1_module(c_in: int, c_out: int, s: int, d: int, seed: int) -> GhostModule:
    gen = torch.Generator().manual_seed(seed)
    module = GhostModule(c_in, c_out, ratio=s, cheap_kernel_size=d, activation=None)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
        for bn in (module.primary.bn, module.cheap.bn):
            bn.running_mean.copy_(torch.randn(bn.num_features, generator=gen))
            bn.running_var.copy_(torch.rand(bn.num_features, generator=gen) + 0.5)
        # no shift in the primary BN (see solve_ghost_as_conv): beta = mean * scale
        bn = module.primary.bn
        bn.bias.copy_(bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps))
    return module.eval()


def check_ghost_as_conv(fn) -> None:
    """``fn(module) -> nn.Conv2d`` equal to the module on random inputs, for several
    ``(C_in, C_out, s, d)``, including ``C_out`` not divisible by ``s``."""
    for seed, (c_in, c_out, s, d) in enumerate(_EXERCISE1_CASES):
        module = _exercise1_module(c_in, c_out, s, d, seed)
        conv = fn(module)
        assert isinstance(conv, nn.Conv2d), f"return an nn.Conv2d; got {type(conv).__name__}"
        assert conv.in_channels == c_in and conv.out_channels == c_out, (
            f"C_in={c_in}, C_out={c_out}: your conv maps {conv.in_channels} -> "
            f"{conv.out_channels} channels")
        assert conv.kernel_size == (d, d) and conv.groups == 1, (
            f"d={d}: an ordinary (groups=1) {d}x{d} conv is needed; got kernel "
            f"{conv.kernel_size}, groups {conv.groups}")
        x = torch.randn(2, c_in, 9, 11, generator=torch.Generator().manual_seed(100 + seed))
        with torch.no_grad():
            want, got = module(x), conv.eval()(x)
        assert got.shape == want.shape, f"output shape {tuple(got.shape)}, want {tuple(want.shape)}"
        diff = (got - want).abs().max().item()
        assert diff < 1e-4 * max(1.0, want.abs().max().item()), (
            f"(C_in, C_out, s, d) = {(c_in, c_out, s, d)}: outputs differ by {diff:.3g}. "
            f"Hints: fold both BatchNorms (scale = gamma / sqrt(var + eps)); ghost o comes from "
            f"intrinsic map o // (s - 1); the padding must keep the size")


# --- Exercise 2: memory access of the ghost module -----------------------------------------


def solve_ghost_module_memory_access(c_in: int, c_out: int, h: int, w: int, s: int = 2,
                                     d: int = 3, batch: int = 1) -> int:
    """Unfused elements read + written by ``GhostModule(c_in, c_out, ratio=s,
    cheap_kernel_size=d)`` (ReLU) on an ``(batch, c_in, h, w)`` input, ``m = ceil(c_out / s)``:
    primary conv ``N hw (c_in + m) + m c_in``; cheap conv ``N hw s m + (s - 1) m d^2``; each
    BN ``2 N hw c + 4 c`` and in-place ReLU ``2 N hw c`` on its ``c`` maps; the concat reads
    ``s m`` maps and writes them again, ``2 N hw s m``. The final slice is a view: free."""
    m = math.ceil(c_out / s)
    hw, ghosts = batch * h * w, (s - 1) * m
    convs = hw * (c_in + m) + m * c_in + hw * (m + ghosts) + ghosts * d * d
    bn_relu = sum(4 * hw * c + 4 * c for c in (m, ghosts))
    return convs + bn_relu + 2 * hw * s * m


_EXERCISE2_CASES = [  # (c_in, c_out, h, w, s, d, batch)
    (16, 32, 8, 8, 2, 3, 1), (16, 7, 8, 8, 3, 5, 2), (24, 72, 56, 56, 2, 3, 1),
    (40, 120, 28, 28, 4, 1, 1), (96, 50, 7, 5, 3, 3, 3),
]


def check_ghost_module_memory_access(fn) -> None:
    """``fn(c_in, c_out, h, w, s, d, batch) -> int`` against the profiler's count."""
    for c_in, c_out, h, w, s, d, batch in _EXERCISE2_CASES:
        module = GhostModule(c_in, c_out, ratio=s, cheap_kernel_size=d)
        want = profile(module, (batch, c_in, h, w)).memory_access
        got = fn(c_in, c_out, h, w, s, d, batch)
        assert isinstance(got, int), f"return an int; got {type(got).__name__}"
        assert got == want, (
            f"(c_in, c_out, h, w, s, d, batch) = {(c_in, c_out, h, w, s, d, batch)}: you say "
            f"{got:,}, the profiler counts {want:,} ({got - want:+,}). Hints: m = ceil(c_out / "
            f"s); BN reads 4 vectors; the concat reads and writes s m maps")
