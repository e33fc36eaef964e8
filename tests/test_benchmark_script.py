"""The latency benchmark script runs (its timings are not asserted: speed is for benchmarks)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "latency_vs_reference.py"


def _load():
    spec = importlib.util.spec_from_file_location("latency_vs_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_prints_a_row_per_configuration(capsys):
    script = _load()
    argv = ["--models", "shufflenet_v2_x0_5", "--batches", "1", "--threads", "1",
            "--resolution", "32", "--rounds", "1", "--control"]
    assert script.main(argv) == 0
    out = capsys.readouterr().out
    assert "shufflenet_v2_x0_5 " in out and "shufflenet_v2_x0_5 (A/A)" in out
    assert "worst ratio" in out


def test_script_rejects_models_without_reference():
    with pytest.raises(SystemExit):
        _load().parse_args(["--models", "shufflenet_v1"])
