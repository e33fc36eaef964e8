"""Notebook 00's exercises: each reference solution passes its check; typical mistakes fail."""

import pytest
import torch

from lwcourse.solutions import nb00


def test_fold_bn_solution_passes():
    nb00.check_fold_bn(nb00.solve_fold_bn)


def test_fold_bn_check_rejects_common_mistakes():
    def forgets_eps(conv, bn):
        eps, bn.eps = bn.eps, 0.0
        try:
            return nb00.solve_fold_bn(conv, bn)
        finally:
            bn.eps = eps

    def forgets_mean(conv, bn):
        saved = bn.running_mean.clone()
        bn.running_mean.zero_()
        try:
            return nb00.solve_fold_bn(conv, bn)
        finally:
            bn.running_mean.copy_(saved)

    def in_place(conv, bn):  # right values, but rewrites the caller's conv
        folded = nb00.solve_fold_bn(conv, bn)
        conv.weight.data.copy_(folded.weight.data)
        return folded

    def keeps_both(conv, bn):  # not one conv
        return torch.nn.Sequential(conv, bn)

    for wrong in (forgets_eps, forgets_mean):
        with pytest.raises(AssertionError, match="outputs differ"):
            nb00.check_fold_bn(wrong)
    with pytest.raises(AssertionError, match="was modified"):
        nb00.check_fold_bn(in_place)
    with pytest.raises(AssertionError, match="one nn.Conv2d"):
        nb00.check_fold_bn(keeps_both)


def test_conv_memory_access_solution_passes_and_rejects_a_missing_bias():
    nb00.check_conv_memory_access(nb00.solve_conv_memory_access)

    def no_bias(*args, bias=False, **kwargs):
        return nb00.solve_conv_memory_access(*args, bias=False, **kwargs)

    with pytest.raises(AssertionError, match="the bias is read too"):
        nb00.check_conv_memory_access(no_bias)


def test_pointwise_intensity_solution_passes_and_rejects_wrong_units():
    nb00.check_pointwise_intensity(nb00.solve_pointwise_intensity)
    # many pixels: intensity tends to c / 4 FLOP/byte
    assert nb00.solve_pointwise_intensity(64, 1000, 1000) == pytest.approx(16, rel=1e-3)

    def macs_per_element(c, h, w):  # forgot FLOPs = 2 MACs and bytes = 4 elements
        return h * w * c * c / (2 * h * w * c + c * c)

    with pytest.raises(AssertionError, match="FLOPs = 2 x MACs"):
        nb00.check_pointwise_intensity(macs_per_element)


def test_checks_reject_non_numbers():
    with pytest.raises(AssertionError, match="return an int"):
        nb00.check_conv_memory_access(
            lambda *a, **kw: float(nb00.solve_conv_memory_access(*a, **kw)))
