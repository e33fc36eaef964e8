"""How redundant are a layer's feature maps? GhostNet's motivation, measured (notebook 06).

GhostNet (Han et al. 2020, Sec. 3.1 and Fig. 1) observes that many output maps of a conv layer
look like cheap transforms of other maps. Here "cheap transform" is made precise as the
GhostNet's own cheap operation: a ``d x d`` filter with a bias applied to one map ("same" zero
padding). For every ordered pair (source ``i``, target ``j``) the best such filter is fitted by
least squares, and the fit is judged by its relative residual

    ||y_j - (w * y_i + b)|| / ||y_j - mean(y_j)||,

0 for an exact ghost, 1 for a map that the source explains no better than its mean.
(``d = 1`` is a scale and a shift: the residual is ``sqrt(1 - corr^2)``.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._checks import check_odd_int

__all__ = ["ghost_residuals", "best_ghost_residuals", "load_photos"]


def _check_maps(maps) -> torch.Tensor:
    if not isinstance(maps, torch.Tensor) or maps.dim() != 3:
        shape = tuple(maps.shape) if isinstance(maps, torch.Tensor) else type(maps).__name__
        raise ValueError(f"maps must be a tensor of feature maps (C, H, W); got {shape}")
    if maps.shape[0] < 2:
        raise ValueError(f"maps must hold at least 2 feature maps; got {maps.shape[0]}")
    if not torch.isfinite(maps).all():
        raise ValueError("maps must be finite (no NaN or inf)")
    return maps.detach().to(torch.float64)


def ghost_residuals(maps: torch.Tensor, d: int = 3) -> torch.Tensor:
    """``(C, C)`` matrix: entry ``[i, j]`` is the relative residual of the best ``d x d``
    filter + bias mapping map ``i`` onto map ``j`` (least squares, float64). The diagonal is
    NaN (a map is trivially its own ghost), and so is every column of a constant target map
    (nothing to explain)."""
    maps = _check_maps(maps)
    check_odd_int("d", d)
    c, h, w = maps.shape
    if d > min(h, w):
        raise ValueError(f"d = {d} is larger than the maps ({h}x{w})")
    # design matrices: for each source, its d*d shifted copies plus a column of ones
    patches = F.unfold(maps.unsqueeze(1), d, padding=d // 2)  # (C, d*d, H*W)
    design = torch.cat((patches, torch.ones(c, 1, h * w, dtype=maps.dtype)), dim=1)
    targets = maps.reshape(c, h * w)  # (C, H*W)
    gram = design @ design.transpose(1, 2)  # (C, d*d + 1, d*d + 1)
    moments = torch.einsum("ikp,jp->ikj", design, targets)  # (C, d*d + 1, C)
    coef = torch.linalg.lstsq(gram, moments, driver="gelsd").solution
    explained = (coef * moments).sum(dim=1)  # b^T A^T y per (source, target)
    centered = targets - targets.mean(dim=1, keepdim=True)
    total = (centered**2).sum(dim=1)  # ||y - mean y||^2 per target
    rss = ((targets**2).sum(dim=1) - explained).clamp_min(0.0)
    out = torch.sqrt(rss / total).clamp_max(1.0)
    out[:, total <= 1e-12 * (targets**2).sum(dim=1).clamp_min(1e-300)] = float("nan")
    out.fill_diagonal_(float("nan"))
    return out


def best_ghost_residuals(maps: torch.Tensor, d: int = 3) -> torch.Tensor:
    """For each map: the smallest relative residual over all *other* maps as the source, i.e.
    how well its best "intrinsic" partner plus a ``d x d`` filter reproduces it. NaN for a
    constant map."""
    residuals = ghost_residuals(maps, d)
    best = torch.where(torch.isnan(residuals), torch.inf, residuals).amin(dim=0)
    return torch.where(torch.isinf(best), torch.nan, best)


def load_photos(names=("astronaut", "coffee", "chelsea"), size: int = 128) -> torch.Tensor:
    """Real photographs shipped with scikit-image (no download), centre-cropped to a square,
    resized to ``size`` x ``size`` with anti-aliasing, as a float batch ``(N, 3, size, size)``
    in [0, 1]."""
    import numpy as np
    import skimage.data
    from skimage.transform import resize

    known = ("astronaut", "coffee", "chelsea", "rocket", "retina", "immunohistochemistry")
    for name in names:
        if name not in known:
            raise ValueError(f"unknown photo {name!r}; choose from {', '.join(known)}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 8:
        raise ValueError(f"size must be an integer >= 8; got {size!r}")
    batch = []
    for name in names:
        image = getattr(skimage.data, name)()
        h, w = image.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = image[top:top + side, left:left + side, :3]
        batch.append(resize(square, (size, size), anti_aliasing=True))  # floats in [0, 1]
    return torch.from_numpy(np.stack(batch)).float().permute(0, 3, 1, 2).contiguous()
