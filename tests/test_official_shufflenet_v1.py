"""Our ShuffleNet V1 unit against megvii's official block (``tests/official``).

The two differ in where the shuffle sits (ours after the first 1x1 conv, as in the paper's
Fig. 2; the official code after the depthwise conv-BN), in the permutation (the official one is
the inverse of the paper's), and in the network's first unit (the official code shuffles there
too). None of this changes the function the unit can compute: with the channels of the first 1x1
conv and of the depthwise conv relabelled, and the second 1x1 conv's inputs relabelled inside
their groups, our weights give the official block the same outputs.
"""

import pytest
import torch
from official.megvii_shufflenet_v1 import ShuffleV1Block

from lwcourse.blocks import ShuffleV1Unit
from lwcourse.connectivity import group_counts, inverse_permutation, shuffle_permutation
from lwcourse.models import create
from lwcourse.reference import assert_same_outputs, randomize_


def official_permutation(channels, groups):
    """The official channel_shuffle as an index: ``x[:, perm]``."""
    return inverse_permutation(shuffle_permutation(channels, groups))


def relabelling(unit, groups):
    """(r1, r2): official pw1 channel j is our pw1 channel r1[j]; official pw2 input p is our
    pw2 input r2[p], both inside their groups."""
    m = unit.dw.conv.in_channels
    g1 = unit.pw1.conv.groups
    ours = shuffle_permutation(m, groups) if g1 > 1 else list(range(m))  # pos p <- pw1 ch.
    theirs = official_permutation(m, groups) if groups > 1 else list(range(m))
    size1, size2 = m // g1, m // groups
    r2 = [0] * m
    for b in range(groups):
        positions = range(b * size2, (b + 1) * size2)
        mine = sorted(positions, key=lambda p: ours[p] // size1)  # stable: by pw1 group
        official = sorted(positions, key=lambda p: theirs[p] // size1)
        assert [ours[p] // size1 for p in mine] == [theirs[p] // size1 for p in official]
        for p_official, p_mine in zip(official, mine, strict=True):
            r2[p_official] = p_mine
    r1 = [0] * m
    for p in range(m):
        r1[theirs[p]] = ours[r2[p]]
    return r1, r2


@torch.no_grad()
def official_from_ours(unit, groups, first_group):
    c_in, c_out = unit.in_channels, unit.out_channels
    block = ShuffleV1Block(c_in, c_out, group=groups, first_group=first_group,
                           mid_channels=c_out // 4, ksize=3, stride=unit.stride)
    r1, r2 = relabelling(unit, groups)
    theirs = official_permutation(len(r2), groups) if groups > 1 else list(range(len(r2)))
    dw_index = [0] * len(r2)  # official dw channel theirs[p] is our dw channel r2[p]
    for p, q in enumerate(theirs):
        dw_index[q] = r2[p]
    pw1, bn1, _, dw, bn2 = block.branch_main_1
    pw2, bn3 = block.branch_main_2

    def copy_bn(dst, src, index):
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(dst, name).copy_(getattr(src, name)[index])

    pw1.weight.copy_(unit.pw1.conv.weight[r1])
    copy_bn(bn1, unit.pw1.bn, r1)
    dw.weight.copy_(unit.dw.conv.weight[dw_index])
    copy_bn(bn2, unit.dw.bn, dw_index)
    size2 = len(r2) // groups
    for b in range(groups):  # inputs of pw2's group b, relabelled inside the group
        rows = slice(b * pw2.out_channels // groups, (b + 1) * pw2.out_channels // groups)
        local = [r2[b * size2 + j] - b * size2 for j in range(size2)]
        pw2.weight[rows] = unit.pw2.conv.weight[rows][:, local]
    copy_bn(bn3, unit.pw2.bn, slice(None))
    return block.eval()


CASES = [  # (c_in, c_out, groups, stride, first unit of the network)
    (240, 240, 3, 1, False), (240, 480, 3, 2, False), (24, 240, 3, 2, True),
    (480, 480, 3, 1, False), (200, 200, 2, 1, False), (272, 272, 4, 1, False),
    (768, 768, 8, 1, False), (24, 384, 8, 2, True), (144, 144, 1, 1, False),
    (24, 144, 1, 2, True),
]


@pytest.mark.parametrize(("c_in", "c_out", "groups", "stride", "first"), CASES)
def test_unit_equals_official_block(c_in, c_out, groups, stride, first):
    unit = randomize_(ShuffleV1Unit(c_in, c_out, groups=groups, stride=stride,
                                    group_first_conv=not first), input_size=(2, c_in, 14, 14))
    official = official_from_ours(unit, groups, first)
    assert sum(p.numel() for p in official.parameters()) == \
        sum(p.numel() for p in unit.parameters())
    # a unit's input always follows a ReLU: the official stride-2 unit applies its ReLU to the
    # branch only, ours to the concatenation, which is the same on a non-negative input
    x = torch.randn(2, c_in, 14, 14).relu()
    assert_same_outputs(unit, official, x, atol=1e-4)


@pytest.mark.parametrize(("mid", "groups"), [(136, 4), (96, 8)])
def test_some_widths_wire_groups_differently(mid, groups):
    """At 1x, g = 4 stage 3 (bottleneck 136) and g = 8 stage 2 (96): C/g is not a multiple of
    g, the two shuffles send different numbers of channels between some pairs of groups, and no
    relabelling inside the groups can make the units equal. Both still connect every pair."""
    ours = group_counts(shuffle_permutation(mid, groups), groups)
    official = group_counts(official_permutation(mid, groups), groups)
    assert not torch.equal(ours, official)
    assert bool((ours > 0).all()) and bool((official > 0).all())
    unit = ShuffleV1Unit(4 * mid, 4 * mid, groups=groups)
    with pytest.raises(AssertionError):
        relabelling(unit, groups)


def test_without_relabelling_the_outputs_differ():
    unit = randomize_(ShuffleV1Unit(240, 240, groups=3), input_size=(2, 240, 14, 14))
    official = official_from_ours(unit, 3, False)
    pw1 = official.branch_main_1[0]
    with torch.no_grad():
        pw1.weight.copy_(unit.pw1.conv.weight)  # our weights in our order: wrong wiring
    with pytest.raises(AssertionError):
        assert_same_outputs(unit, official, torch.randn(2, 240, 14, 14).relu(), atol=1e-4)


def test_official_shuffle_is_the_inverse_shuffle():
    x = torch.randn(1, 12, 2, 2)
    block = ShuffleV1Block(12, 12, group=3, first_group=False, mid_channels=3, ksize=3, stride=1)
    assert torch.equal(block.channel_shuffle(x), x[:, official_permutation(12, 3)])
    assert official_permutation(12, 3) == shuffle_permutation(12, 4)  # a shuffle with C/g groups


def test_registry_network_matches_official_stack():
    model = randomize_(create("shufflenet_v1", groups=3), input_size=(1, 3, 64, 64)).eval()
    x = model.stem(torch.randn(1, 3, 64, 64))
    for stage_index, stage in enumerate(model.stages):
        for i, unit in enumerate(stage):
            official = official_from_ours(unit, 3, first_group=stage_index == 0 and i == 0)
            with torch.no_grad():
                want = unit(x)
            assert_same_outputs(unit, official, x, atol=1e-5 * float(want.abs().max()))
            x = want
