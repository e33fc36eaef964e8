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
