"""The inverted residual / MBConv block and DropPath: structure, rules, and equality with the
torchvision blocks of MobileNetV2, MobileNetV3 and EfficientNet."""

from functools import partial

import pytest
import torch
from torch import nn
from torchvision.models import efficientnet as tv_effnet
from torchvision.models import mobilenetv2 as tv_v2
from torchvision.models import mobilenetv3 as tv_v3

from lwcourse.blocks import DropPath, InvertedResidual, MBConv, make_divisible
from lwcourse.reference import assert_same_model, n_params


def assert_equal_blocks(ours: nn.Module, ref: nn.Module, in_channels: int, size: int = 8):
    assert_same_model(ours, ref, (2, in_channels, size, size), atol=1e-5)


@pytest.mark.parametrize("in_ch, out_ch, stride, t", [
    (32, 16, 1, 1), (16, 24, 2, 6), (24, 24, 1, 6), (64, 96, 1, 6),
])
def test_equals_torchvision_mobilenet_v2_block(in_ch, out_ch, stride, t):
    torch.manual_seed(0)
    ref = tv_v2.InvertedResidual(in_ch, out_ch, stride, expand_ratio=t)
    ours = InvertedResidual(in_ch, out_ch, stride=stride, expansion=t, activation="relu6")
    assert ours.use_residual == ref.use_res_connect
    assert_equal_blocks(ours, ref, in_ch)


@pytest.mark.parametrize("in_ch, k, exp, out_ch, se, nl, stride", [
    (16, 3, 16, 16, True, "RE", 2), (24, 5, 72, 40, True, "RE", 2),
    (80, 3, 184, 80, False, "HS", 1), (112, 3, 672, 112, True, "HS", 1),
])
def test_equals_torchvision_mobilenet_v3_bneck(in_ch, k, exp, out_ch, se, nl, stride):
    cnf = tv_v3.InvertedResidualConfig(in_ch, k, exp, out_ch, se, nl, stride, 1, 1.0)
    bn = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)
    ref = tv_v3.InvertedResidual(cnf, bn)
    ours = InvertedResidual(in_ch, out_ch, stride=stride, kernel_size=k, expanded_channels=exp,
                            activation="hardswish" if nl == "HS" else "relu",
                            se_channels=make_divisible(exp // 4) if se else None,
                            se_gate="hardsigmoid", bn_eps=1e-3, bn_momentum=0.01)
    assert_equal_blocks(ours, ref, in_ch)


@pytest.mark.parametrize("t, k, stride, in_ch, out_ch", [
    (1, 3, 1, 32, 16), (6, 5, 2, 24, 40), (6, 3, 1, 80, 80),
])
def test_equals_torchvision_efficientnet_mbconv(t, k, stride, in_ch, out_ch):
    ref = tv_effnet.MBConv(tv_effnet.MBConvConfig(t, k, stride, in_ch, out_ch, 1), 0.1,
                           nn.BatchNorm2d)
    ours = MBConv(in_ch, out_ch, stride=stride, expansion=t, kernel_size=k, activation="silu",
                  se_channels=in_ch // 4, se_activation="silu", drop_path=0.1)
    assert_equal_blocks(ours, ref, in_ch)


def test_parameter_count_by_hand():
    # 16 -> 96 -> 24, 3x3 depthwise, SE squeeze 4: every conv/BN/SE tensor counted.
    block = InvertedResidual(16, 24, stride=2, expansion=6, se_channels=4)
    expand = 16 * 96 + 2 * 96
    depthwise = 96 * 9 + 2 * 96
    se = (96 * 4 + 4) + (4 * 96 + 96)
    project = 96 * 24 + 2 * 24
    assert n_params(block) == expand + depthwise + se + project


def test_order_of_operations_follows_the_figure():
    block = InvertedResidual(8, 8, expansion=4, se_channels=2)
    seen = []
    for name in ("expand", "depthwise", "se", "project"):
        getattr(block, name).register_forward_hook(lambda m, i, o, name=name: seen.append(name))
    block(torch.randn(1, 8, 4, 4))
    assert seen == ["expand", "depthwise", "se", "project"]
    assert block.se.reduce.in_channels == 32  # SE acts on the expanded channels


def test_expansion_one_has_no_expand_conv():
    block = InvertedResidual(16, 16, expansion=1)
    assert block.expand is None
    assert block.depthwise.conv.groups == 16
    assert isinstance(InvertedResidual(16, 16, expansion=2).expand[0], nn.Conv2d)


@pytest.mark.parametrize("in_ch, out_ch, stride, residual", [
    (16, 16, 1, True), (16, 16, 2, False), (16, 24, 1, False),
])
def test_residual_only_when_shapes_match(in_ch, out_ch, stride, residual):
    torch.manual_seed(0)
    block = InvertedResidual(in_ch, out_ch, stride=stride).eval()
    nn.init.zeros_(block.project.bn.weight)  # the branch now outputs exactly zero
    x = torch.randn(2, in_ch, 8, 8)
    out = block(x.clone())
    assert block.use_residual is residual
    assert out.shape == (2, out_ch, 8 // stride, 8 // stride)
    if residual:
        torch.testing.assert_close(out, x)
    else:
        assert out.abs().max() == 0


def test_activation_and_linear_projection():
    block = InvertedResidual(8, 8, activation="hardswish")
    assert isinstance(block.expand.act, nn.Hardswish)
    assert isinstance(block.depthwise.act, nn.Hardswish)
    assert not hasattr(block.project, "act")  # the linear bottleneck: conv, bn only
    assert [type(m) for m in block.project] == [nn.Conv2d, nn.BatchNorm2d]


def test_backward_reaches_every_parameter():
    torch.manual_seed(0)
    block = InvertedResidual(8, 8, expansion=3, kernel_size=5, se_channels=2, drop_path=0.2)
    block(torch.randn(4, 8, 6, 6)).square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())


def test_drop_path_is_identity_in_eval_and_drops_samples_in_training():
    drop = DropPath(0.5)
    x = torch.ones(64, 3, 2, 2)
    assert drop.eval()(x) is x
    torch.manual_seed(0)
    y = drop.train()(x)
    per_sample = y.flatten(1)
    kept = per_sample[:, 0] > 0
    assert torch.equal(per_sample[kept], torch.full_like(per_sample[kept], 2.0))  # 1 / (1 - p)
    assert torch.equal(per_sample[~kept], torch.zeros_like(per_sample[~kept]))
    assert 16 < int(kept.sum()) < 48
    assert DropPath(0.0).train()(x) is x


def test_drop_path_in_block_keeps_the_shortcut():
    torch.manual_seed(0)
    block = InvertedResidual(8, 8, drop_path=0.99).train()
    x = torch.randn(32, 8, 4, 4)
    out = block(x.clone())
    dropped = [i for i in range(32) if torch.equal(out[i], x[i])]
    assert len(dropped) > 20  # nearly every sample is just the shortcut
    assert InvertedResidual(8, 8).drop_path is None
