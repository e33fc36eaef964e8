"""The latency benchmark script runs and rejects bad options (its timings are not asserted:
speed is for benchmarks)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "latency_vs_reference.py"


def _load():
    spec = importlib.util.spec_from_file_location("latency_vs_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_prints_a_row_per_configuration_with_the_aa_control(capsys):
    script = _load()
    argv = ["--models", "shufflenet_v2_x0_5", "--batches", "1", "--threads", "1",
            "--resolution", "64", "--rounds", "2", "--control"]
    assert script.main(argv) == 0
    out = capsys.readouterr().out
    assert "shufflenet_v2_x0_5 " in out and "shufflenet_v2_x0_5 (A/A)" in out
    assert "A/A band" in out and "worst ratio" in out
    assert any(v in out for v in ("within noise", "faster", "slower"))


@pytest.mark.parametrize("argv, message", [
    (["--models", "shufflenet_v1"], "no reference for shufflenet_v1"),
    (["--batches", "0"], "--batches: expected a positive integer, got '0'"),
    (["--batches", "-1"], "--batches: expected a positive integer"),
    (["--resolution", "0"], "--resolution: expected a positive integer"),
    (["--resolution", "x"], "--resolution: expected a positive integer, got 'x'"),
    (["--threads", "0"], "--threads: expected a positive integer"),
    (["--rounds", "0"], "--rounds: expected a positive integer"),
    (["--threads", "100000"], "--threads must be between 1 and"),
    (["--models", "mobilenet_v2", "mobilenet_v2"], "--models lists mobilenet_v2 more than once"),
    (["--batches", "1", "1"], "--batches lists 1 more than once"),
    (["--models", "mobilenet_v2", "--resolution", "16"], "--resolution must be at least"),
])
def test_bad_options_exit_2_with_a_message_naming_the_option(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        _load().parse_args(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_option_shows_no_traceback():
    run = subprocess.run([sys.executable, str(SCRIPT), "--batches", "0"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "--batches" in run.stderr


def test_page_fault_script_prints_a_row_and_rejects_unknown_models(capsys):
    spec = importlib.util.spec_from_file_location(
        "page_faults_vs_reference", SCRIPT.parent / "page_faults_vs_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--models", "shufflenet_v2_x0_5", "--resolution", "64",
                        "--rounds", "2"]) == 0
    assert "shufflenet_v2_x0_5" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        module.main(["--models", "shufflenet_v1"])
    assert exit_.value.code == 2
