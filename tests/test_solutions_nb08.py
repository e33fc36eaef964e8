"""Notebook 08's exercises: the reference solutions pass, typical wrong answers are rejected."""

import pytest
import torch
from torch import nn

from lwcourse.solutions import nb08


def test_mixconv_as_grouped_reference_passes():
    nb08.check_mixconv_as_grouped(nb08.solve_mixconv_as_grouped)


def _dense(mix):  # a dense 1x1: more parameters
    return nn.Conv2d(mix.in_channels, mix.out_channels, 1, bias=False)


def _reversed(mix):  # the groups' weights in the wrong order
    conv = nb08.solve_mixconv_as_grouped(mix)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([c.weight for c in reversed(mix.convs)]))
    return conv


@pytest.mark.parametrize("wrong", [lambda m: m, _dense, _reversed])
def test_mixconv_as_grouped_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb08.check_mixconv_as_grouped(wrong)


def test_pareto_models_reference_passes():
    nb08.check_pareto_models(nb08.solve_pareto_models)


@pytest.mark.parametrize("wrong", [
    lambda rows, cost: [r["model"] for r in rows],  # every model
    lambda rows, cost: [r["model"] for r in sorted(rows, key=lambda r: r[cost])][:3],
])
def test_pareto_models_rejects_wrong(wrong):
    with pytest.raises((AssertionError, TypeError)):
        nb08.check_pareto_models(wrong)
