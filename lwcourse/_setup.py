"""One call that makes a notebook reproducible: seeds, threads, print options."""

from __future__ import annotations

import numbers
import os
import random

import numpy as np
import torch

from ._checks import check_positive_int

MAX_THREADS_ENV = "LWCOURSE_MAX_THREADS"  # caps ``setup``'s thread count (set by the tests)


def _thread_cap() -> int:
    """Cores, or fewer where ``LWCOURSE_MAX_THREADS`` says so: the test suite runs two
    notebooks side by side on two cores, and two threads each would oversubscribe them."""
    cores = os.cpu_count() or 1
    text = os.environ.get(MAX_THREADS_ENV)
    if text is None:
        return cores
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"the environment variable {MAX_THREADS_ENV} must be a positive "
                         f"integer (a cap on lw.setup's thread count), got {text!r}")
    return min(cores, int(text))


def setup(seed: int = 0, threads: int | None = 2) -> None:
    """Seed Python, NumPy and torch, fix torch's thread count and set print options.

    ``threads=None`` keeps torch's default; otherwise it is capped at the number of cores
    and at ``$LWCOURSE_MAX_THREADS`` where that is set.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32 - 1] (NumPy's seed range); "
                         f"got {seed!r}")
    seed = int(seed)
    if threads is not None:
        check_positive_int("threads", threads)
        threads = min(threads, _thread_cap())
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    torch.set_printoptions(precision=4, sci_mode=False, linewidth=100)
    try:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100,
                                    "figure.figsize": (6.4, 4.0), "axes.grid": True,
                                    "grid.alpha": 0.3})
    except ImportError:  # matplotlib is a dependency, but setup() should never fail on it
        pass
