from lwcourse.solutions import try_check


def _check_double(fn):
    assert fn(2) == 4, f"fn(2) should be 4, got {fn(2)}"


def test_try_check_reports_each_outcome(capsys):
    def not_done(x):
        raise NotImplementedError

    assert try_check(_check_double, lambda x: 2 * x) is True
    assert try_check(_check_double, lambda x: x) is False
    assert try_check(_check_double, not_done) is False
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "correct!"
    assert out[1].startswith("not yet right: fn(2) should be 4")
    assert out[2].startswith("not attempted yet")


def test_show_prints_a_reference_solution(capsys):
    from lwcourse.solutions import NOTEBOOKS, exercises, show

    assert NOTEBOOKS[:4] == ("nb00", "nb01", "nb02", "nb03")
    assert exercises("nb01") == ["largest_alpha", "separable_block_memory_access",
                                 "merge_separable"]
    show("nb01", "merge_separable")
    out = capsys.readouterr().out
    assert out.startswith("def solve_merge_separable(") and "merged.weight.copy_" in out


def test_show_rejects_unknown_names():
    import pytest

    from lwcourse.solutions import show

    with pytest.raises(ValueError, match="notebook must be one of nb00"):
        show("nb99", "x")
    with pytest.raises(ValueError, match="exercise must be one of largest_alpha"):
        show("nb01", "nope")
