"""Small plotting helpers the notebooks share (matplotlib, PNG output)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

FIGURES = Path(__file__).resolve().parent.parent / "figures"


def pareto_front(xs: Sequence[float], ys: Sequence[float]) -> list[int]:
    """Indices of the points no other point beats on both axes (lower x and higher y win),
    sorted by x: e.g. MACs (lower is better) against accuracy (higher is better)."""
    order = sorted(range(len(xs)), key=lambda i: (xs[i], -ys[i]))
    front, best = [], -np.inf
    for i in order:
        if ys[i] > best:
            front.append(i)
            best = ys[i]
    return front


def scatter_labeled(xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], *,
                    xlabel: str = "", ylabel: str = "", title: str = "", pareto: bool = False,
                    logx: bool = False, logy: bool = False, ax=None):
    """A scatter plot with a text label at every point; ``pareto=True`` joins the points on
    the front (lower x, higher y). Returns the axes."""
    if not len(xs) == len(ys) == len(labels):
        raise ValueError(f"xs, ys and labels must have the same length; got "
                         f"{len(xs)}, {len(ys)}, {len(labels)}")
    ax = ax or plt.subplots()[1]
    ax.scatter(xs, ys, zorder=3)
    for x, y, label in zip(xs, ys, labels, strict=True):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    if pareto:
        front = pareto_front(xs, ys)
        ax.plot([xs[i] for i in front], [ys[i] for i in front], "--", color="C1",
                label="Pareto front", zorder=2)
        ax.legend()
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax


def grouped_bars(data: Mapping[str, Mapping[str, float]], *, ylabel: str = "",
                 title: str = "", ax=None, fmt: str | None = "{:.2f}"):
    """Bars grouped by outer key, one colour per inner key:
    ``{"g=1": {"paper": 1.0, "ours": 0.9}, "g=2": {...}}``. Returns the axes."""
    groups = list(data)
    series = list(dict.fromkeys(k for inner in data.values() for k in inner))
    ax = ax or plt.subplots()[1]
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    for i, name in enumerate(series):
        values = [data[g].get(name, np.nan) for g in groups]
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name,
                      zorder=3)
        if fmt:
            ax.bar_label(bars, labels=["" if np.isnan(v) else fmt.format(v) for v in values],
                         fontsize=7, padding=1)
    ax.set_xticks(x, groups)
    ax.set(ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    return ax


def roofline(peak_gflops: float, bandwidth_gbs: float,
             points: Sequence[tuple[str, float, float]] = (), *, title: str = "", ax=None):
    """Roofline plot: attainable GFLOP/s = min(peak, bandwidth x intensity) on log axes, with
    ``points`` given as ``(label, FLOP/byte, measured GFLOP/s)``. Returns the axes."""
    if peak_gflops <= 0 or bandwidth_gbs <= 0:
        raise ValueError("peak_gflops and bandwidth_gbs must be positive")
    ax = ax or plt.subplots()[1]
    intensities = [p[1] for p in points] or [1.0]
    lo = min(min(intensities) / 2, 0.1)
    hi = max(max(intensities) * 2, 4 * peak_gflops / bandwidth_gbs)
    grid = np.logspace(np.log10(lo), np.log10(hi), 200)
    ax.plot(grid, np.minimum(peak_gflops, bandwidth_gbs * grid), color="k", label="roofline")
    ax.axvline(peak_gflops / bandwidth_gbs, color="grey", ls=":", lw=1)
    for label, intensity, gflops in points:
        ax.scatter([intensity], [gflops], zorder=3)
        ax.annotate(label, (intensity, gflops), textcoords="offset points", xytext=(4, -10),
                    fontsize=8)
    ax.set(xscale="log", yscale="log", xlabel="arithmetic intensity (FLOP / byte)",
           ylabel="GFLOP/s", title=title)
    ax.legend(loc="lower right")
    return ax


def savefig(fig, name: str, directory: str | Path | None = None) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` (no timestamp metadata, so reruns give the same
    file). Returns the path."""
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"name must be a plain file name such as 'roofline'; got {name!r}")
    directory = Path(directory) if directory is not None else FIGURES
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path
