"""Notebook 00's exercises: each reference solution passes its check; typical mistakes fail."""

import pytest

from lwcourse.cost import formulas as f
from lwcourse.solutions import nb00


def test_conv_macs_solution_passes_and_agrees_with_formulas():
    nb00.check_conv_macs(nb00.solve_conv_macs)
    # same-padding, stride 1: the library formula uses the output size directly
    assert nb00.solve_conv_macs(16, 32, 3, 10, 10, padding=1) == f.conv2d_macs(16, 32, 3, 10, 10)


def test_conv_macs_check_rejects_common_mistakes():
    def ignores_groups(c_in, c_out, k, h_in, w_in, stride=1, padding=0, groups=1, batch=1):
        return nb00.solve_conv_macs(c_in, c_out, k, h_in, w_in, stride, padding, 1, batch)

    def uses_input_size(c_in, c_out, k, h_in, w_in, stride=1, padding=0, groups=1, batch=1):
        return batch * h_in * w_in * c_out * (c_in // groups) * k * k

    for wrong in (ignores_groups, uses_input_size):
        with pytest.raises(AssertionError, match="the profiler counts"):
            nb00.check_conv_macs(wrong)


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
        nb00.check_conv_macs(lambda **kw: float(nb00.solve_conv_macs(**kw)))
