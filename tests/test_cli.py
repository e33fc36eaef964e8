"""The command line: list, summary, compare, and clear errors for unknown names."""

import subprocess
import sys

from lwcourse import cli, models


def test_list_prints_every_model(capsys):
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().out.split() == models.list_models()


def test_summary_prints_totals_and_a_stage_table(capsys):
    assert cli.main(["summary", "shufflenet_v2_x0_5", "--resolution", "128"]) == 0
    out = capsys.readouterr().out
    assert "at 128x128" in out and "params" in out and "MACs" in out
    assert "memory access" in out and "largest tensor" in out
    assert "stages" in out


def test_compare_prints_a_table_and_writes_a_plot(capsys, tmp_path):
    plot = tmp_path / "cmp.png"
    argv = ["compare", "shufflenet_v2_x0_5", "mobilenet_v3_small", "--resolution", "64",
            "--rounds", "2", "--plot", str(plot)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "shufflenet_v2_x0_5" in out and "mobilenet_v3_small" in out and " ms " in out
    assert plot.stat().st_size > 0


def test_summary_defaults_to_the_models_resolution(capsys):
    assert cli.main(["summary", "efficientnet_b2", "--depth", "1"]) == 0
    assert "efficientnet_b2 at 260x260" in capsys.readouterr().out


def test_unknown_name_exits_2_with_close_matches_and_no_traceback():
    # as a learner runs it; every other user error is in test_bad_inputs.py, in-process
    result = subprocess.run([sys.executable, "-m", "lwcourse.cli", "summary", "mobilenet_v5"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown model name 'mobilenet_v5'" in result.stderr
    assert "Did you mean" in result.stderr and "mobilenet_v" in result.stderr
