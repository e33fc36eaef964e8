"""The contract every registered model keeps. Parametrized over ``list_models()``, so a new
family is covered the moment it registers: build, forward, backward, smallest input, argument
checks, the ``ImageClassifier`` vocabulary and, for every model with a reference
implementation, the exact parameter count, BatchNorm settings, activations and outputs."""

import importlib
import inspect
import sys

import pytest
import torch
from torch import nn

from lwcourse import models
from lwcourse.models import ImageClassifier, create, list_models
from lwcourse.reference import REFERENCES, assert_same_model, reference_model

NAMES = list_models()


def test_the_registry_holds_every_family():
    assert len(NAMES) == len(set(NAMES)) >= 21
    assert set(REFERENCES) <= set(NAMES)
    assert {"efficientnet_b7", "ghostnet", "shufflenet_v1", "resnext50_32x4d"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_follows_the_image_classifier_contract(name):
    with torch.device("meta"):
        model = create(name, num_classes=7)
    assert isinstance(model, ImageClassifier)
    assert model.name == name
    assert model.min_input_size == 32
    r = model.default_resolution
    with torch.device("meta"):
        assert model.eval()(torch.empty(2, 3, r, r)).shape == (2, 7)
    for stage in model.stages:  # group_stages: one shape-changing block, then shape-keeping
        for block in stage[1:]:
            assert (block.stride, block.in_channels) == (1, block.out_channels)
    widths = [model.stages[0][0].in_channels] + [s[-1].out_channels for s in model.stages]
    assert all(s[0].in_channels == c for s, c in zip(model.stages, widths, strict=False))


@pytest.mark.parametrize("name", NAMES)
def test_forward_backward_at_the_smallest_input(name):
    torch.manual_seed(0)
    model = create(name, num_classes=7).train()
    out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 7) and torch.isfinite(out).all()
    nn.functional.cross_entropy(out, torch.tensor([1, 6])).backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_too_small_or_misshapen_input_is_a_clear_error(name):
    with torch.device("meta"):
        model = create(name).eval()
        with pytest.raises(ValueError, match=f"{name} needs an input of at least 32x32"):
            model(torch.empty(1, 3, 31, 40))
        with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
            model(torch.empty(3, 64, 64))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("num_classes", [0, -1, 2.0, True, None, "10"])
def test_num_classes_is_checked(name, num_classes):
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        create(name, num_classes=num_classes)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_argument_lists_the_accepted_ones(name):
    accepted = ", ".join(inspect.signature(models._registry._MODELS[name]).parameters)
    with pytest.raises(ValueError, match=f"does not take colour; it takes: {accepted}"):
        create(name, colour="red")


@pytest.mark.parametrize("name", [n for n in NAMES
                                  if "dropout" in inspect.signature(
                                      models._registry._MODELS[n]).parameters])
def test_dropout_argument(name):
    with torch.device("meta"):
        model = create(name, dropout=0.3)
    assert [m.p for m in model.modules() if isinstance(m, nn.Dropout)] == [0.3]
    for bad in (1.0, -0.1, float("nan"), "0.2"):
        with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
            create(name, dropout=bad)


# Above 64x64 only where a model's total stride needs it; the large EfficientNets stay small.
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_equals_its_reference(name):
    torch.manual_seed(0)
    assert_same_model(create(name), reference_model(name), (1, 3, 64, 64))


@pytest.mark.parametrize("name", ["shufflenet_v2_x0_5", "ghostnet", "mobilenet_v3_small"])
def test_equals_its_reference_with_another_num_classes(name):
    torch.manual_seed(0)
    assert_same_model(create(name, num_classes=10), reference_model(name, num_classes=10))


def test_reloading_a_family_re_registers_it():
    before = models._registry._MODELS["mobilenet_v2"]
    module = importlib.reload(sys.modules["lwcourse.models.mobilenet_v2"])
    assert models._registry._MODELS["mobilenet_v2"] is module.mobilenet_v2 is not before
    assert create("mobilenet_v2").name == "mobilenet_v2"


def test_a_second_builder_under_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="'mobilenet_v2' is registered twice"):
        @models.register_model(name="mobilenet_v2")
        def other(num_classes: int = 1000):
            return None
    with pytest.raises(TypeError, match="must take a num_classes argument"):
        @models.register_model
        def no_classes():
            return None
    assert "other" not in list_models() and "no_classes" not in list_models()
