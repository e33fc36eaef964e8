"""HarDNet-39DS/68DS equal the authors' models as packaged by pytorchcv (compared at 224x224:
pytorchcv's final pool is a fixed 7x7 average), and the harmonic wiring of Fig. 3."""

import warnings

import pytest
import torch

from lwcourse.blocks import HarDBlock, harmonic_links, harmonic_widths
from lwcourse.models import create
from lwcourse.reference import assert_same_model, n_params


def pytorchcv_model(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pytorchcv.model_provider import get_model
        return get_model(name, pretrained=False)


@pytest.mark.parametrize("name, params", [("hardnet39ds", 3_488_228),
                                          ("hardnet68ds", 4_180_602)])
def test_equals_the_authors_model(name, params):
    torch.manual_seed(0)
    model = create(name)
    assert n_params(model) == params
    assert_same_model(model, pytorchcv_model(name), (1, 3, 224, 224))


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
