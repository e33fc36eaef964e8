"""MobileNeXt against the authors' architecture (tests/official/mnext.py): parameters and
outputs at every width, the registry, and the cost of 1.0."""

import importlib.util
from pathlib import Path

import pytest
import torch

from lwcourse.cost import profile
from lwcourse.models import create, list_models
from lwcourse.models.mobilenext import depthwise_layout, reduced_width
from lwcourse.reference import assert_same_outputs, randomize_, transplant

_SPEC = importlib.util.spec_from_file_location(
    "official_mnext", Path(__file__).parent / "official" / "mnext.py")
official = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(official)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_mobilenext_1_0_has_the_official_parameter_count():
    assert n_params(create("mobilenext")) == 3_535_416 == n_params(official.OfficialMobileNeXt())


@pytest.mark.parametrize("width_mult", [1.0, 1.4, 0.75, 0.5, 0.35])
def test_mobilenext_equals_official(width_mult):
    torch.manual_seed(0)
    ref = official.OfficialMobileNeXt(width_mult=width_mult)
    ours = create("mobilenext", width_mult=width_mult)
    assert n_params(ours) == n_params(ref)
    transplant(randomize_(ref, input_size=(2, 3, 64, 64)), ours)
    assert_same_outputs(ours, ref, torch.randn(1, 3, 64, 64), atol=1e-4)


def test_mobilenext_registered_and_costed():
    assert "mobilenext" in list_models()
    p = profile(create("mobilenext"), (1, 3, 224, 224))
    assert p.params == 3_535_416
    assert p.macs == 311_342_592
    assert p.module_outputs["stages.7.0"] == (1, 1280, 7, 7)


def test_mobilenext_rules():
    assert reduced_width(96, 144, 6) == 32  # 96 // 6 = 16 < 144 / 6: ceil(24) rounded to 16s
    assert reduced_width(960, 960, 6) == 160
    assert depthwise_layout(6, 288, 384, 1, False) == (False, False)
    assert depthwise_layout(6, 192, 288, 2, False) == (False, True)
    assert depthwise_layout(6, 384, 384, 1, False) == (True, True)
    assert depthwise_layout(6, 960, 1280, 1, True) == (True, True)


def test_mobilenext_bad_arguments():
    with pytest.raises(ValueError, match="width_mult"):
        create("mobilenext", width_mult=0)
    with pytest.raises(ValueError, match="at least 32"):
        create("mobilenext")(torch.randn(1, 3, 16, 16))
