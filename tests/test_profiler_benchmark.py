"""benchmarks/profile_speed.py runs (its timings are printed, never asserted)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "profile_speed.py"


def _load():
    spec = importlib.util.spec_from_file_location("profile_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_prints_the_count_and_the_time(capsys):
    assert _load().main(["--model", "mobilenet_v3_small", "--resolution", "32",
                         "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "profile(mobilenet_v3_small, (1, 3, 32, 32))" in out and "MACs" in out
    assert "median" in out and "IQR" in out


@pytest.mark.parametrize("argv", [["--resolution", "0"], ["--repeats", "-1"],
                                  ["--model", "no_such_model"]])
def test_script_rejects_bad_arguments(argv):
    with pytest.raises(SystemExit) as exc:
        _load().parse_args(argv)
    assert exc.value.code == 2
