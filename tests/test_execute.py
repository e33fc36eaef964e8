"""``lwcourse execute``: runs notebooks alone and stores outputs and figures (tried on a
throwaway notebook in a temporary folder, in a subprocess: the command refuses to run under
pytest)."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lwcourse import execute

ROOT = Path(__file__).resolve().parent.parent


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["widgets"] = {"state": "left over"}
    nb.cells = [
        nbformat.v4.new_code_cell("import matplotlib\nmatplotlib.use('Agg')\n"
                                  "import matplotlib.pyplot as plt\nimport lwcourse as lw\n"
                                  "fig, ax = plt.subplots()\nprint(lw.plot.savefig(fig, 'tiny'))"),
        nbformat.v4.new_code_cell("import sys\nprint('oops', file=sys.stderr)"),
    ]
    nbformat.write(nb, path)
    return path


def _env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_CURRENT_TEST", "LWCOURSE_FIGURES_DIR")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def test_execute_stores_outputs_and_figures_and_reports_time_and_stderr(tmp_path):
    nb_path = _notebook(tmp_path / "00_tiny.ipynb")
    figures = tmp_path / "figs"
    run = subprocess.run([sys.executable, "-m", "lwcourse.execute", str(nb_path), "--force",
                          "--figures-dir", str(figures)], capture_output=True, text=True,
                         env=_env(), cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"{nb_path}: " in run.stdout and " s\n" in run.stdout  # the wall time
    assert "cells [1] wrote to stderr" in run.stdout
    nb = nbformat.read(nb_path, as_version=4)
    assert [c.execution_count for c in nb.cells] == [1, 2]
    assert nb.cells[0].outputs[0]["text"].strip() == str(figures.resolve() / "tiny.png")
    assert (figures / "tiny.png").is_file()
    assert "widgets" not in nb.metadata
    assert all("execution" not in c.metadata for c in nb.cells)  # no timestamps stored


def test_execute_refuses_to_run_under_pytest(tmp_path):
    with pytest.raises(SystemExit, match="must not run under pytest"):
        execute.main([str(_notebook(tmp_path / "a.ipynb"))])


def test_execute_refuses_a_busy_machine_unless_forced(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(execute, "under_pytest", lambda: False)
    monkeypatch.setattr(execute, "machine_load", lambda: 7.5)
    ran = []
    monkeypatch.setattr(execute, "execute_notebook", lambda *a: ran.append(a) or 1.0)
    nb_path = _notebook(tmp_path / "a.ipynb")
    with pytest.raises(SystemExit, match="busy: load average 7.50"):
        execute.main([str(nb_path)])
    assert not ran
    assert execute.main([str(nb_path), "--force"]) == 0
    assert len(ran) == 1 and "WARNING: the machine is busy" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [(["missing.ipynb"], "existing .ipynb"),
                                           (["a.ipynb", "a.ipynb"], "more than once")])
def test_execute_rejects_bad_notebook_names(argv, message, tmp_path, monkeypatch):
    monkeypatch.setattr(execute, "under_pytest", lambda: False)
    monkeypatch.chdir(tmp_path)
    _notebook(tmp_path / "a.ipynb")
    with pytest.raises(SystemExit, match=message):
        execute.main(argv)


@pytest.mark.parametrize("option", [["--max-load", "-1"], ["--max-load", "inf"],
                                    ["--timeout", "0"]])
def test_execute_rejects_bad_options_with_exit_2(option, capsys):
    with pytest.raises(SystemExit) as exit_:
        execute.main(option)
    assert exit_.value.code == 2 and option[0] in capsys.readouterr().err


def test_execute_is_a_subcommand_of_lwcourse():
    from lwcourse.cli import build_parser

    args = build_parser().parse_args(["execute", "x.ipynb", "--force"])
    assert args.func is execute.cmd_execute and args.notebooks == ["x.ipynb"]
