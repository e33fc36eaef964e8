"""``lwcourse execute [NOTEBOOK ...]``: produce the notebooks' stored outputs and figures.

The one way stored outputs are made: each notebook runs alone, top to bottom, in a fresh
kernel, on a machine that is otherwise idle (the command refuses a busy one), with
``LWCOURSE_FIGURES_DIR`` pointing at the repository's ``figures/`` so that ``lw.plot.savefig``
writes the PNGs. Tests and a learner's casual run write no file. Run it from the repository
root; it prints each notebook's wall time and any cell that wrote to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def machine_load() -> float:
    """The 1-minute load average (runnable processes), 0.0 where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def under_pytest() -> bool:
    return "PYTEST_CURRENT_TEST" in os.environ or "pytest" in sys.modules


def stderr_cells(nb) -> list[int]:
    """Indices of the code cells whose outputs include a stderr stream."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and any(o.get("output_type") == "stream" and o.get("name") == "stderr"
                    for o in cell.get("outputs", []))]


def execute_notebook(path: Path, figures_dir: Path, timeout: int = 600) -> float:
    """Execute ``path`` in place in a fresh ``python3`` kernel (working directory: the
    notebook's folder) with figures written to ``figures_dir``; drop widget state and
    timing metadata. Returns the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    from .plot import FIGURES_ENV

    nb = nbformat.read(path, as_version=4)
    os.environ[FIGURES_ENV] = str(figures_dir.resolve())
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   store_widget_state=True,  # an Output widget needs it; dropped below
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return seconds


def _notebooks(names: list[str]) -> list[Path]:
    if not names:
        found = sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
        if not found:
            raise SystemExit("lwcourse execute: no notebooks/NN_*.ipynb here; run it from the "
                             "repository root or name the notebooks")
        return found
    paths = [Path(n) for n in names]
    wrong = [str(p) for p in paths if p.suffix != ".ipynb" or not p.is_file()]
    if wrong:
        raise SystemExit(f"lwcourse execute: NOTEBOOK must be an existing .ipynb file; got "
                         f"{', '.join(wrong)}")
    if len(set(paths)) != len(paths):
        raise SystemExit("lwcourse execute: a notebook is named more than once")
    return paths


def cmd_execute(args) -> int:
    if under_pytest():
        raise SystemExit("lwcourse execute must not run under pytest: stored outputs are made "
                         "on a quiet machine, never by the tests")
    notebooks = _notebooks(args.notebooks)
    cores = os.cpu_count() or 1
    load = machine_load()
    if load > args.max_load:
        message = (f"the machine is busy: load average {load:.2f} on {cores} cores (limit "
                   f"--max-load {args.max_load}); stored timings would describe the load, not "
                   f"the models")
        if not args.force:
            raise SystemExit(f"lwcourse execute: {message}. Close other programs and retry, "
                             f"or pass --force.")
        print(f"WARNING: {message}. Running anyway (--force).", flush=True)
    figures = Path(args.figures_dir)
    for path in notebooks:
        print(f"{path}: running (load average {machine_load():.2f})", flush=True)
        seconds = execute_notebook(path, figures, args.timeout)
        print(f"{path}: {seconds:.1f} s", flush=True)
        import nbformat

        bad = stderr_cells(nbformat.read(path, as_version=4))
        if bad:
            print(f"WARNING: {path}: cells {bad} wrote to stderr (the course allows none)",
                  flush=True)
    return 0


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``execute`` on the ``lwcourse`` command's subparsers."""
    from .cli import _positive

    p = subparsers.add_parser("execute", help="run notebooks one at a time on an idle machine "
                              "and store their outputs and figures",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to run, in order (default: notebooks/NN_*.ipynb)")
    p.add_argument("--figures-dir", default="figures",
                   help="where lw.plot.savefig writes (default: figures, at the repo root)")
    p.add_argument("--max-load", type=_non_negative, default=0.5,
                   help="refuse to start above this 1-minute load average (default 0.5)")
    p.add_argument("--force", action="store_true",
                   help="run on a busy machine anyway (its stored timings will be unreliable)")
    p.add_argument("--timeout", type=_positive, default=600,
                   help="seconds allowed per cell (default 600)")
    p.set_defaults(func=cmd_execute)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lwcourse")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["execute", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
