"""lwcourse.se_lab: each network edit changes exactly what it says (checked with the profiler)
and leaves the original model untouched."""

import pytest
import torch
from torch import nn

import lwcourse as lw
from lwcourse import se_lab
from lwcourse.blocks import SqueezeExcitation


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.fixture(scope="module")
def v3():
    return lw.models.create("mobilenet_v3_large")


def test_without_se(v3):
    off = se_lab.without_se(v3)
    assert not any(isinstance(m, SqueezeExcitation) for m in off.modules())
    assert sum(isinstance(m, SqueezeExcitation) for m in v3.modules()) == 8  # original kept
    assert n_params(v3) - n_params(off) == 1_512_280


def test_with_activation_keeps_every_count(v3):
    swish = se_lab.with_activation(v3, nn.Hardswish, "silu")
    assert not any(isinstance(m, nn.Hardswish) for m in swish.modules())
    assert any(isinstance(m, nn.Hardswish) for m in v3.modules())
    a, b = lw.cost.profile(v3, (1, 3, 64, 64)), lw.cost.profile(swish, (1, 3, 64, 64))
    assert (a.params, a.macs, a.memory_access) == (b.params, b.macs, b.memory_access)
    with pytest.raises(ValueError, match="new must be one of"):
        se_lab.with_activation(v3, nn.Hardswish, "gelu")


def test_with_se_rule(v3):
    assert n_params(se_lab.with_se_rule(v3)) == n_params(v3)  # the paper's rule rebuilt
    assert n_params(se_lab.with_se_rule(v3, placement="none")) == n_params(se_lab.without_se(v3))
    b0 = lw.models.create("efficientnet_b0")
    assert n_params(se_lab.with_se_rule(b0, divisor=None)) == 8_423_848
    moved = se_lab.with_se_rule(v3, placement="project")
    se = [m for m in moved.modules() if isinstance(m, SqueezeExcitation)]
    assert len(se) == 8 and se[0].reduce.in_channels == 40  # on the narrow output
    with pytest.raises(ValueError, match="placement must be one of"):
        se_lab.with_se_rule(v3, placement="stem")
    with pytest.raises(ValueError, match="reduction"):
        se_lab.with_se_rule(v3, reduction=0)


def test_last_stages_fig5():
    macs = {k: lw.cost.profile(se_lab.last_stage(k), (1, 160, 7, 7)).macs
            for k in ("original", "efficient")}
    assert macs == {"original": 44_352_960, "efficient": 10_035_200}
    with pytest.raises(ValueError, match="kind must be one of"):
        se_lab.last_stage("mobile")


def test_shufflenet_v2_with_se():
    net = lw.models.create("shufflenet_v2_x1_0")
    with_se = se_lab.shufflenet_v2_with_se(net)
    assert sum(isinstance(m, SqueezeExcitation) for m in with_se.modules()) == 16
    assert not any(isinstance(m, SqueezeExcitation) for m in net.modules())
    assert with_se(torch.randn(1, 3, 64, 64)).shape == (1, 1000)


def test_frozen_equals_eager():
    net = lw.reference.randomize_(lw.models.create("mobilenet_v3_small")).eval()
    fused = se_lab.frozen(net, (1, 3, 96, 96))
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        assert (fused(x) - net(x)).abs().max() < 1e-3
