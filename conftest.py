"""Suite-wide pytest setup.

pytest-xdist runs two workers on a two-core machine; with torch's default of one thread per
core each, they would oversubscribe the cores and slow every op several-fold (each parallel
region waits for a thread that the other worker has descheduled). So each worker gets its
share of the cores: the unit tests (which time nothing) through ``torch.set_num_threads``;
the notebooks' kernels (which inherit this environment) through ``LWCOURSE_MAX_THREADS``, the
cap on ``lw.setup``'s thread count; other subprocesses (the CLI) through ``OMP_NUM_THREADS``.
A cell that asks for more threads explicitly (``lw.bench.threads(2)``) still gets them.

Scheduling (``--dist loadfile --no-loadscope-reorder``): files run in the order collected here,
the longest first, so that no worker is left alone with a long file at the end.
"""

import os

import torch

_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_share = max(1, (os.cpu_count() or 1) // _workers)
torch.set_num_threads(1)
if _workers > 1:
    os.environ["LWCOURSE_MAX_THREADS"] = str(_share)
    os.environ.setdefault("OMP_NUM_THREADS", str(_share))  # torch's default in subprocesses
# Tests never write figures: lw.plot.savefig writes only when this is set (by
# `lwcourse execute`), and the notebooks' kernels inherit this environment.
os.environ.pop("LWCOURSE_FIGURES_DIR", None)

# Files that each take tens of seconds: the notebooks (run as a whole) and these unit tests.
LONG_FILES = ("test_classroom_site.py", "test_survey.py", "test_classroom.py", "test_execute.py",
              "test_train.py", "test_solutions_nb07.py", "test_contract.py", "test_cli.py")


def _expected_length(item) -> int:
    path = item.path
    if path.suffix == ".ipynb":
        return 0
    return 1 if path.name in LONG_FILES else 2


def pytest_collection_modifyitems(items):
    items.sort(key=_expected_length)  # stable: within a group, the collected order
