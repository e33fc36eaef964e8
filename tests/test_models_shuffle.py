"""ShuffleNet V1/V2, GhostNet and ResNeXt-50 beyond the registry-wide contract: the published
parameter counts, GhostNet's other widths and the ShuffleNet paper's complexities."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lwcourse.models import create
from lwcourse.models.shufflenet_v1 import STAGE_CHANNELS, shufflenet_v1
from lwcourse.reference import assert_same_model, n_params


def macs(model: nn.Module, size: int = 224) -> tuple[int, int]:
    """(convolution MACs, all MACs incl. the FC layer) of one image, from torch's counter,
    run on meta tensors (shapes only, instant). Moves ``model`` to the meta device."""
    model = model.to("meta").eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, size, size, device="meta"))
    flops = counter.get_flop_counts()["Global"]
    conv = sum(v for op, v in flops.items() if "convolution" in str(op))
    return conv // 2, counter.get_total_flops() // 2


# --- published numbers and other widths -------------------------------------------------


def test_reference_parameter_counts():
    # the published counts (torchvision / timm model cards)
    assert n_params(create("shufflenet_v2_x1_0")) == 2_278_604
    assert n_params(create("ghostnet")) == 5_182_508
    assert n_params(create("resnext50_32x4d")) == 25_028_904


@pytest.mark.parametrize("width,timm_name", [(0.5, "ghostnet_050"), (1.3, "ghostnet_130")])
def test_ghostnet_widths_same_as_timm(width, timm_name):
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    assert_same_model(create("ghostnet", width_mult=width),
                      timm.create_model(timm_name, pretrained=False))


# --- ShuffleNet V1: the paper's numbers ----------------------------------------------------

# Table 1, complexity column (MFLOPs = millions of multiply-adds) at 1x, 224 x 224. They are
# the convolutions only: with the FC layer (+0.58 to +1.54 M) g = 2, 4, 8 would round to
# 141, 134, 138.
TABLE1_MFLOPS = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}


@pytest.mark.parametrize("groups", list(TABLE1_MFLOPS))
def test_shufflenet_v1_table1_complexity(groups):
    model = shufflenet_v1(groups=groups)
    conv, total = macs(model)
    assert round(conv / 1e6) == TABLE1_MFLOPS[groups]
    assert total - conv == STAGE_CHANNELS[groups][-1] * 1000  # the FC layer, excluded above
    assert model.stages[0][0].pw1.conv.groups == 1  # first pointwise conv not grouped
    assert model.stages[0][1].pw1.conv.groups == groups


# Table 5 (and the official code's README) quote the other widths *with* the FC layer.
@pytest.mark.parametrize("width,groups,mflops", [(0.5, 4, 38), (1.5, 3, 292), (2.0, 3, 524),
                                                 (0.5, 3, 38), (0.5, 8, 40), (1.5, 8, 290)])
def test_shufflenet_v1_other_widths_complexity(width, groups, mflops):
    _, total = macs(shufflenet_v1(groups=groups, width_mult=width))
    assert round(total / 1e6) == mflops


@pytest.mark.parametrize("groups", [1, 2, 3, 4, 8])
def test_shufflenet_v1_widths_scale(groups):
    params = [n_params(shufflenet_v1(groups=groups, width_mult=w)) for w in (0.5, 1.0, 1.5, 2.0)]
    assert params == sorted(params)
    for w in (0.5, 2.0):
        model = shufflenet_v1(groups=groups, width_mult=w).eval()
        for unit in model.modules():
            if hasattr(unit, "pw2"):  # every bottleneck splits evenly into the groups
                assert unit.pw2.conv.in_channels % groups == 0
        assert model(torch.randn(1, 3, 32, 32)).shape == (1, 1000)


def test_shufflenet_v1_1x_g3_widths():
    model = shufflenet_v1(groups=3)
    assert model.stem[0].conv.out_channels == 24
    assert [s[0].out_channels for s in model.stages] == [240, 480, 960]
    assert [len(s) for s in model.stages] == [4, 8, 4]
    assert 1.8e6 < n_params(model) < 1.9e6  # about 1.9 M (official README)


# --- defaults -----------------------------------------------------------------------------


def test_ghostnet_default_dropout_is_timms():
    assert [m.p for m in create("ghostnet").modules() if isinstance(m, nn.Dropout)] == [0.2]


