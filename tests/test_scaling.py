"""Compound scaling helpers: the closed forms equal the profiler on the released variants and
on off-grid settings; the grid search and the naive multipliers."""

import pytest
import torch

import lwcourse as lw
from lwcourse import scaling
from lwcourse.models.efficientnet import VARIANTS, efficientnet_scaled


@pytest.mark.parametrize("variant", ["b0", "b1", "b3", "b7"])
def test_closed_forms_equal_the_profiler_on_released_variants(variant):
    v = VARIANTS[variant]
    with torch.device("meta"):
        model = lw.models.create(f"efficientnet_{variant}")
    p = lw.cost.profile(model, (1, 3, v.resolution, v.resolution))
    config = scaling.scaled_config(v.width, v.depth, v.resolution)
    assert (scaling.config_params(config), scaling.config_macs(config)) == (p.params, p.macs)


@pytest.mark.parametrize("width, depth, resolution", [(1.1, 1.2, 258), (0.5, 0.7, 97)])
def test_closed_forms_equal_the_profiler_off_grid(width, depth, resolution):
    model = efficientnet_scaled(width, depth, resolution)
    p = lw.cost.profile(model, (1, 3, resolution, resolution))
    config = scaling.scaled_config(width, depth, resolution)
    assert (scaling.config_params(config), scaling.config_macs(config)) == (p.params, p.macs)
    assert config.layers == sum(len(stage) for stage in model.stages)


def test_scaled_builder_equals_released_variant():
    b2 = lw.models.create("efficientnet_b2")
    mine = efficientnet_scaled(1.1, 1.2, 260, dropout=0.3)
    assert lw.reference.n_params(mine) == lw.reference.n_params(b2)
    assert str(mine).replace(mine.name, "") == str(b2).replace(b2.name, "")


def test_scaled_config_rounding():
    c = scaling.scaled_config(1.0, 1.1, 240)  # B1: ceil on every stage's layers
    assert [s.layers for s in c.stages] == [2, 3, 3, 4, 4, 5, 2]
    c = scaling.scaled_config(1.1, 1.0)  # make_divisible(c * 1.1, 8)
    assert (c.stem, c.head) == (32, 1408)
    assert [s.channels for s in c.stages] == [16, 24, 48, 88, 120, 208, 352]


def test_naive_compound_and_grid_search():
    d, w, r = scaling.naive_compound(1)
    assert (d, w, r) == (1.2, 1.1, 258)
    assert scaling.naive_compound(0) == (1, 1, 224)
    assert scaling.flops_factor(1.2, 1.1, 1.15) == pytest.approx(1.920, abs=1e-3)
    points = scaling.grid_search([1.0, 1.05, 1.1, 1.15, 1.2], tolerance=0.05)
    assert all(abs(p.factor / 2 - 1) <= 0.05 for p in points)
    assert scaling.GridPoint(1.2, 1.1, 1.15) in points
    factors = [abs(p.factor - 2) for p in points]
    assert factors == sorted(factors)


@pytest.mark.parametrize("bad, match", [
    (lambda: scaling.scaled_config(0, 1), "width"),
    (lambda: scaling.scaled_config(1, -1), "depth"),
    (lambda: scaling.scaled_config(1, 1, 0), "resolution"),
    (lambda: scaling.naive_compound(-1), "phi"),
    (lambda: scaling.naive_compound("1"), "phi"),
    (lambda: scaling.grid_search([]), "values"),
    (lambda: scaling.grid_search([0.9, 1.1]), "values"),
    (lambda: scaling.grid_search([1.1], tolerance=0), "tolerance"),
    (lambda: scaling.flops_factor(1, 0, 1), "width"),
    (lambda: efficientnet_scaled(width=0), "width"),
])
def test_bad_inputs(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()
