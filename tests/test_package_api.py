"""The package surface a learner meets first: ``lw.<TAB>`` and ``lw.setup``."""

import torch

import lwcourse as lw


def test_dir_offers_every_submodule_before_it_is_loaded():
    names = dir(lw)
    assert {"models", "blocks", "cost", "bench", "reference", "connectivity", "guidelines",
            "solutions", "setup"} <= set(names)
    assert set(lw._SUBMODULES) <= set(names)


def test_setup_sets_threads_and_the_fixture_gives_them_back():
    lw.setup(seed=0, threads=1)
    assert torch.get_num_threads() == 1
    a = torch.rand(3)
    lw.setup(seed=0, threads=1)
    assert torch.equal(torch.rand(3), a)  # seeded
