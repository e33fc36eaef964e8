"""lw.setup, and the two install routes (pip extras, conda) listing the same packages."""

import random
import re
from pathlib import Path

import numpy as np
import pytest
import tomllib
import torch
import yaml

import lwcourse as lw

ROOT = Path(__file__).resolve().parent.parent


def test_setup_seeds_everything_and_fixes_threads():
    lw.setup(seed=3, threads=1)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    assert torch.get_num_threads() == 1
    lw.setup(seed=3, threads=1)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    lw.setup(seed=0)


@pytest.mark.parametrize("kwargs, name", [({"seed": -1}, "seed"), ({"threads": 0}, "threads")])
def test_setup_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lw.setup(**kwargs)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-e")}
        else:
            listed.add(_name(dep))
    listed -= {"python", "pip"}
    assert listed == wanted
    pip_lines = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert any(line.startswith("-e .[") for line in pip_lines)  # installs lwcourse itself


def test_readme_quick_start_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_cmd = 'pip install -e ".[test]" && pytest'
    assert test_cmd in readme and test_cmd in ci
    assert 'pip install -e ".[course]" && jupyter lab notebooks/' in readme
