"""ShuffleNet V1/V2, GhostNet and ResNeXt-50: exact to torchvision/timm, and the ShuffleNet
paper's complexities."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lwcourse.models import create, list_models
from lwcourse.models.shufflenet_v1 import STAGE_CHANNELS, shufflenet_v1
from lwcourse.reference import assert_same_outputs, randomize_, reference_model, transplant

WITH_REFERENCE = ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                  "shufflenet_v2_x2_0", "ghostnet", "resnext50_32x4d"]
ALL = ["shufflenet_v1", *WITH_REFERENCE]


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def macs(model: nn.Module, size: int = 224) -> tuple[int, int]:
    """(convolution MACs, all MACs incl. the FC layer) of one image, from torch's counter,
    run on meta tensors (shapes only, instant). Moves ``model`` to the meta device."""
    model = model.to("meta").eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, size, size, device="meta"))
    flops = counter.get_flop_counts()["Global"]
    conv = sum(v for op, v in flops.items() if "convolution" in str(op))
    return conv // 2, counter.get_total_flops() // 2


def test_registered():
    assert set(ALL) <= set(list_models())


# --- exact to the references ---------------------------------------------------------------

@pytest.mark.parametrize("name,num_classes", [(name, 1000) for name in WITH_REFERENCE]
                         + [("shufflenet_v2_x0_5", 10), ("ghostnet", 10)])
def test_same_as_reference(name, num_classes):
    torch.manual_seed(0)
    ref = randomize_(reference_model(name, num_classes=num_classes))
    ours = create(name, num_classes=num_classes)
    assert n_params(ours) == n_params(ref)
    transplant(ref, ours)
    assert_same_outputs(ours, ref, torch.randn(1, 3, 64, 64), atol=1e-4)


def test_reference_parameter_counts():
    # the published counts (torchvision / timm model cards)
    assert n_params(create("shufflenet_v2_x1_0")) == 2_278_604
    assert n_params(create("ghostnet")) == 5_182_508
    assert n_params(create("resnext50_32x4d")) == 25_028_904


@pytest.mark.parametrize("width,timm_name", [(0.5, "ghostnet_050"), (1.3, "ghostnet_130")])
def test_ghostnet_widths_same_as_timm(width, timm_name):
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    ref = randomize_(timm.create_model(timm_name, pretrained=False))
    ours = create("ghostnet", width_mult=width)
    assert n_params(ours) == n_params(ref)
    transplant(ref, ours)
    assert_same_outputs(ours, ref, torch.randn(1, 3, 64, 64))


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


# --- every model: shapes, gradients, input checks, arguments -------------------------------

@pytest.mark.parametrize("name", ALL)
def test_forward_backward_smallest_input(name):
    torch.manual_seed(0)
    model = create(name, num_classes=7).train()
    out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 7)
    out.square().mean().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", ALL)
def test_forward_224(name):
    torch.manual_seed(0)
    with torch.inference_mode():
        out = create(name).eval()(torch.randn(1, 3, 224, 224))
    assert out.shape == (1, 1000) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", ALL)
def test_too_small_input(name):
    with pytest.raises(ValueError, match="at least 32x32"):
        create(name)(torch.randn(1, 3, 31, 40))


@pytest.mark.parametrize("name", ALL)
def test_dropout_argument(name):
    model = create(name, dropout=0.3)
    assert [m.p for m in model.modules() if isinstance(m, nn.Dropout)] == [0.3]


def test_ghostnet_default_dropout_is_timms():
    assert [m.p for m in create("ghostnet").modules() if isinstance(m, nn.Dropout)] == [0.2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="groups"):
        shufflenet_v1(groups=5)
    with pytest.raises(ValueError, match="width_mult"):
        shufflenet_v1(width_mult=0.75)
    with pytest.raises(ValueError, match="width_mult"):
        create("ghostnet", width_mult=0)
    with pytest.raises(ValueError, match="width_mult"):
        create("shufflenet_v2_x1_0", width_mult=2.0)  # the width is in the name
    with pytest.raises(ValueError, match="groups"):
        create("resnext50_32x4d", groups=3)


@pytest.mark.parametrize("name", ALL)
def test_bad_dropout_names_the_parameter(name):
    # lwcourse's own message, not torch's "dropout probability has to be between 0 and 1"
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        create(name, dropout=1.5)
