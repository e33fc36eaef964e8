"""Suite-wide pytest setup.

pytest-xdist runs two workers on a two-core machine; with torch's default of one thread per
core each, they would oversubscribe the cores and slow every backward pass several-fold. The
unit tests time nothing, so one intra-op thread each is all they need. (Notebooks run in
their own kernels and set their threads with ``lw.setup``.)
"""

import os

import torch

torch.set_num_threads(1)
# Tests never write figures: lw.plot.savefig writes only when this is set (by
# `lwcourse execute`), and the notebooks' kernels inherit this environment.
os.environ.pop("LWCOURSE_FIGURES_DIR", None)
