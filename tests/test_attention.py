"""ECA and coordinate attention: equal to the authors' code (parameters, outputs), costs equal
to their closed forms, MobileNetV2 variants equal to the authors' networks, clear errors."""

import importlib.util
from pathlib import Path

import pytest
import torch

import lwcourse as lw
from lwcourse.blocks import (
    CoordinateAttention,
    EfficientChannelAttention,
    InvertedResidual,
    eca_kernel_size,
    insert_attention,
)
from lwcourse.reference import assert_same_outputs, randomize_, transplant

OFFICIAL = Path(__file__).parent / "official"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, OFFICIAL / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


eca_official, ca_official = _load("eca_official"), _load("coordatt_official")


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("channels, k", [(16, 3), (96, 1), (160, 3), (320, 5)])
def test_eca_block_equals_official(channels, k):
    ref = eca_official.eca_layer(channels, k)
    ours = EfficientChannelAttention(channels, kernel_size=k)
    assert n_params(ours) == n_params(ref) == k
    with torch.no_grad():
        ref.conv.weight.normal_()
    transplant(ref, ours)
    x = torch.randn(2, channels, 9, 7)
    assert assert_same_outputs(ours, ref, x, atol=1e-6) < 1e-6


@pytest.mark.parametrize("channels, h, w", [(96, 14, 10), (32, 7, 7), (960, 7, 7)])
def test_coordinate_attention_equals_official(channels, h, w):
    for official in (ca_official.CoordAtt, ca_official.CoordAttMBV2):
        ref = official(channels, channels)
        ours = CoordinateAttention(channels)
        assert n_params(ours) == n_params(ref)
        randomize_(ref, input_size=(4, channels, h, w))
        transplant(ref, ours)
        assert_same_outputs(ours.eval(), ref.eval(), torch.randn(2, channels, h, w), atol=1e-5)


def test_eca_kernel_size_rule():
    # Eq. 12 with gamma = 2, b = 1, as the authors' code computes it
    assert [eca_kernel_size(c) for c in (16, 64, 256, 512, 1024, 2048)] == [3, 3, 5, 5, 5, 7]
    assert EfficientChannelAttention(2048).kernel_size == 7


@pytest.mark.parametrize("name, official, params", [
    ("mobilenet_v2_eca", lambda: eca_official.eca_mobilenet_v2(), 3_504_897),
    ("mobilenet_v2_ca", lambda: ca_official.mbv2_ca(), 3_950_648),
])
def test_mobilenet_v2_variants_equal_official(name, official, params):
    ref, ours = official(), lw.models.create(name)
    assert n_params(ours) == n_params(ref) == params
    randomize_(ref)
    transplant(ref, ours)
    assert_same_outputs(ours.eval(), ref.eval(), torch.randn(2, 3, 96, 96), atol=1e-4)


def test_mobilenet_v2_se_count():
    # the "MobileNetV2 + SE: 3.89M" of the coordinate-attention authors' README
    assert n_params(lw.models.create("mobilenet_v2_se")) == 3_888_208


def test_costs_equal_closed_forms():
    c, h, w, k = 96, 14, 10, 3
    p = lw.cost.profile(EfficientChannelAttention(c, kernel_size=k), (1, c, h, w))
    assert (p.params, p.macs) == (k, k * c)
    ca = CoordinateAttention(c)
    m = ca.mid_channels
    p = lw.cost.profile(ca, (1, c, h, w))
    assert p.params == (c * m + m) + 2 * m + 2 * (m * c + c)
    assert p.macs == (h + w) * c * m + h * m * c + w * m * c


def test_insert_attention_places_and_errors():
    block = insert_attention(InvertedResidual(16, 16, expansion=6), EfficientChannelAttention(96))
    assert list(block._modules) == ["expand", "depthwise", "se", "project"]
    with pytest.raises(ValueError, match="already has"):
        insert_attention(block, EfficientChannelAttention(96))
    with pytest.raises(ValueError, match="after must be one of"):
        insert_attention(InvertedResidual(16, 16), EfficientChannelAttention(16), after="expand")
    with pytest.raises(ValueError, match="kernel_size"):
        EfficientChannelAttention(16, kernel_size=2)
    with pytest.raises(ValueError, match="reduction"):
        CoordinateAttention(16, reduction=0)
