"""Notebook 02's exercises: each reference solution passes its check; wrong answers fail it."""

import pytest
import torch

from lwcourse.cost.formulas import shufflenet_unit_macs
from lwcourse.solutions import nb02, try_check


def test_solutions_pass_their_checks():
    nb02.check_shuffle_with_index(nb02.solve_shuffle_with_index)
    nb02.check_widest_width(nb02.solve_widest_width)
    nb02.check_predict_connectivity(nb02.solve_predict_connectivity)


def test_shuffle_check_rejects_wrong_answers():
    with pytest.raises(AssertionError, match="channel order"):
        nb02.check_shuffle_with_index(lambda x, g: x)  # no shuffle
    with pytest.raises(AssertionError, match="channel order"):  # the inverse, not the shuffle
        nb02.check_shuffle_with_index(
            lambda x, g: x.view(x.shape[0], x.shape[1] // g, g, *x.shape[2:]).transpose(1, 2)
            .reshape(x.shape))
    with pytest.raises(AssertionError, match="keeps the shape"):
        nb02.check_shuffle_with_index(lambda x, g: x[:, ::2])


def test_widest_width_check_rejects_wrong_answers():
    with pytest.raises(AssertionError, match="not the widest"):
        nb02.check_widest_width(lambda h, w, g, budget: 4 * g)
    with pytest.raises(AssertionError, match="over the budget"):
        nb02.check_widest_width(lambda h, w, g, budget: nb02.solve_widest_width(h, w, g, budget)
                                + 4 * g)
    with pytest.raises(AssertionError, match="multiple of 4g"):
        nb02.check_widest_width(lambda h, w, g, budget: nb02.solve_widest_width(h, w, g, budget)
                                - 1)


def test_widest_width_values():
    # at the g = 1 network's stage-3 unit cost, g = 2 affords the paper's 400 channels (Table 1)
    budget = shufflenet_unit_macs(14, 14, 288, 72, 1)
    assert [nb02.solve_widest_width(14, 14, g, budget) for g in (1, 2)] == [288, 400]


def test_connectivity_check_rejects_wrong_answers():
    with pytest.raises(AssertionError, match="entries differ"):
        nb02.check_predict_connectivity(lambda c, g1, g2, s: torch.ones(c, c, dtype=torch.long))
    with pytest.raises(AssertionError, match="shape"):
        nb02.check_predict_connectivity(lambda c, g1, g2, s: torch.ones(c, c + 1))


def test_skeletons_report_not_attempted(capsys):
    def skeleton(*args):
        raise NotImplementedError

    for check in (nb02.check_shuffle_with_index, nb02.check_widest_width,
                  nb02.check_predict_connectivity):
        assert try_check(check, skeleton) is False
    assert capsys.readouterr().out.count("not attempted yet") == 3


def test_permuted_depthwise_reference_passes():
    nb02.check_permuted_depthwise(nb02.solve_permuted_depthwise)


def test_permuted_depthwise_check_rejects_wrong_answers():
    import copy

    from lwcourse.connectivity import inverse_permutation

    def unchanged(dw, perm):  # forgets to permute
        return copy.deepcopy(dw)

    def inverse(dw, perm):  # gathers instead of scatters
        return nb02.solve_permuted_depthwise(dw, inverse_permutation(perm))

    def conv_only(dw, perm):  # permutes the filters but not BatchNorm
        moved = copy.deepcopy(dw)
        with torch.no_grad():
            moved.conv.weight[torch.tensor(perm)] = dw.conv.weight.clone()
        return moved

    def in_place(dw, perm):  # right values, but modifies the caller's layer
        moved = nb02.solve_permuted_depthwise(dw, perm)
        dw.load_state_dict(moved.state_dict())
        return dw

    for wrong in (unchanged, inverse, conv_only):
        with pytest.raises(AssertionError, match="outputs differ"):
            nb02.check_permuted_depthwise(wrong)
    with pytest.raises(AssertionError, match="was modified"):
        nb02.check_permuted_depthwise(in_place)
