"""Notebook 10 (deployment): exercise checks and reference solutions.

1. ``fold_by_hand(block)`` (change and prove): fold the BatchNorm of one ``ConvBNAct`` block into
   its convolution by hand; proved equal to ``lw.deploy.fold_bn`` on weights and outputs.
2. ``bn_memory_access(model, input_size)``: predict how many elements of memory access folding
   every BN saves (each folded BN reads its input and writes its output, plus its 2 per-channel
   parameters and 2 statistics); checked against the profiler.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..blocks import ConvBNAct
from ..cost.profiler import profile
from ..deploy import FOLD_TOLERANCE, fold_bn
from ..reference import randomize_

# --- 1. fold one block by hand ----------------------------------------------------------------


def solve_fold_by_hand(block: ConvBNAct) -> ConvBNAct:
    """W' = W * gamma / sqrt(var + eps); b' = beta - mean * gamma / sqrt(var + eps)."""
    folded = copy.deepcopy(block)
    conv, bn = folded.conv, folded.bn
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv.weight.mul_(scale[:, None, None, None])
        conv.bias = nn.Parameter(bn.bias - bn.running_mean * scale)
    folded.bn = nn.Identity()
    return folded


def _blocks() -> list[ConvBNAct]:
    torch.manual_seed(10)
    blocks = [ConvBNAct(3, 16, kernel_size=3, stride=2), ConvBNAct(16, 16, kernel_size=3,
                                                                   groups=16),
              ConvBNAct(16, 24, kernel_size=1, activation=None)]
    return [randomize_(b, input_size=(4, b.conv.in_channels, 12, 12)).eval() for b in blocks]


def check_fold_by_hand(fn) -> None:
    """``fn(block)`` must return a block without BatchNorm whose conv has ``fold_bn``'s weights
    and whose outputs equal the block's, leaving the block unchanged."""
    for block in _blocks():
        before = {k: v.clone() for k, v in block.state_dict().items()}
        folded = fn(block)
        assert all(torch.equal(before[k], v) for k, v in block.state_dict().items()), \
            "the block given was modified: work on a copy (copy.deepcopy)"
        assert isinstance(folded, nn.Module), "return the folded block (an nn.Module)"
        assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules()), \
            "the folded block still contains a BatchNorm2d: replace it by nn.Identity()"
        x = torch.randn(2, block.conv.in_channels, 12, 12,
                        generator=torch.Generator().manual_seed(0))
        expected = fold_bn(block, x)
        with torch.no_grad():
            diff = float((folded(x) - block(x)).abs().max())
        assert diff <= FOLD_TOLERANCE, (
            f"outputs differ from the unfolded block by {diff:.3g}: check the scale "
            f"gamma / sqrt(var + eps) and the bias beta - mean * scale")
        assert torch.allclose(folded.conv.weight, expected.conv.weight, atol=1e-6), \
            "the conv weights differ from lw.deploy.fold_bn's"


# --- 2. predict the memory access saved --------------------------------------------------------


def solve_bn_memory_access(model: nn.Module, input_size) -> int:
    """Sum over BN layers of input + output + 4 per-channel tensors (gamma, beta, mean, var);
    the conv gains a bias of C_out elements."""
    saved = 0

    def hook(module, inputs, output):
        nonlocal saved
        saved += inputs[0].numel() + output.numel() + 4 * module.num_features
        saved -= module.num_features  # the folded conv reads its new bias

    hooks = [m.register_forward_hook(hook) for m in model.modules()
             if isinstance(m, nn.BatchNorm2d)]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(input_size))
    finally:
        for h in hooks:
            h.remove()
    return saved


def check_bn_memory_access(fn) -> None:
    """``fn(model, input_size)`` must equal the profiler's drop in memory access from folding
    (for conv-BN models whose convs have no bias)."""
    from ..models import create

    for name, size in [("mobilenet_v2", (1, 3, 64, 64)), ("shufflenet_v2_x0_5", (2, 3, 64, 64))]:
        model = create(name, num_classes=10).eval()
        truth = profile(model, size).memory_access - profile(model, size,
                                                             fold_bn=True).memory_access
        got = fn(model, size)
        assert got == truth, (f"{name} at {size}: you predict {got:,} elements saved, the "
                              f"profiler counts {truth:,}")
