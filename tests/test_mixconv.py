"""MixConv: the channel split, the kernels per group, and equality with a single conv."""

import torch
from torch import nn

from lwcourse.blocks import MixConv, MixInvertedResidual, split_channels


def test_split_gives_the_remainder_to_the_first_group():
    assert split_channels(40, 3) == [14, 13, 13]
    assert split_channels(120, 4) == [30, 30, 30, 30]


def test_each_group_gets_its_kernel_and_the_shape_is_kept():
    conv = MixConv(40, 40, kernel_sizes=(3, 5, 7), stride=2, depthwise=True)
    assert [c.kernel_size[0] for c in conv.convs] == [3, 5, 7]
    assert [c.groups for c in conv.convs] == [14, 13, 13]
    assert conv(torch.randn(1, 40, 16, 16)).shape == (1, 40, 8, 8)


def test_one_kernel_is_an_ordinary_conv():
    conv = MixConv(8, 16, kernel_sizes=(3,))
    ref = nn.Conv2d(8, 16, 3, padding=1, bias=False)
    ref.weight.data.copy_(conv.convs[0].weight)
    x = torch.randn(2, 8, 9, 9)
    torch.testing.assert_close(conv(x), ref(x))


def test_two_one_by_one_groups_equal_a_grouped_conv():
    conv = MixConv(8, 12, kernel_sizes=(1, 1))
    ref = nn.Conv2d(8, 12, 1, groups=2, bias=False)
    ref.weight.data.copy_(torch.cat([c.weight for c in conv.convs]))
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(conv(x), ref(x))


def test_the_block_keeps_its_expansion_at_one_and_adds_the_input():
    block = MixInvertedResidual(16, 16, expansion=1).eval()
    assert block.expand is not None and block.use_residual
    assert block(torch.randn(1, 16, 8, 8)).shape == (1, 16, 8, 8)
