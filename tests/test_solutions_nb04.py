"""Notebook 04's exercises: every reference solution passes its check, and every check rejects
typical wrong answers (and the skeleton the learner starts from)."""

import copy
from unittest import mock

import pytest
from torch import nn

from lwcourse.blocks import ConvBNAct
from lwcourse.solutions import nb04, try_check


def _not_done(*args, **kwargs):
    raise NotImplementedError


def test_fold_bn_reference_passes():
    nb04.check_fold_bn(nb04.solve_fold_bn)


def _drop_bn(block):  # deletes BN instead of folding it: fewer accesses, wrong outputs
    block = copy.deepcopy(block)
    for unit in block.modules():
        if isinstance(unit, ConvBNAct):
            unit.bn = nn.Identity()
    return block


def _ignore_mean(block):  # folds the scale but forgets the running mean in the bias
    folded = nb04.solve_fold_bn(block)
    for unit, orig in zip(folded.modules(), block.modules(), strict=True):
        if isinstance(unit, ConvBNAct):
            unit.conv.bias.data.copy_(orig.bn.bias.data)
    return folded


@pytest.mark.parametrize("wrong", [lambda block: block, _drop_bn, _ignore_mean])
def test_fold_bn_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb04.check_fold_bn(wrong)


def test_mobilenet_v2_macs_reference_passes():
    nb04.check_mobilenet_v2_macs(nb04.solve_mobilenet_v2_macs)
    assert nb04.solve_mobilenet_v2_macs(1.0, 224) == 300_774_272


def _no_rounding(width_mult, resolution):  # scales the widths without make_divisible
    with mock.patch.object(nb04, "make_divisible", lambda value, *args: max(1, round(value))):
        return nb04.solve_mobilenet_v2_macs(width_mult, resolution)


@pytest.mark.parametrize("wrong", [
    _no_rounding,
    lambda a, r: round(nb04.solve_mobilenet_v2_macs(1.0, 224) * a * a * (r / 224) ** 2),
    lambda a, r: nb04.solve_mobilenet_v2_macs(a, r) - 1000 * 1280,  # forgets the classifier
])
def test_mobilenet_v2_macs_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb04.check_mobilenet_v2_macs(wrong)


def test_skeletons_print_not_attempted(capsys):
    for check in (nb04.check_fold_bn, nb04.check_mobilenet_v2_macs):
        assert try_check(check, _not_done) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("not attempted yet") for line in lines)
