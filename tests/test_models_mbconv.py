"""The MBConv model family (MobileNetV1/V2/V3, MnasNet, EfficientNet B0-B7): what the
registry-wide contract (``test_contract.py``) does not cover -- other widths against the
reference libraries' own width variants, and EfficientNet's compound-scaling settings."""

import pytest
import timm
import torch
import torchvision

from lwcourse.models import create
from lwcourse.reference import assert_same_model, reference_model

EFFICIENTNETS = [f"efficientnet_b{i}" for i in range(8)]

# Other widths, against the reference libraries' own width variants: the rounding rules.
WIDTH_VARIANTS = [
    ("mobilenet_v1", 1.25, lambda: timm.create_model("mobilenetv1_125")),
    ("mobilenet_v2", 0.35, lambda: torchvision.models.mobilenet_v2(width_mult=0.35)),
    ("mobilenet_v2", 1.4, lambda: torchvision.models.mobilenet_v2(width_mult=1.4)),
    ("mobilenet_v3_large", 0.75, lambda: torchvision.models.mobilenet_v3_large(width_mult=0.75)),
    ("mobilenet_v3_small", 0.5, lambda: torchvision.models.mobilenet_v3_small(width_mult=0.5)),
    ("mnasnet_a1", 0.75, lambda: timm.create_model("semnasnet_075")),
    ("mnasnet_a1", 1.4, lambda: timm.create_model("semnasnet_140")),
    ("mnasnet_b1", 0.5, lambda: torchvision.models.mnasnet0_5()),
    ("mnasnet_b1", 1.3, lambda: torchvision.models.mnasnet1_3()),
]


@pytest.mark.parametrize("name, width, make_ref", WIDTH_VARIANTS,
                         ids=[f"{n}-{w}" for n, w, _ in WIDTH_VARIANTS])
def test_width_multiplier_equals_reference(name, width, make_ref):
    torch.manual_seed(0)
    assert_same_model(create(name, width_mult=width), make_ref())


def test_efficientnet_resolutions_and_dropout():
    with torch.device("meta"):
        models = [create(n) for n in EFFICIENTNETS]
    assert [m.default_resolution for m in models] == [224, 240, 260, 300, 380, 456, 528, 600]
    assert [m.classifier[1].p for m in models] == [0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5]


@pytest.mark.parametrize("name", ["efficientnet_b0", "efficientnet_b5"])
def test_efficientnet_stochastic_depth_matches_torchvision(name):
    with torch.device("meta"):
        ours, ref = create(name), reference_model(name)
    ref_rates = [m.stochastic_depth.p for m in ref.modules() if hasattr(m, "stochastic_depth")]
    blocks = [b for stage in ours.stages for b in stage]
    our_rates = [getattr(b.drop_path, "p", 0.0) for b in blocks]
    assert our_rates == pytest.approx(ref_rates)
    n = len(blocks)
    assert our_rates == pytest.approx([0.2 * i / n for i in range(n)])  # linear in the index
    blocks[-1].train()
    assert blocks[-1].drop_path.training
