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
