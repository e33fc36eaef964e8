"""The MBConv model family (MobileNetV1/V2/V3, MnasNet, EfficientNet B0-B7) against torchvision
and timm: exact parameter counts, identical outputs after a weight transplant, and the basics."""

from collections import Counter

import pytest
import timm
import torch
import torchvision
from torch import nn

from lwcourse.models import create, list_models
from lwcourse.reference import assert_same_outputs, randomize_, reference_model, transplant

EFFICIENTNETS = [f"efficientnet_b{i}" for i in range(8)]
LIGHT = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
         "mnasnet_a1", "mnasnet_b1"]
NAMES = LIGHT + EFFICIENTNETS
ACTIVATIONS = {"ReLU", "ReLU6", "Hardswish", "SiLU", "Sigmoid", "Hardsigmoid"}


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def activation_counts(m: nn.Module) -> Counter:
    return Counter(type(x).__name__ for x in m.modules() if type(x).__name__ in ACTIVATIONS)


def bn_settings(m: nn.Module) -> list:
    return [(x.eps, x.momentum) for x in m.modules() if isinstance(x, nn.BatchNorm2d)]


def assert_same_model(ours: nn.Module, ref: nn.Module):
    assert n_params(ours) == n_params(ref)
    assert bn_settings(ours) == bn_settings(ref)  # eps and momentum of every BN, in order
    assert activation_counts(ours) == activation_counts(ref)
    transplant(randomize_(ref, input_size=(2, 3, 32, 32)), ours)
    torch.manual_seed(0)
    assert_same_outputs(ours, ref, torch.randn(1, 3, 64, 64), atol=1e-4)


@pytest.mark.parametrize("name, kwargs", [(n, {}) for n in NAMES]
                         + [("mobilenet_v2", {"width_mult": 1.4})])
def test_equals_reference(name, kwargs):
    torch.manual_seed(0)
    assert_same_model(create(name, **kwargs), reference_model(name, **kwargs))


# Other widths, against the reference libraries' own width variants: the rounding rules.
WIDTH_VARIANTS = [
    ("mobilenet_v1", 1.25, lambda: timm.create_model("mobilenetv1_125")),
    ("mobilenet_v2", 0.35, lambda: torchvision.models.mobilenet_v2(width_mult=0.35)),
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


@pytest.mark.parametrize("name", NAMES)
def test_forward_backward_at_smallest_input(name):
    torch.manual_seed(0)
    model = create(name, num_classes=10).train()
    assert model.min_input_size == 32
    out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 10)
    nn.functional.cross_entropy(out, torch.tensor([1, 7])).backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", LIGHT + EFFICIENTNETS[:2])
def test_forward_at_native_resolution(name):
    model = create(name).eval()
    r = model.default_resolution
    with torch.no_grad():
        assert model(torch.randn(1, 3, r, r)).shape == (1, 1000)


@pytest.mark.parametrize("name", EFFICIENTNETS[2:])
def test_native_resolution_shape_on_meta(name):
    with torch.device("meta"):
        model = create(name, num_classes=7).eval()
        r = model.default_resolution
        assert model(torch.empty(2, 3, r, r)).shape == (2, 7)


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


def test_mobilenet_v3_stages_follow_resolution():
    for name, n_stages in [("mobilenet_v3_large", 5), ("mobilenet_v3_small", 4)]:
        model = create(name)
        assert len(model.stages) == n_stages
        for i, stage in enumerate(model.stages):
            assert [b.stride for b in stage[1:]] == [1] * (len(stage) - 1)
            assert stage[0].stride == (1 if (i == 0 and name.endswith("large")) else 2)


def test_registry_lists_the_family():
    assert set(NAMES) <= set(list_models())


@pytest.mark.parametrize("name", NAMES)
def test_too_small_input_is_a_clear_error(name):
    with torch.device("meta"):
        model = create(name).eval()
        with pytest.raises(ValueError, match=f"{name} needs an input of at least 32x32"):
            model(torch.empty(1, 3, 16, 16))


@pytest.mark.parametrize("name, kwargs, param", [
    ("mobilenet_v1", {"width_mult": 0}, "width_mult"),
    ("mobilenet_v2", {"width_mult": -1.0}, "width_mult"),
    ("mobilenet_v3_small", {"dropout": 1.5}, "dropout"),
    ("mobilenet_v3_large", {"num_classes": 0}, "num_classes"),
    ("mnasnet_a1", {"dropout": -0.1}, "dropout"),
    ("mnasnet_b1", {"width_mult": "wide"}, "width_mult"),
    ("efficientnet_b0", {"stochastic_depth": 1.0}, "stochastic_depth"),
    ("efficientnet_b0", {"width_mult": 2.0}, "width_mult"),  # fixed by compound scaling
])
def test_bad_arguments_name_the_parameter(name, kwargs, param):
    with pytest.raises(ValueError, match=param):
        create(name, **kwargs)
