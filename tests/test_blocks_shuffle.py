"""Group-conv blocks: channel shuffle, ShuffleNet V1/V2 units, Ghost blocks, ResNeXt bottleneck."""

import pytest
import torch
from torch import nn

from lwcourse.blocks import (
    ChannelShuffle,
    GhostBottleneck,
    GhostModule,
    ResNeXtBottleneck,
    ShuffleV1Unit,
    ShuffleV2Unit,
    channel_shuffle,
    make_divisible,
)
from lwcourse.reference import assert_same_model, n_params

# --- channel shuffle -----------------------------------------------------------------------

@pytest.mark.parametrize("channels,groups", [(12, 3), (12, 4), (8, 2), (24, 8), (5, 1)])
def test_channel_shuffle_is_the_grid_transpose(channels, groups):
    torch.manual_seed(0)
    x = torch.randn(2, channels, 3, 4)
    per_group = channels // groups
    # output channel i * groups + g is input channel g * per_group + i
    perm = [g * per_group + i for i in range(per_group) for g in range(groups)]
    assert torch.equal(channel_shuffle(x, groups), x[:, perm])
    assert torch.equal(ChannelShuffle(groups)(x), x[:, perm])


def test_channel_shuffle_small_example():
    x = torch.arange(6.0).view(1, 6, 1, 1)  # groups (0 1) (2 3) (4 5)
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


@pytest.mark.parametrize("channels,groups", [(12, 3), (24, 8), (10, 2)])
def test_channel_shuffle_inverse_is_shuffle_with_the_other_factor(channels, groups):
    torch.manual_seed(0)
    x = torch.randn(1, channels, 2, 2)
    shuffled = channel_shuffle(x, groups)
    assert not torch.equal(shuffled, x)
    assert torch.equal(channel_shuffle(shuffled, channels // groups), x)
    assert shuffled.is_contiguous()


def test_channel_shuffle_module_shows_its_groups():
    assert "groups=3" in repr(ChannelShuffle(3))


# --- ShuffleNet V1 unit ----------------------------------------------------------------------

def test_shuffle_v1_unit_stride1_shape_and_params():
    unit = ShuffleV1Unit(240, 240, groups=3)
    y = unit(torch.randn(2, 240, 7, 7))
    assert y.shape == (2, 240, 7, 7) and (y >= 0).all()
    mid = 60  # out / 4
    convs = 240 * mid // 3 + mid * 9 + mid * 240 // 3
    assert n_params(unit) == convs + 2 * (mid + mid + 240)  # + BN weight and bias
    assert isinstance(unit.shuffle, ChannelShuffle) and unit.shortcut is None


def test_shuffle_v1_unit_stride2_concatenates_the_pooled_input():
    torch.manual_seed(0)
    unit = ShuffleV1Unit(240, 480, groups=3, stride=2).eval()
    assert unit.pw2.conv.out_channels == 240  # out - in
    x = torch.randn(1, 240, 14, 14).relu()
    y = unit(x)
    assert y.shape == (1, 480, 7, 7)
    pooled = nn.functional.avg_pool2d(x, 3, 2, 1)
    assert torch.allclose(y[:, :240], pooled)  # shortcut channels come first


def test_shuffle_v1_first_unit_has_dense_first_conv():
    unit = ShuffleV1Unit(24, 240, groups=3, stride=2, group_first_conv=False)
    assert unit.pw1.conv.groups == 1 and unit.shuffle is None
    assert unit.pw2.conv.groups == 3
    assert unit(torch.randn(1, 24, 8, 8)).shape == (1, 240, 4, 4)




# --- ShuffleNet V2 unit ----------------------------------------------------------------------

@pytest.mark.parametrize("in_channels,out_channels,stride", [(116, 116, 1), (24, 116, 2)])
def test_shuffle_v2_unit_equals_torchvision(in_channels, out_channels, stride):
    from torchvision.models.shufflenetv2 import InvertedResidual

    torch.manual_seed(0)
    ref = InvertedResidual(in_channels, out_channels, stride)
    ours = ShuffleV2Unit(in_channels, out_channels, stride=stride)
    assert_same_model(ours, ref, (2, in_channels, 8, 8))
    assert (ours.branch1 is None) == (stride == 1)
    assert ours(torch.randn(1, in_channels, 8, 8)).shape == (1, out_channels, 8 // stride,
                                                            8 // stride)


def test_shuffle_v2_unit_basic_keeps_left_half():
    torch.manual_seed(0)
    unit = ShuffleV2Unit(8, 8).eval()
    x = torch.randn(1, 8, 4, 4)
    y = unit(x)
    # after the 2-group shuffle, the untouched left half sits in the even channels
    assert torch.equal(y[:, 0::2], x[:, :4])




# --- Ghost blocks ------------------------------------------------------------------------------

def test_ghost_module_channels_and_slice():
    m = GhostModule(16, 7, ratio=3)  # m = ceil(7 / 3) = 3 intrinsic, 6 ghosts, keep 7
    assert m.primary.conv.out_channels == 3
    assert m.cheap.conv.out_channels == 6 and m.cheap.conv.groups == 3
    assert m(torch.randn(2, 16, 5, 5)).shape == (2, 7, 5, 5)
    assert not hasattr(GhostModule(8, 8, activation=None).primary, "act")


@pytest.mark.parametrize("out_channels", [24, 25])
def test_ghost_module_equals_timm(out_channels):
    from timm.models.ghostnet import GhostModule as TimmGhostModule

    torch.manual_seed(0)
    assert_same_model(GhostModule(16, out_channels), TimmGhostModule(16, out_channels),
                      (2, 16, 6, 6))




@pytest.mark.parametrize("args", [
    (16, 16, 16, 3, 1, 0.0),  # identity shortcut
    (24, 72, 40, 5, 2, 0.25),  # stride 2, SE, conv shortcut
    (80, 480, 112, 3, 1, 0.25),  # stride 1, SE, channel change
])
def test_ghost_bottleneck_equals_timm(args):
    from timm.models.ghostnet import GhostBottleneck as TimmGhostBottleneck

    torch.manual_seed(0)
    c_in, mid, out, k, s, se = args
    ref = TimmGhostBottleneck(c_in, mid, out, k, s, se_ratio=se)
    ours = GhostBottleneck(c_in, out, mid_channels=mid, kernel_size=k, stride=s,
                           se_channels=make_divisible(mid * se, 4) if se else None)
    assert_same_model(ours, ref, (2, c_in, 8, 8))
    assert ours(torch.randn(1, c_in, 8, 8)).shape == (1, out, 8 // s, 8 // s)




# --- ResNeXt bottleneck ------------------------------------------------------------------------

@pytest.mark.parametrize("c_in,planes,stride", [(64, 64, 1), (256, 64, 1), (256, 128, 2)])
def test_resnext_bottleneck_equals_torchvision(c_in, planes, stride):
    from torchvision.models.resnet import Bottleneck

    torch.manual_seed(0)
    out = planes * 4
    downsample = None
    if stride != 1 or c_in != out:
        downsample = nn.Sequential(nn.Conv2d(c_in, out, 1, stride, bias=False),
                                   nn.BatchNorm2d(out))
    ref = Bottleneck(c_in, planes, stride, downsample, groups=32, base_width=4)
    ours = ResNeXtBottleneck(c_in, out, width=planes * 2, stride=stride, cardinality=32)
    assert ours.conv2.conv.groups == 32
    assert_same_model(ours, ref, (2, c_in, 6, 6))

