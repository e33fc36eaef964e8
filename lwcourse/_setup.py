"""One call that makes a notebook reproducible: seeds, threads, print options."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def setup(seed: int = 0, threads: int | None = 2) -> None:
    """Seed Python, NumPy and torch, fix torch's thread count and set print options.

    ``threads=None`` keeps torch's default; otherwise it is capped at the number of cores.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive int or None, got {threads!r}")
        torch.set_num_threads(min(threads, os.cpu_count() or 1))
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    torch.set_printoptions(precision=4, sci_mode=False, linewidth=100)
    try:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100,
                                    "figure.figsize": (6.4, 4.0), "axes.grid": True,
                                    "grid.alpha": 0.3})
    except ImportError:  # matplotlib is a dependency, but setup() should never fail on it
        pass
