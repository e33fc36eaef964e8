"""Our models free every activation as early as their references do (issue 7, P2: holding a
dead activation changes the allocation pattern, costing page faults and time)."""

import pytest
import torch
from torch import nn

import lwcourse as lw
from lwcourse.blocks.conv import ConvBNAct, chain
from lwcourse.reference import reference_model


@pytest.mark.parametrize("name", ["mobilenet_v2", "resnext50_32x4d", "mobilenet_v3_small",
                                  "shufflenet_v2_x0_5", "efficientnet_b0"])
def test_peak_activation_is_at_most_the_references(name):
    size = (1, 3, 96, 96)
    ours = lw.cost.profile(lw.models.create(name), size).peak_activation
    assert ours <= lw.cost.profile(reference_model(name), size).peak_activation


def test_mobilenet_v2_holds_no_stage_input_through_the_stages():
    # image + block input + the 96-channel BN's input and output + BN's two (C,) outputs,
    # exactly as torchvision's flat ``features`` (the stem's output is dead by then)
    peak = lw.cost.profile(lw.models.create("mobilenet_v2")).peak_activation
    assert peak == 3 * 224 * 224 + 16 * 112 * 112 + 2 * 96 * 112 * 112 + 2 * 96


def test_chain_equals_nested_calls_and_keeps_hooks():
    torch.manual_seed(0)
    stem, body = ConvBNAct(3, 8, kernel_size=3), nn.Sequential(ConvBNAct(8, 8, kernel_size=1),
                                                                nn.Identity(), nn.ReLU())
    x = torch.randn(1, 3, 8, 8)
    assert torch.equal(chain(x, stem, None, body), body(stem(x)))
    seen = []
    body[0].register_forward_hook(lambda *_: seen.append("conv-bn-act"))
    body[1].register_forward_hook(lambda *_: seen.append("identity"))
    chain(x, stem, body)
    assert seen == ["conv-bn-act", "identity"]  # a hooked module is called, not stepped into
