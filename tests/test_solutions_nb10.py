"""Notebook 10's exercises: every reference solution passes its check, and every check rejects
a typical wrong answer (and the skeleton the learner starts from)."""

import copy

import pytest
import torch
from torch import nn

from lwcourse.solutions import nb10, try_check


def _not_done(*args, **kwargs):
    raise NotImplementedError


def test_fold_by_hand_reference_passes():
    nb10.check_fold_by_hand(nb10.solve_fold_by_hand)


def _without_eps(block):  # the typical slip: sqrt(var) instead of sqrt(var + eps)
    folded = copy.deepcopy(block)
    with torch.no_grad():
        scale = folded.bn.weight / torch.sqrt(folded.bn.running_var)
        folded.conv.weight.mul_(scale[:, None, None, None])
        folded.conv.bias = nn.Parameter(folded.bn.bias - folded.bn.running_mean * scale)
    folded.bn = nn.Identity()
    return folded


def _without_mean(block):  # forgets to subtract the running mean in the bias
    folded = nb10.solve_fold_by_hand(block)
    with torch.no_grad():
        folded.conv.bias.copy_(block.bn.bias)
    return folded


def _in_place(block):  # right numbers, but modifies the block it was given
    folded = nb10.solve_fold_by_hand(block)
    block.conv.weight.data.copy_(folded.conv.weight)
    return folded


@pytest.mark.parametrize("wrong", [_without_eps, _without_mean, _in_place,
                                   lambda block: block])
def test_fold_by_hand_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb10.check_fold_by_hand(wrong)


def test_bn_memory_access_reference_passes():
    nb10.check_bn_memory_access(nb10.solve_bn_memory_access)


def test_bn_memory_access_rejects_forgetting_the_new_bias():
    def wrong(model, size):
        return nb10.solve_bn_memory_access(model, size) + sum(
            m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d))

    with pytest.raises(AssertionError, match="profiler counts"):
        nb10.check_bn_memory_access(wrong)


def test_skeletons_report_not_attempted(capsys):
    assert not try_check(nb10.check_fold_by_hand, _not_done)
    assert not try_check(nb10.check_bn_memory_access, _not_done)
    assert capsys.readouterr().out.count("not attempted yet") == 2
