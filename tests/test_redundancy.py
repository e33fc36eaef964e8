"""lwcourse.redundancy: the ghost fit finds exact ghosts and rejects unrelated maps."""

import math

import pytest
import torch
import torch.nn.functional as F

from lwcourse import redundancy


def _maps_with_a_ghost(d=3, size=24):
    gen = torch.Generator().manual_seed(0)
    source = torch.randn(1, 1, size, size, generator=gen)
    weight = torch.randn(1, 1, d, d, generator=gen)
    ghost = F.conv2d(source, weight, padding=d // 2) + 0.7  # a d x d filter plus a bias
    unrelated = torch.randn(1, 1, size, size, generator=gen)
    return torch.cat((source, ghost, unrelated), dim=1)[0]


def test_an_exact_ghost_has_zero_residual_and_noise_has_about_one():
    r = redundancy.ghost_residuals(_maps_with_a_ghost(), d=3)
    assert r[0, 1] < 1e-6  # map 1 is map 0 through a 3x3 filter + bias
    assert r[1, 0] > 0.1  # the inverse of a 3x3 blur is not a 3x3 filter
    assert 0.9 < r[0, 2] <= 1.0 and 0.9 < r[2, 0] <= 1.0  # independent noise
    assert all(math.isnan(r[i, i]) for i in range(3))


def test_a_larger_filter_never_fits_worse():
    maps = _maps_with_a_ghost()
    r1, r3, r5 = (redundancy.ghost_residuals(maps, d) for d in (1, 3, 5))
    off = ~torch.eye(3, dtype=torch.bool)
    assert (r3[off] <= r1[off] + 1e-9).all() and (r5[off] <= r3[off] + 1e-9).all()


def test_d1_residual_is_sqrt_one_minus_correlation_squared():
    maps = _maps_with_a_ghost()
    corr = torch.corrcoef(maps.reshape(3, -1).double())
    r = redundancy.ghost_residuals(maps, d=1)
    assert torch.allclose(r[0, 2], torch.sqrt(1 - corr[0, 2] ** 2), atol=1e-9)


def test_best_residuals_take_the_best_other_map_and_skip_constant_ones():
    maps = torch.cat((_maps_with_a_ghost(), torch.full((1, 24, 24), 3.0)))
    best = redundancy.best_ghost_residuals(maps, d=3)
    r = redundancy.ghost_residuals(maps, d=3)
    assert best[1] < 1e-6 and best[2] == pytest.approx(float(r[:3, 2].nan_to_num(9).min()))
    assert math.isnan(best[3])  # a constant map has nothing to explain


@pytest.mark.parametrize("maps,match", [
    (torch.zeros(4, 4), "maps must be a tensor of feature maps"),
    ([[1.0]], "maps must be a tensor"),
    (torch.zeros(1, 4, 4), "at least 2"),
    (torch.full((2, 4, 4), float("nan")), "finite"),
])
def test_bad_maps(maps, match):
    with pytest.raises(ValueError, match=match):
        redundancy.ghost_residuals(maps)


@pytest.mark.parametrize("d,match", [(2, "odd"), (0, "odd"), (9, "larger than the maps")])
def test_bad_filter_size(d, match):
    with pytest.raises(ValueError, match=match):
        redundancy.ghost_residuals(torch.randn(3, 6, 6), d)


def test_photos_are_real_and_checked():
    x = redundancy.load_photos(("astronaut", "chelsea"), size=32)
    assert x.shape == (2, 3, 32, 32) and 0.0 <= x.min() and x.max() <= 1.0
    assert x.std() > 0.1  # a real image, not a constant
    with pytest.raises(ValueError, match="unknown photo 'lena'"):
        redundancy.load_photos(("lena",))
    with pytest.raises(ValueError, match="size must be an integer >= 8"):
        redundancy.load_photos(size=4)
