"""benchmarks/deploy.py runs on a tiny configuration and rejects bad options (no speed asserted)."""

import csv
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "deploy.py"


def _load():
    spec = importlib.util.spec_from_file_location("deploy_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_a_row_per_step_with_the_reference(tmp_path, capsys):
    out = tmp_path / "deploy.csv"
    argv = ["--models", "shufflenet_v2_x1_0", "--steps", "eager", "bn_folded", "frozen",
            "--threads", "1", "--resolution", "64", "--time-budget", "0.2", "--out", str(out)]
    assert _load().main(argv) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["step"] for r in rows] == ["reference", "eager", "bn_folded", "frozen"]
    assert all(float(r["rel_max_diff"]) <= 1e-5 and float(r["top1_agreement"]) == 1
               for r in rows)
    assert "best for shufflenet_v2_x1_0 at 1 thread(s)" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--models", "resnet50"], "invalid choice: 'resnet50'"),
    (["--steps", "tensorrt"], "invalid choice: 'tensorrt'"),
    (["--threads", "0"], "--threads: expected a positive integer"),
    (["--threads", "100000"], "--threads must be between 1 and"),
    (["--time-budget", "0"], "--time-budget must be a positive number"),
    (["--resolution", "16"], "--resolution must be at least 32"),
    (["--drift"], "--drift needs --out FILE.json"),
    (["--drift", "--out", "drift.csv"], "--drift needs --out FILE.json"),
])
def test_bad_options_exit_2_naming_the_option(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        _load().parse_args(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
