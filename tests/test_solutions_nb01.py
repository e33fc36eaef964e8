"""Notebook 01's exercises: every reference solution passes its check, and every check rejects
a wrong answer (and the skeleton the learner starts from)."""

import pytest

from lwcourse.solutions import nb01, try_check


def _not_done(*args, **kwargs):
    raise NotImplementedError


def test_largest_alpha_reference_passes():
    nb01.check_largest_alpha(nb01.solve_largest_alpha)


def test_largest_alpha_values():
    assert nb01.solve_largest_alpha(300_000_000) == 0.5  # 0.75 costs 325.40 M
    assert nb01.solve_largest_alpha(568_740_352) == 1.0
    assert nb01.solve_largest_alpha(30_000_000) is None


@pytest.mark.parametrize("wrong", [
    lambda budget, resolution, alphas: max(alphas),  # ignores the budget
    lambda budget, resolution, alphas: min(alphas),  # fits, but not the largest
    lambda budget, resolution, alphas: nb01.solve_largest_alpha(budget, 224, alphas),  # ignores R
    lambda budget, resolution, alphas: alphas[-1],  # assumes sorted candidates
])
def test_largest_alpha_rejects_wrong(wrong):
    with pytest.raises(AssertionError):
        nb01.check_largest_alpha(wrong)


def test_separable_block_memory_access_reference_passes():
    nb01.check_separable_block_memory_access(nb01.solve_separable_block_memory_access)


def test_separable_block_memory_access_rejects_wrong():
    def convs_only(c_in, c_out, k, h_in, w_in, stride=1):  # forgets BN and activation traffic
        h = (h_in + 2 * ((k - 1) // 2) - k) // stride + 1
        w = (w_in + 2 * ((k - 1) // 2) - k) // stride + 1
        return h_in * w_in * c_in + k * k * c_in + 2 * h * w * c_in + c_in * c_out + h * w * c_out

    def ignores_stride(c_in, c_out, k, h_in, w_in, stride=1):
        return nb01.solve_separable_block_memory_access(c_in, c_out, k, h_in, w_in, 1)

    for wrong in (convs_only, ignores_stride):
        with pytest.raises(AssertionError):
            nb01.check_separable_block_memory_access(wrong)


def test_largest_alpha_expected_answers_follow_from_the_profiler():
    for budget, resolution, alphas, want in nb01.LARGEST_ALPHA_CASES:
        costs = {a: nb01._mobilenet_v1_macs(a, resolution) for a in alphas}  # the profiler
        fitting = [a for a, macs in costs.items() if macs <= budget]
        assert want == (max(fitting) if fitting else None)


def test_merge_separable_reference_passes():
    nb01.check_merge_separable(nb01.solve_merge_separable)


def test_merge_separable_rejects_wrong():
    import torch
    from torch import nn

    def transposed(dw, pw):  # filter (o, i) built from pw.weight[i, o]: wrong wiring
        merged = nb01.solve_merge_separable(dw, pw)
        if pw.in_channels == pw.out_channels:
            with torch.no_grad():
                merged.weight.copy_(pw.weight[:, :, 0, 0].t()[:, :, None, None]
                                    * dw.weight[:, 0][None])
        else:
            merged.weight.data = merged.weight.data.flip(0)
        return merged

    def ignores_stride(dw, pw):
        merged = nb01.solve_merge_separable(dw, pw)
        merged.stride = (1, 1)
        return merged

    def keeps_groups(dw, pw):  # a grouped conv is not the merged layer
        return nn.Conv2d(dw.in_channels, pw.out_channels, dw.kernel_size, dw.stride, dw.padding,
                         groups=dw.in_channels, bias=False)

    for wrong in (transposed, ignores_stride, keeps_groups):
        with pytest.raises(AssertionError):
            nb01.check_merge_separable(wrong)


def test_skeletons_print_not_attempted(capsys):
    for check in (nb01.check_largest_alpha, nb01.check_separable_block_memory_access,
                  nb01.check_merge_separable):
        assert try_check(check, _not_done) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("not attempted yet") for line in lines)
