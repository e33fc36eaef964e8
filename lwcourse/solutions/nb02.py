"""Notebook 02 (group convolution and channel shuffle): exercise checks and reference solutions.

1. ``shuffle_with_index(x, groups)``: channel shuffle as ONE indexing operation.
2. ``widest_width(h, w, groups, budget)``: the widest ShuffleNet unit that fits a MAC budget.
3. ``predict_connectivity(channels, g1, g2, shuffle)``: the connectivity of two stacked group
   convs, predicted without running them.
4. ``permuted_depthwise(dw, perm)`` (change and prove): move a ShuffleNet unit's channel shuffle
   after its depthwise conv-BN, as megvii's official code does, by permuting that layer's
   weights; :class:`LateShuffleUnit` builds the moved unit and the check proves equal outputs.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..blocks.shuffle import ChannelShuffle, ShuffleV1Unit, channel_shuffle
from ..connectivity import (
    chain,
    connectivity_matrix,
    group_mask,
    permutation_mask,
    shuffle_permutation,
)
from ..cost.formulas import shufflenet_unit_macs

# --- 1. channel shuffle with a single index ------------------------------------------------


def solve_shuffle_with_index(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Output channel ``i * g + k`` is input channel ``k * (C / g) + i``: build that index once
    and gather with it."""
    c = x.shape[1]
    per_group = c // groups
    index = torch.arange(c).view(groups, per_group).t().reshape(-1)  # the grid, transposed
    return x[:, index]


def check_shuffle_with_index(fn) -> None:
    """``fn(x, groups)`` must equal ``lwcourse.blocks.channel_shuffle`` on several shapes."""
    gen = torch.Generator().manual_seed(0)
    for shape, groups in [((1, 6, 1, 1), 3), ((2, 12, 3, 4), 3), ((1, 12, 2, 2), 4),
                          ((3, 16, 5, 5), 8), ((1, 10, 2, 3), 2), ((1, 5, 2, 2), 1)]:
        x = torch.randn(*shape, generator=gen)
        out = fn(x, groups)
        assert isinstance(out, torch.Tensor), f"return a tensor, got {type(out).__name__}"
        assert tuple(out.shape) == shape, \
            f"shape {tuple(out.shape)} for input {shape}: a shuffle keeps the shape"
        expected = channel_shuffle(x, groups)
        if not torch.equal(out, expected):
            got = [int(v) for v in fn(torch.arange(float(shape[1])).view(1, -1, 1, 1),
                                       groups).flatten()]
            want = [int(v) for v in channel_shuffle(torch.arange(float(shape[1])).view(
                1, -1, 1, 1), groups).flatten()]
            raise AssertionError(f"C={shape[1]}, g={groups}: channel order {got}, expected "
                                 f"{want} (output channel i*g + k is input channel k*C/g + i)")


# --- 2. the widest unit within a budget ----------------------------------------------------


def solve_widest_width(h: int, w: int, groups: int, budget: int) -> int:
    """Largest ``c``, a multiple of ``4 g``, whose stride-1 ShuffleNet unit (bottleneck
    ``m = c / 4``) costs at most ``budget`` MACs: ``hw(2cm/g + 9m) <= budget``. The cost grows
    with c, so walk up in steps of ``4 g``."""
    step = 4 * groups
    c = 0
    while shufflenet_unit_macs(h, w, c + step, (c + step) // 4, groups) <= budget:
        c += step
    return c


def check_widest_width(fn) -> None:
    """``fn(h, w, groups, budget)`` must return the widest ``c`` (multiple of 4g) in budget."""
    budget_g1 = shufflenet_unit_macs(14, 14, 288, 72, 1)  # stage 3 of the g = 1 network
    cases = [(14, 14, g, budget_g1) for g in (1, 2, 3, 4, 8)]
    cases += [(28, 28, 3, 10_000_000), (7, 7, 8, 3_000_000), (56, 56, 2, 5_000_000)]
    for h, w, g, budget in cases:
        c = fn(h, w, g, budget)
        where = f"h = w = {h}, g = {g}, budget {budget:,} MACs"
        assert isinstance(c, int), f"{where}: return an int, got {type(c).__name__}"
        assert c > 0 and c % (4 * g) == 0, \
            f"{where}: {c} is not a positive multiple of 4g = {4 * g} (m = c/4 must split " \
            f"into g groups)"
        cost = shufflenet_unit_macs(h, w, c, c // 4, g)
        assert cost <= budget, f"{where}: c = {c} costs {cost:,} MACs, over the budget"
        wider = shufflenet_unit_macs(h, w, c + 4 * g, (c + 4 * g) // 4, g)
        assert wider > budget, \
            f"{where}: c = {c} is not the widest; c = {c + 4 * g} still fits ({wider:,} MACs)"


# --- 3. predicted connectivity -------------------------------------------------------------


def solve_predict_connectivity(channels: int, g1: int, g2: int, shuffle: bool) -> torch.Tensor:
    """1x1 conv with ``g1`` groups -> (channel shuffle with ``g1`` groups) -> 3x3 conv with
    ``g2`` groups: the boolean product of the layers' masks."""
    per_group = channels // g1
    perm = [k * per_group + i for i in range(per_group) for k in range(g1)]
    middle = [permutation_mask(perm)] if shuffle else []
    return chain(group_mask(channels, channels, g1), *middle, group_mask(channels, channels, g2))


def _stack(channels: int, g1: int, g2: int, shuffle: bool) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(channels, channels, 1, groups=g1, bias=False),
                         ChannelShuffle(g1) if shuffle else nn.Identity(),
                         nn.Conv2d(channels, channels, 3, padding=1, groups=g2, bias=False))


def check_predict_connectivity(fn) -> None:
    """``fn(channels, g1, g2, shuffle)`` must equal the connectivity measured by the Jacobian
    (``lwcourse.connectivity.connectivity_matrix``) of the real stack."""
    for channels, g1, g2, shuffle in [(12, 3, 3, False), (12, 3, 3, True), (8, 2, 4, False),
                                      (8, 2, 4, True), (16, 4, 2, True), (6, 1, 3, False)]:
        got = fn(channels, g1, g2, shuffle)
        where = f"C = {channels}, g1 = {g1}, g2 = {g2}, shuffle = {shuffle}"
        assert isinstance(got, torch.Tensor), \
            f"{where}: return a tensor, got {type(got).__name__}"
        assert tuple(got.shape) == (channels, channels), \
            f"{where}: shape {tuple(got.shape)}, expected (C_out, C_in) = ({channels}, {channels})"
        measured = connectivity_matrix(_stack(channels, g1, g2, shuffle), channels)
        wrong = (got.long() != measured).nonzero().tolist()
        assert not wrong, f"{where}: {len(wrong)} entries differ from the measured " \
                          f"connectivity, first at (out, in) = {tuple(wrong[0])}"


# --- 4. change and prove: the shuffle moved after the depthwise conv -----------------------


class LateShuffleUnit(nn.Module):
    """A ShuffleNet V1 unit with its shuffle moved from after the first 1x1 conv to after the
    depthwise conv-BN (the order of megvii's official ``ShuffleV1Block``). It reuses ``unit``'s
    1x1 convs and shortcut and takes the depthwise layer ``dw`` to run before the shuffle."""

    def __init__(self, unit: ShuffleV1Unit, dw: nn.Module):
        super().__init__()
        if not isinstance(unit.shuffle, ChannelShuffle):
            raise ValueError("unit has no shuffle to move (its first 1x1 conv is dense)")
        self.pw1, self.dw, self.shuffle, self.pw2 = unit.pw1, dw, unit.shuffle, unit.pw2
        self.stride, self.act = unit.stride, unit.act
        self.shortcut = getattr(unit, "shortcut", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.pw2(self.shuffle(self.dw(self.pw1(x))))
        if self.stride == 1:
            return self.act(branch + x)
        return self.act(torch.cat((self.shortcut(x), branch), dim=1))


def solve_permuted_depthwise(dw: nn.Module, perm) -> nn.Module:
    """A depthwise conv-BN acts on each channel alone, so ``dw(x[:, perm]) == dw2(x)[:, perm]``
    when channel ``perm[j]`` of ``dw2`` holds what channel ``j`` of ``dw`` held: scatter every
    per-channel tensor (conv filter, BN weight, bias, running mean and variance) by ``perm``."""
    moved = copy.deepcopy(dw)
    index = torch.as_tensor(list(perm))
    with torch.no_grad():
        for tensor in (*moved.parameters(), *moved.buffers()):
            if tensor.dim() > 0:  # skip BN's num_batches_tracked
                tensor[index] = tensor.clone()
    return moved


def _unit_cases():
    from ..reference import randomize_

    torch.manual_seed(0)
    for c_in, c_out, g, stride in [(240, 240, 3, 1), (48, 96, 2, 2), (64, 64, 8, 1)]:
        unit = ShuffleV1Unit(c_in, c_out, groups=g, stride=stride)
        yield randomize_(unit, input_size=(2, c_in, 12, 12)), (c_in, g, stride)


def check_permuted_depthwise(fn) -> None:
    """``fn(dw, perm)`` must return a new depthwise conv-BN such that the unit with the shuffle
    moved after it (:class:`LateShuffleUnit`) has the same outputs as the original unit, and
    must leave ``dw`` itself unchanged."""
    for unit, (c_in, g, stride) in _unit_cases():
        where = f"unit {c_in} channels, g = {g}, stride {stride}"
        before = {k: v.clone() for k, v in unit.dw.state_dict().items()}
        perm = shuffle_permutation(unit.dw.conv.in_channels, g)
        moved = fn(unit.dw, perm)
        assert isinstance(moved, nn.Module), f"{where}: return a module, got {type(moved).__name__}"
        assert all(torch.equal(before[k], v) for k, v in unit.dw.state_dict().items()), \
            f"{where}: the original depthwise layer was modified; copy it first"
        late = LateShuffleUnit(unit, moved).eval()
        x = torch.randn(2, c_in, 12, 12, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            diff = (late(x) - unit.eval()(x)).abs().max().item()
        assert diff <= 1e-5, (
            f"{where}: outputs differ by up to {diff:.3g}; permute every per-channel tensor "
            f"(conv weight, BN weight, bias, running mean, running var) so that new channel "
            f"perm[j] holds old channel j")
