"""Shared test fixtures. The helpers to compare models live in ``lwcourse.reference``
(``n_params``, ``assert_same_model``), so tests and notebooks use the same ones."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """``lw.setup()`` sets torch's thread count; give the worker back the count it had."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
