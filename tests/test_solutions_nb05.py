"""Notebook 05's exercises: every reference solution passes its check, and every check rejects
a typical wrong answer (and the skeleton the learner starts from)."""

import pytest
import torch
from torch import nn

from lwcourse.blocks import make_divisible
from lwcourse.solutions import nb05, try_check


def _not_done(*args, **kwargs):
    raise NotImplementedError


def test_se_as_linear_reference_passes():
    nb05.check_se_as_linear(nb05.solve_se_as_linear)


class _NoBiasCopy(nn.Module):  # copies the weights but leaves the biases at their init
    def __init__(self, se):
        super().__init__()
        ref = nb05.LinearSE(se)
        self.fc1, self.act, self.fc2, self.gate = ref.fc1, ref.act, ref.fc2, ref.gate
        with torch.no_grad():
            self.fc1.bias.zero_()
            self.fc2.bias.zero_()

    forward = nb05.LinearSE.forward


@pytest.mark.parametrize("wrong", [
    lambda se: se,  # still convolutions
    lambda se: _NoBiasCopy(se),  # forgets the biases
    lambda se: nn.Sequential(nn.Linear(se.reduce.in_channels, se.reduce.out_channels, bias=False)),
])
def test_se_as_linear_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb05.check_se_as_linear(wrong)


def test_se_cost_reference_passes():
    nb05.check_se_cost(nb05.solve_se_cost)


def test_se_cost_values():
    got = nb05.solve_se_cost("mobilenet_v3_large", 224)
    assert got["params"] == 1_512_280 and got["macs"] == 1_507_200


def test_se_cost_rejects_wrong():
    def no_make_divisible(name, resolution):  # squeeze exp // 4 without rounding to 8
        total = nb05.solve_se_cost(name, resolution)
        for _k, exp, _o, se, _nl, _s in nb05.TABLES[name]:
            if se and make_divisible(exp // 4) != exp // 4:
                r, r8 = exp // 4, make_divisible(exp // 4)
                total["params"] += 2 * exp * (r - r8) + (r - r8)
        return total

    def floor_halving(name, resolution):  # h // 2 per stride: wrong for odd map sizes
        total = {"params": 0, "macs": 0, "memory_access": 0}
        h = resolution // 2
        for _k, exp, _o, se, _nl, stride in nb05.TABLES[name]:
            h //= stride
            if se:
                r = make_divisible(exp // 4)
                total["params"] += 2 * exp * r + r + exp
                total["macs"] += 2 * exp * r
                total["memory_access"] += 3 * h * h * exp + 2 * exp * r + 7 * exp + 5 * r
        return total

    for wrong in (no_make_divisible, floor_halving):
        with pytest.raises(AssertionError):
            nb05.check_se_cost(wrong)


def test_skeletons_print_not_attempted(capsys):
    for check in (nb05.check_se_as_linear, nb05.check_se_cost):
        assert try_check(check, _not_done) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("not attempted yet") for line in lines)
