"""Notebook 03's exercises: each reference solution passes its check; wrong answers fail it."""

import math

import pytest

from lwcourse.solutions import nb03, try_check


def test_best_split():
    nb03.check_best_split(nb03.solve_best_split)
    assert nb03.solve_best_split(56 * 56 * 4050, 56, 56) == (54, 75)
    with pytest.raises(ValueError, match="not a multiple"):
        nb03.solve_best_split(1000, 7, 7)


def test_best_split_rejects_wrong_answers():
    def unbalanced(B, h, w):  # a valid split, but not the best one
        return 1, B // (h * w)

    def swapped(B, h, w):
        c1, c2 = nb03.solve_best_split(B, h, w)
        return c2, c1

    def rounded(B, h, w):  # balanced but ignores the exact product
        c = math.isqrt(B // (h * w))
        return c, c

    for wrong in (unbalanced, swapped, rounded):
        with pytest.raises(AssertionError):
            nb03.check_best_split(wrong)


def test_shuffle_split():
    nb03.check_shuffle_split(nb03.solve_shuffle_split)


def test_shuffle_split_rejects_wrong_answers():
    from lwcourse.blocks import channel_shuffle

    with pytest.raises(AssertionError, match="differs"):  # no shuffle at all
        nb03.check_shuffle_split(lambda x: x.chunk(2, dim=1))
    with pytest.raises(AssertionError, match="differs"):  # the paper's 2-group shuffle
        nb03.check_shuffle_split(lambda x: channel_shuffle(x, 2).chunk(2, dim=1))
    with pytest.raises(AssertionError, match="copied"):  # right halves, but a full copy
        nb03.check_shuffle_split(nb03.inverse_shuffle_split)


def test_parallel_memory_access():
    nb03.check_parallel_memory_access(nb03.solve_parallel_memory_access)
    c, n, h = 64, 4, 56
    assert nb03.solve_parallel_memory_access(c, n, h, h) == (n + 3) * h * h * c + c * c


def test_parallel_memory_access_rejects_wrong_answers():
    def once(c, n, h, w):  # as if the input were read only once
        return h * w * c + c * c + h * w * c

    def no_concat(c, n, h, w):
        return nb03.solve_parallel_memory_access(c, n, h, w) - 2 * h * w * c

    for wrong in (once, no_concat):
        with pytest.raises(AssertionError):
            nb03.check_parallel_memory_access(wrong)


def test_skeleton_is_reported_as_not_attempted(capsys):
    def skeleton(*args):
        raise NotImplementedError

    assert try_check(nb03.check_best_split, skeleton) is False
    assert capsys.readouterr().out.startswith("not attempted yet")
