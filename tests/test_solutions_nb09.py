"""Notebook 09's exercises: every reference solution passes its check, and every check rejects
a typical wrong answer."""

import math

import pytest
import torch
from torch import nn

from lwcourse.blocks import InvertedResidual
from lwcourse.solutions import nb09
from lwcourse.train_experiments import tiny_net


def test_width_for_macs_reference_passes():
    nb09.check_width_for_macs(nb09.solve_width_for_macs)


def test_width_for_macs_rejects_the_square_root_rule():
    base = nb09._tiny_macs(16, 32)

    def sqrt_rule(target, resolution):  # MACs ~ width² ignores the depthwise and stem terms
        return round(16 * math.sqrt(target / base))

    with pytest.raises(AssertionError, match="closer"):
        nb09.check_width_for_macs(sqrt_rule)


def test_sharded_gradient_reference_passes():
    nb09.check_sharded_gradient(nb09.solve_sharded_gradient)


def test_sharded_gradient_rejects_a_sum_over_ranks():
    def summed(model, x, y, world_size):
        grads = nb09.solve_sharded_gradient(model, x, y, world_size)
        return [g * world_size for g in grads]

    with pytest.raises(AssertionError, match="sum or average"):
        nb09.check_sharded_gradient(summed)


def test_undo_bottleneck_activation_reference_passes():
    nb09.check_undo_bottleneck_activation(nb09.solve_undo_bottleneck_activation)


@pytest.mark.parametrize("wrong", [
    lambda m: m,  # changes nothing
    lambda m: _drop_every_relu6(m),  # also removes the expand/depthwise activations
])
def test_undo_bottleneck_activation_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb09.check_undo_bottleneck_activation(wrong)


def _drop_every_relu6(model):
    for module in model.modules():
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU6):
                setattr(module, name, nn.Identity())
    return model


def test_tiny_net_blocks_are_inverted_residuals():
    net = tiny_net(depth=2)
    assert sum(isinstance(m, InvertedResidual) for m in net.modules()) == 6
    assert net(torch.randn(1, 3, 32, 32)).shape == (1, 10)
