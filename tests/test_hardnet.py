"""HarDNet-39DS/68DS: the reference of the contract test (pytorchcv's packaging of the authors'
models, final pool made global) is pytorchcv's unchanged model at 224x224, where its fixed 7x7
average pool is the global one; and the harmonic wiring of Fig. 3."""

import pytest
import torch
from pytorchcv.models import hardnet

from lwcourse.blocks import HarDBlock, harmonic_links, harmonic_widths
from lwcourse.reference import assert_same_model, n_params, reference_model


@pytest.mark.parametrize("name, params", [("hardnet39ds", 3_488_228),
                                          ("hardnet68ds", 4_180_602)])
def test_the_reference_is_pytorchcvs_model_at_224(name, params):
    torch.manual_seed(0)
    ref = reference_model(name)
    assert n_params(ref) == params
    assert_same_model(ref, getattr(hardnet, name)(pretrained=False), (1, 3, 224, 224))


def test_layers_link_to_power_of_two_distances():
    assert [harmonic_links(i) for i in (1, 2, 3, 4, 8)] == [
        [0], [1, 0], [2], [3, 2, 0], [7, 6, 4, 0]]


def test_layers_read_by_many_are_wider():
    assert harmonic_widths(48, 16, 1.6, 4) == [48, 16, 26, 16, 40]


def test_the_block_keeps_only_odd_and_last_layers():
    block = HarDBlock(48, 96, growth=16, growth_factor=1.6, layers=4, stride=2)
    assert block.kept == [1, 3, 4]
    assert block.transition[0].in_channels == 16 + 16 + 40
    assert block(torch.randn(1, 48, 16, 16)).shape == (1, 96, 8, 8)
