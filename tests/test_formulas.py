"""Closed-form costs on hand-computed cases, and against the profiler."""

import math

import pytest
import torch
from torch import nn

from lwcourse.cost import formulas as f
from lwcourse.cost import profile


def test_conv_on_hand_computed_case():
    # 3x3 conv 16 -> 32 on a 10x10 map, "same" padding: 3*3*16*32 = 4,608 weights
    assert f.conv2d_params(16, 32, 3) == 4608
    assert f.conv2d_params(16, 32, 3, bias=True) == 4640
    assert f.conv2d_params(16, 32, 3, groups=4) == 1152
    assert f.conv2d_macs(16, 32, 3, 10, 10) == 460_800
    assert f.conv2d_output_size(224, 3, 2) == 112
    assert f.conv2d_output_size(7, 3, 2, padding=0) == 3
    assert f.conv2d_memory_access(16, 32, 3, 10, 10, 10, 10) == 1600 + 4608 + 3200


def test_linear():
    assert f.linear_params(1280, 1000) == 1_281_000
    assert f.linear_macs(1280, 1000, batch=2) == 2_560_000


def test_depthwise_separable_ratio_equals_cost_ratio():
    c_in, c_out, k, h, w = 64, 128, 3, 28, 28
    ratio = f.depthwise_separable_macs(c_in, c_out, k, h, w) / f.conv2d_macs(c_in, c_out, k, h, w)
    assert ratio == pytest.approx(f.depthwise_separable_ratio(c_out, k), rel=1e-12)
    assert f.depthwise_separable_ratio(128, 3) == pytest.approx(1 / 128 + 1 / 9)
    assert f.depthwise_separable_params(64, 128) == 9 * 64 + 64 * 128


def test_pointwise_memory_access_and_its_bound():
    h = w = 56
    assert f.pointwise_memory_access(h, w, 64, 64) == 56 * 56 * 128 + 4096
    flops = h * w * 64 * 64
    bound = f.pointwise_memory_access_lower_bound(h, w, flops)
    assert f.pointwise_memory_access(h, w, 64, 64) == pytest.approx(bound)  # equality at c1 = c2
    for c1, c2 in [(32, 128), (16, 256), (128, 32)]:  # same FLOPs, unbalanced
        assert f.pointwise_memory_access(h, w, c1, c2) > bound
    assert f.grouped_pointwise_memory_access(h, w, 64, 64, 4) == 56 * 56 * 128 + 1024


def test_unit_costs_from_the_shufflenet_paper():
    h = w = 28
    c, m, g = 240, 60, 3
    assert f.resnet_unit_macs(h, w, c, m) == h * w * (2 * c * m + 9 * m * m)
    assert f.resnext_unit_macs(h, w, c, m, g) == h * w * (2 * c * m + 9 * m * m // g)
    assert f.shufflenet_unit_macs(h, w, c, m, g) == h * w * (2 * c * m // g + 9 * m)
    assert f.shufflenet_unit_macs(h, w, c, m, g) < f.resnext_unit_macs(h, w, c, m, g) \
        < f.resnet_unit_macs(h, w, c, m)


def test_inverted_residual_matches_the_profiler():
    c_in, c_out, t, k = 24, 32, 6, 3
    hidden = t * c_in

    def block(stride):
        return nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, k, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(), nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out))

    for stride in (1, 2):
        p = profile(block(stride), (1, c_in, 28, 28))
        assert p.macs == f.inverted_residual_macs(28, 28, c_in, c_out, t, k, stride)
        assert p.params == f.inverted_residual_params(c_in, c_out, t, k)
    # the paper's form for stride 1: h w c_in t (c_in + k^2 + c_out)
    assert f.inverted_residual_macs(28, 28, c_in, c_out, t) == 28 * 28 * c_in * t * (
        c_in + 9 + c_out)


def test_se_and_ghost_and_compound_scaling():
    assert f.se_params(96, 24) == 96 * 24 + 24 + 24 * 96 + 96
    assert f.se_macs(96, 24) == 2 * 96 * 24
    # ghost module: 1x1 primary 16 -> 16, cheap 3x3 depthwise 16 -> 16 (s = 2)
    assert f.ghost_module_macs(16, 32, 8, 8) == 64 * 16 * 16 + 64 * 16 * 9
    # d = k: exactly s c / (s + c - 1), just under s
    assert f.ghost_speedup_ratio(c=256, k=3, d=3, s=2) == pytest.approx(2 * 256 / (2 + 256 - 1))
    assert f.ghost_speedup_ratio(c=256, k=1, d=1, s=4) == pytest.approx(4 * 256 / (4 + 256 - 1))
    assert f.compound_scaling_flops_factor(0) == 1.0
    assert f.compound_scaling_flops_factor(1) == pytest.approx(1.2 * 1.1**2 * 1.15**2)
    assert f.compound_scaling_flops_factor(3) == pytest.approx(
        f.compound_scaling_flops_factor(1) ** 3)
    d, w, r = f.compound_scaling_factors(2)
    assert (d, w, r) == pytest.approx((1.44, 1.21, 1.3225))


def test_ghost_module_matches_the_profiler():
    c_in, c_out, s = 16, 30, 3
    m = math.ceil(c_out / s)
    primary = nn.Conv2d(c_in, m, 1, bias=False)
    cheap = nn.Conv2d(m, m * (s - 1), 3, padding=1, groups=m, bias=False)
    model = nn.Sequential(primary, cheap)
    p = profile(model, (1, c_in, 8, 8))
    assert p.macs == f.ghost_module_macs(c_in, c_out, 8, 8, k=1, d=3, s=s)


@pytest.mark.parametrize("call, name", [
    (lambda: f.conv2d_params(-1, 8, 3), "c_in"),
    (lambda: f.conv2d_params(8, 8, 3, groups=3), "groups"),
    (lambda: f.conv2d_macs(8, 8, 0, 4, 4), "k"),
    (lambda: f.grouped_pointwise_memory_access(4, 4, 6, 8, 4), "groups"),
    (lambda: f.compound_scaling_factors(-1), "phi"),
    (lambda: f.conv2d_output_size(2, 7, padding=0), "too small"),
])
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_conv_formula_equals_profiler_for_random_layers():
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        groups = int(torch.randint(1, 5, (1,), generator=g))
        c_in = groups * int(torch.randint(1, 9, (1,), generator=g))
        c_out = groups * int(torch.randint(1, 9, (1,), generator=g))
        k = int(torch.tensor([1, 3, 5])[torch.randint(0, 3, (1,), generator=g)])
        stride = int(torch.randint(1, 3, (1,), generator=g))
        size = int(torch.randint(5, 20, (1,), generator=g))
        conv = nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False)
        p = profile(conv, (2, c_in, size, size))
        h = f.conv2d_output_size(size, k, stride)
        assert p.params == f.conv2d_params(c_in, c_out, k, groups)
        assert p.macs == f.conv2d_macs(c_in, c_out, k, h, h, groups, batch=2)
        assert p.memory_access == f.conv2d_memory_access(c_in, c_out, k, size, size, h, h,
                                                         groups, batch=2)
