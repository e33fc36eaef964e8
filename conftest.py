"""Suite-wide pytest setup.

pytest-xdist runs two workers on a two-core machine; with torch's default of one thread per
core each, they would oversubscribe the cores and slow every backward pass several-fold.
One intra-op thread per worker keeps the unit tests fast. (Notebooks run in their own kernels
and set their threads with ``lw.setup``.)
"""

import os

import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)
