"""benchmarks/profile_speed.py runs (its timings are printed, never asserted)."""

import runpy
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "profile_speed.py"


def _script() -> dict:
    return runpy.run_path(str(SCRIPT))  # its functions by name; __main__ does not run


def test_script_prints_the_count_and_the_time(capsys):
    assert _script()["main"](["--model", "mobilenet_v3_small", "--resolution", "32",
                         "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "profile(mobilenet_v3_small, (1, 3, 32, 32))" in out and "MACs" in out
    assert "median" in out and "IQR" in out


@pytest.mark.parametrize("argv", [["--resolution", "0"], ["--repeats", "-1"],
                                  ["--model", "no_such_model"]])
def test_script_rejects_bad_arguments(argv):
    with pytest.raises(SystemExit) as exc:
        _script()["parse_args"](argv)
    assert exc.value.code == 2
