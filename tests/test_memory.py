"""Activation memory on real CPU tensors against the profiler's meta-tensor count."""

import pytest
import torch
from torch import nn

from lwcourse.blocks import InvertedResidual
from lwcourse.cost import profile
from lwcourse.memory import measure_activations


def test_measured_peak_of_an_inverted_residual():
    block = InvertedResidual(64, 64, stride=1, expansion=6)
    x = torch.randn(1, 64, 28, 28)
    m = measure_activations(block, x)
    hidden = 4 * 384 * 28 * 28
    # eager, unfused: the input (kept for the shortcut) + two expanded maps (a layer's input
    # and output)
    assert m.peak_bytes == 4 * x.numel() + 2 * hidden
    assert m.largest[1] == (1, 384, 28, 28) and m.largest[2] == hidden
    # the meta profiler's peak is what the CPU allocates (eval BN saves no statistics)
    assert 4 * profile(block, tuple(x.shape)).peak_activation == m.peak_bytes


def test_measure_restores_training_mode_and_checks_input():
    block = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)).train()
    measure_activations(block, torch.randn(1, 3, 8, 8))
    assert block.training
    with pytest.raises(ValueError, match="model"):
        measure_activations("not a model", torch.randn(1))
    with pytest.raises(ValueError, match="CPU tensor"):
        measure_activations(block, [1, 2])
