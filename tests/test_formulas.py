"""Closed-form costs against the profiler on layers built from ``nn`` modules, against hand
counts and against the papers' numbers (never a re-typed copy of the formula)."""

import math
from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F
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


def test_linear_against_mobilenet_v2_classifier_and_the_profiler():
    assert f.linear_params(1280, 1000) == 1_281_000  # MobileNetV2's classifier, by hand
    p = profile(nn.Linear(1280, 1000), (2, 1280))
    assert (p.params, p.macs) == (f.linear_params(1280, 1000), f.linear_macs(1280, 1000, batch=2))


def _separable(c_in, c_out, k):
    return nn.Sequential(nn.Conv2d(c_in, c_in, k, padding=k // 2, groups=c_in, bias=False),
                         nn.Conv2d(c_in, c_out, 1, bias=False))


def test_depthwise_separable_cost_and_ratio_against_the_profiler():
    c_in, c_out, k, h = 64, 128, 3, 28
    std = profile(nn.Conv2d(c_in, c_out, k, padding=1, bias=False), (1, c_in, h, h))
    sep = profile(_separable(c_in, c_out, k), (1, c_in, h, h))
    assert sep.macs == f.depthwise_separable_macs(c_in, c_out, k, h, h)
    assert sep.params == f.depthwise_separable_params(c_in, c_out, k)
    # MobileNetV1 Sec. 3.1: separable / standard = 1 / N + 1 / D_K^2, exactly
    assert Fraction(sep.macs, std.macs) == Fraction(1, c_out) + Fraction(1, k * k)
    assert f.depthwise_separable_ratio(c_out, k) == pytest.approx(float(
        Fraction(sep.macs, std.macs)), rel=1e-15)


def test_pointwise_memory_access_and_its_bound_against_the_profiler():
    h = w = 14
    for c1, c2, g in [(64, 64, 1), (32, 128, 1), (128, 32, 1), (64, 64, 4)]:
        p = profile(nn.Conv2d(c1, c2, 1, groups=g, bias=False), (1, c1, h, w))
        assert p.memory_access == f.grouped_pointwise_memory_access(h, w, c1, c2, g)
        if g == 1:
            assert p.memory_access == f.pointwise_memory_access(h, w, c1, c2)
    # ShuffleNetV2 Eq. 1: at fixed FLOPs B the bound is reached exactly when c1 = c2 (AM-GM)
    flops = h * w * 64 * 64
    bound = f.pointwise_memory_access_lower_bound(h, w, flops)
    assert f.pointwise_memory_access(h, w, 64, 64) == pytest.approx(bound, rel=1e-12)
    for c1, c2 in [(32, 128), (16, 256), (128, 32)]:  # same FLOPs, unbalanced
        assert f.pointwise_memory_access(h, w, c1, c2) > bound


def _conv(c_in, c_out, k=1, groups=1):
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, groups=groups, bias=False)


def test_unit_costs_of_the_shufflenet_paper_against_the_profiler():
    h = w = 28
    c, m, g = 240, 60, 3
    units = {  # ShuffleNet paper, Sec. 3.3: the three units compared there, built from layers
        "resnet": (nn.Sequential(_conv(c, m), _conv(m, m, 3), _conv(m, c)),
                   f.resnet_unit_macs(h, w, c, m)),
        "resnext": (nn.Sequential(_conv(c, m), _conv(m, m, 3, groups=g), _conv(m, c)),
                    f.resnext_unit_macs(h, w, c, m, g)),
        "shufflenet": (nn.Sequential(_conv(c, m, groups=g), _conv(m, m, 3, groups=m),
                                     _conv(m, c, groups=g)),
                       f.shufflenet_unit_macs(h, w, c, m, g)),
    }
    macs = {name: profile(unit, (1, c, h, w)).macs for name, (unit, _) in units.items()}
    assert macs == {name: formula for name, (_, formula) in units.items()}
    assert macs["shufflenet"] < macs["resnext"] < macs["resnet"]


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


class _SqueezeExcite(nn.Module):
    def __init__(self, c, squeeze):
        super().__init__()
        self.reduce, self.expand = nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * torch.sigmoid(self.expand(torch.relu(self.reduce(s))))


@pytest.mark.parametrize("size", [7, 56])
def test_se_against_the_profiler_at_any_resolution(size):
    c, squeeze = 96, 24
    p = profile(_SqueezeExcite(c, squeeze), (2, c, size, size))
    assert p.params == f.se_params(c, squeeze)
    assert p.macs == f.se_macs(c, squeeze, batch=2)  # independent of the resolution


def test_ghost_speedup_ratio_against_the_profiler():
    c, n, k, d, s, h = 16, 32, 3, 3, 2, 8
    standard = profile(_conv(c, n, k), (1, c, h, h))
    ghost = profile(nn.Sequential(_conv(c, n // s, k), _conv(n // s, n - n // s, d, n // s)),
                    (1, c, h, h))
    assert ghost.macs == f.ghost_module_macs(c, n, h, h, k=k, d=d, s=s)
    # GhostNet Eq. 4 is exact when s divides n
    assert f.ghost_speedup_ratio(c=c, k=k, d=d, s=s) == pytest.approx(
        standard.macs / ghost.macs, rel=1e-12)


def test_compound_scaling_against_the_paper_and_the_profiler():
    # EfficientNet Sec. 3.3: alpha = 1.2, beta = 1.1, gamma = 1.15 with alpha beta^2 gamma^2 ~ 2
    assert f.compound_scaling_flops_factor(1) == pytest.approx(2, abs=0.08)
    assert f.compound_scaling_factors(0) == (1.0, 1.0, 1.0)

    def net(depth, width, resolution):
        layers = nn.Sequential(*[_conv(width, width, 3) for _ in range(depth)])
        return profile(layers, (1, width, resolution, resolution)).macs

    # integer multipliers scale a plain conv stack exactly: depth x2, width x3, resolution x2
    alpha, beta, gamma = 2, 3, 2
    assert net(2 * alpha, 8 * beta, 8 * gamma) / net(2, 8, 8) == \
        f.compound_scaling_flops_factor(1, alpha, beta, gamma)


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
