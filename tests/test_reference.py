"""Transplant and output checks that prove a model equals its reference."""

import pytest
import torch
import torchvision
from torch import nn

from lwcourse import reference


def test_transplant_copies_every_tensor_and_outputs_match():
    torch.manual_seed(0)
    src, dst = torchvision.models.mobilenet_v2(), torchvision.models.mobilenet_v2()
    x = torch.randn(1, 3, 64, 64)
    with pytest.raises(AssertionError, match="nearly zero"):  # fresh init: logits ~ 1e-9
        reference.assert_same_outputs(dst, src, x)
    reference.randomize_(src)
    assert src(x).abs().max() > 0.1 and not src.training
    with pytest.raises(AssertionError, match="outputs differ"):
        reference.assert_same_outputs(dst, src, x)
    reference.transplant(src, dst)
    assert reference.assert_same_outputs(dst, src, x) == 0.0
    assert all(torch.equal(a, b) for a, b in zip(src.state_dict().values(),
                                                 dst.state_dict().values(), strict=True))


def test_randomize_catches_swapped_batchnorm_parameters():
    torch.manual_seed(0)
    src, dst = torchvision.models.shufflenet_v2_x0_5(), torchvision.models.shufflenet_v2_x0_5()
    reference.randomize_(src, seed=1)
    reference.transplant(src, dst)
    bn = dst.conv5[1]
    with torch.no_grad():
        bn.weight.copy_(bn.weight.flip(0))  # a permuted gamma: one wrong tensor out of hundreds
    with pytest.raises(AssertionError, match="outputs differ"):
        reference.assert_same_outputs(dst, src, torch.randn(1, 3, 64, 64))


def test_transplant_names_the_first_mismatch_and_copies_nothing():
    src = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 4, 1))
    dst = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 5, 1))
    before = dst[0].weight.clone()
    with pytest.raises(ValueError, match=r"source '1.weight' \(4, 8, 1, 1\) vs destination "
                                         r"'1.weight' \(5, 8, 1, 1\)"):
        reference.transplant(src, dst)
    assert torch.equal(dst[0].weight, before)


def test_transplant_reports_a_missing_partner():
    src = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
    dst = nn.Sequential(nn.Conv2d(3, 8, 3))
    with pytest.raises(ValueError, match="first unmatched is source '1.weight'"):
        reference.transplant(src, dst)


def test_reference_model_builds_torchvision_and_timm_counterparts():
    assert isinstance(reference.reference_model("mnasnet_b1"), torchvision.models.MNASNet)
    ref = reference.reference_model("mobilenet_v2", width_mult=1.4, num_classes=10)
    assert ref.classifier[1].out_features == 10
    pytest.importorskip("timm")
    assert type(reference.reference_model("ghostnet")).__name__ == "GhostNet"


def test_reference_model_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="unknown reference model 'shufflenet_v1'.*Allowed: "
                                         "the models with a reference: efficientnet_b0"):
        reference.reference_model("shufflenet_v1")


def test_n_params_counts_every_element():
    assert reference.n_params(nn.Conv2d(3, 8, 3)) == 3 * 8 * 9 + 8
    assert reference.n_params(nn.Sequential()) == 0


def _net(act=nn.ReLU, eps=1e-5, width=8):
    return nn.Sequential(nn.Conv2d(3, width, 3), nn.BatchNorm2d(width, eps=eps), act(),
                         nn.Conv2d(width, 4, 1))


def test_assert_same_model_accepts_a_copy_of_the_architecture():
    torch.manual_seed(0)
    assert reference.assert_same_model(_net(), _net(), (1, 3, 8, 8)) < 1e-6


@pytest.mark.parametrize("other, message", [
    (_net(width=9), "parameter counts differ"),
    (_net(eps=1e-3), "BatchNorm"),
    (_net(act=nn.ReLU6), "activation calls differ"),
    (nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 1),
                   nn.ReLU()), "activation calls differ"),
])
def test_assert_same_model_rejects_a_different_architecture(other, message):
    with pytest.raises(AssertionError, match=message):
        reference.assert_same_model(_net(), other, (1, 3, 8, 8))


def test_activation_calls_counts_a_reused_module_each_time():
    relu = nn.ReLU()
    net = nn.Sequential(nn.Conv2d(3, 3, 1), relu, nn.Conv2d(3, 3, 1), relu)
    assert reference.activation_calls(net, torch.randn(1, 3, 4, 4)) == {"ReLU": 2}
