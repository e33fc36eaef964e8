"""Notebook 09 (training): exercise checks and reference solutions.

1. ``width_for_macs(target_macs, resolution)``: the ``tiny_net`` width whose MACs are closest to
   a budget (the "wider" arm of an equal-MACs scaling study).
2. ``sharded_gradient(model, x, y, world_size)`` (change-and-prove): the gradient that
   DistributedDataParallel computes from ``world_size`` equal shards of a batch; prove it equals
   the one-process gradient of the whole batch.
3. ``undo_bottleneck_activation(model)`` (change-and-prove): turn a network changed by
   ``swap_bottleneck_activation`` back into the linear-bottleneck original; prove the same
   outputs on the same weights and the same parameter count.
"""

from __future__ import annotations

import copy
from functools import lru_cache

import torch
from torch import nn

from ..blocks import InvertedResidual
from ..cost.profiler import profile
from ..train_experiments import swap_bottleneck_activation, tiny_net

# --- 1. equal-MACs width ----------------------------------------------------------------------


@lru_cache(maxsize=512)
def _tiny_macs(width: int, resolution: int) -> int:
    return profile(tiny_net(width=width), (1, 3, resolution, resolution)).macs


def solve_width_for_macs(target_macs: int, resolution: int = 32) -> int:
    """The integer width in 1..128 whose MACs are closest to the target (ties: narrower).
    MACs grow with width (about as width² for the 1x1 convs, plus width for the depthwise
    ones), so no closed form rounds right every time: bisect for the first width at or above
    the target with the profiler, then keep it or its narrower neighbour."""
    lo, hi = 1, 128
    while lo < hi:
        mid = (lo + hi) // 2
        if _tiny_macs(mid, resolution) < target_macs:
            lo = mid + 1
        else:
            hi = mid
    candidates = [w for w in (lo - 1, lo) if w >= 1]
    return min(candidates, key=lambda w: (abs(_tiny_macs(w, resolution) - target_macs), w))


def check_width_for_macs(fn) -> None:
    """``fn(target_macs, resolution)`` must return the width with the closest MACs."""
    deeper = profile(tiny_net(depth=2), (1, 3, 32, 32)).macs
    for target, resolution in ((deeper, 32), (2_000_000, 32), (5_000_000, 48), (700_000, 16)):
        got = fn(target, resolution)
        want = solve_width_for_macs(target, resolution)
        assert isinstance(got, int), f"return an int width, got {got!r}"
        assert got == want, (f"target {target:,} MACs at {resolution}x{resolution}: width {got} "
                             f"costs {_tiny_macs(got, resolution):,}, width {want} costs "
                             f"{_tiny_macs(want, resolution):,} (closer)")


# --- 2. data-parallel gradient ----------------------------------------------------------------


def _grads(model: nn.Module) -> list[torch.Tensor]:
    return [p.grad.detach().clone() for p in model.parameters()]


def solve_sharded_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                           world_size: int) -> list[torch.Tensor]:
    """Each "rank" takes an equal slice, computes the mean loss on it and its gradient; the
    all-reduce then *averages* the gradients over ranks (DDP divides the sum by world_size)."""
    shards = []
    for xs, ys in zip(x.chunk(world_size), y.chunk(world_size), strict=True):
        model.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(xs), ys).backward()
        shards.append(_grads(model))
    return [torch.stack(g).mean(0) for g in zip(*shards, strict=True)]


def check_sharded_gradient(fn) -> None:
    """``fn(model, x, y, world_size)`` must return per-parameter gradients equal to the
    whole-batch gradient (a BN-free model: BN statistics would differ per shard)."""
    gen = torch.Generator().manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 5))
    x, y = torch.randn(12, 3, 8, 8, generator=gen), torch.randint(0, 5, (12,), generator=gen)
    model.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(model(x), y).backward()
    whole = _grads(model)
    for world_size in (2, 3, 4):
        got = fn(copy.deepcopy(model), x, y, world_size)
        assert len(got) == len(whole), "return one gradient per parameter"
        for g, w in zip(got, whole, strict=True):
            assert torch.allclose(g, w, atol=1e-6), (
                f"world_size={world_size}: gradient differs from the whole batch's by "
                f"{(g - w).abs().max().item():.3g} (sum or average over ranks?)")


# --- 3. undo the non-linear bottleneck --------------------------------------------------------


def solve_undo_bottleneck_activation(model: nn.Module) -> nn.Module:
    """Every inverted residual whose ``project`` became ``Sequential(project, act)`` gets its
    original projection back; nothing else changes (the expand and depthwise ReLU6 stay)."""
    for block in model.modules():
        if isinstance(block, InvertedResidual) and isinstance(block.project, nn.Sequential):
            block.project = block.project[0]
    return model


def check_undo_bottleneck_activation(fn) -> None:
    """``fn(swapped)`` must give back a network with the original's outputs and parameters."""
    torch.manual_seed(0)
    original = tiny_net(width=8).eval()
    x = torch.randn(4, 3, 32, 32)
    swapped = swap_bottleneck_activation(copy.deepcopy(original))
    with torch.no_grad():
        assert not torch.allclose(swapped(x), original(x)), "setup: the swap must change outputs"
        restored = fn(swapped)
        assert isinstance(restored, nn.Module), "return the model"
        n_orig = sum(p.numel() for p in original.parameters())
        n_rest = sum(p.numel() for p in restored.parameters())
        assert n_rest == n_orig, f"parameter count {n_rest:,} != original {n_orig:,}"
        diff = (restored.eval()(x) - original(x)).abs().max().item()
        assert diff == 0.0, f"outputs differ from the linear-bottleneck original by {diff:.3g}"
