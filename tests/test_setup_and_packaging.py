"""lw.setup, and the two install routes (pip extras, conda) listing the same packages."""

import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as a package (a test dependency there)
    import tomli as tomllib

import lwcourse as lw

ROOT = Path(__file__).resolve().parent.parent


def test_setup_seeds_everything_and_fixes_threads():
    lw.setup(seed=3, threads=1)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    assert torch.get_num_threads() == 1
    lw.setup(seed=3, threads=1)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    lw.setup(seed=0)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_setup_threads_are_capped_by_the_environment(monkeypatch):
    monkeypatch.setenv("LWCOURSE_MAX_THREADS", "1")
    lw.setup(seed=0, threads=2)
    assert torch.get_num_threads() == 1
    monkeypatch.delenv("LWCOURSE_MAX_THREADS")
    lw.setup(seed=0, threads=2)
    assert torch.get_num_threads() == 2
    for bad in ("0", "two", "-1", ""):
        monkeypatch.setenv("LWCOURSE_MAX_THREADS", bad)
        with pytest.raises(ValueError, match="LWCOURSE_MAX_THREADS must be a positive integer"):
            lw.setup(seed=0)


@pytest.mark.parametrize("kwargs, name", [({"seed": -1}, "seed"), ({"threads": 0}, "threads")])
def test_setup_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lw.setup(**kwargs)


def _names(requirements, python: str) -> set[str]:
    """Package names of the requirements that apply to ``python`` (markers evaluated)."""
    names = set()
    for line in requirements:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"python_version": python}):
            names.add(req.name.lower())
    return names


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    python = next(d.split("=", 1)[1] for d in conda if d.startswith("python="))
    conda = [d for d in conda if not d.startswith("python=") and d != "pip"]
    wanted = _names(project["dependencies"], python)
    for extra in project["optional-dependencies"].values():
        wanted |= _names(extra, python)
    pip_lines = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    listed = _names(conda, python) | _names([p for p in pip_lines if not p.startswith("-e")],
                                            python)
    assert listed == wanted
    assert any(line.startswith("-e .[") for line in pip_lines)  # installs lwcourse itself


def test_readme_quick_start_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_cmd = 'pip install -e ".[test]" && pytest'
    assert test_cmd in readme and test_cmd in ci
    assert 'pip install -e ".[course]" && jupyter lab notebooks/' in readme
