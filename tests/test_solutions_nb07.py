"""Notebook 07's exercises: every reference solution passes its check, and every check rejects
a typical wrong answer."""

import math

import pytest

from lwcourse.blocks.conv import make_divisible
from lwcourse.models.efficientnet import EFFICIENTNET_B0
from lwcourse.solutions import nb07


def test_scale_b0_reference_passes():
    nb07.check_scale_b0(nb07.solve_scale_b0)


def test_scale_b0_values():
    b1 = nb07.solve_scale_b0(1.0, 1.1)
    assert [n for _, n in b1["stages"]] == [2, 3, 3, 4, 4, 5, 2]
    assert (b1["stem"], b1["head"]) == (32, 1280)


def _rounded_depth(width, depth):  # round() instead of ceil() on the layers
    out = nb07.solve_scale_b0(width, depth)
    out["stages"] = [(make_divisible(c * width), round(n * depth)) for *_, c, n in EFFICIENTNET_B0]
    return out


def _truncated_width(width, depth):  # int(c * width) instead of make_divisible
    out = nb07.solve_scale_b0(width, depth)
    out["stages"] = [(int(c * width), math.ceil(n * depth)) for *_, c, n in EFFICIENTNET_B0]
    return out


def _fixed_head(width, depth):  # forgets that the head scales with the width
    return {**nb07.solve_scale_b0(width, depth), "head": 1280}


@pytest.mark.parametrize("wrong", [_rounded_depth, _truncated_width, _fixed_head])
def test_scale_b0_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb07.check_scale_b0(wrong)


def test_width_for_factor_reference_passes():
    nb07.check_width_for_factor(nb07.solve_width_for_factor)


@pytest.mark.parametrize("wrong", [
    lambda factor, resolution: round(math.sqrt(factor), 2),  # "MACs grow as width squared"
    lambda factor, resolution: round(math.sqrt(factor), 2) + 0.5,  # reaches it, not the smallest
    lambda factor, resolution: factor,  # linear in the width
])
def test_width_for_factor_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb07.check_width_for_factor(wrong)
