"""Small plotting helpers the notebooks share (matplotlib, PNG output).

Timing plots show the median with the interquartile range as error bars (``timing_bars``,
``timing_line``). ``savefig`` writes only where ``LWCOURSE_FIGURES_DIR`` points (the
``lwcourse execute`` command sets it): running a notebook or the tests changes no file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from .bench import Latency, MachinePeak

FIGURES_ENV = "LWCOURSE_FIGURES_DIR"


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


def _error_bars(latencies: Sequence[Latency]) -> np.ndarray:
    """IQR as asymmetric error bars around the medians (matplotlib's ``yerr``)."""
    return np.array([[t.median_ms - t.q1_ms for t in latencies],
                     [t.q3_ms - t.median_ms for t in latencies]])


def timing_bars(latencies: Mapping[str, Latency], *, ylabel: str = "latency (ms)",
                title: str = "", ax=None):
    """One bar per timing: the median, with the IQR (q1 to q3) as error bars. Returns the
    axes."""
    if not latencies:
        raise ValueError("latencies must hold at least one timing")
    ax = ax or plt.subplots()[1]
    values = list(latencies.values())
    ax.bar(range(len(values)), [t.median_ms for t in values], yerr=_error_bars(values),
           capsize=4, zorder=3)
    ax.set_xticks(range(len(values)), list(latencies), rotation=20, ha="right")
    ax.set(ylabel=ylabel, title=title or "median, error bars: interquartile range")
    return ax


def timing_line(xs: Sequence[float], latencies: Sequence[Latency], *, label: str = "",
                xlabel: str = "", ylabel: str = "latency (ms)", title: str = "", ax=None):
    """Medians against ``xs`` with IQR error bars; call again with ``ax=`` for more lines.
    Returns the axes."""
    if len(xs) != len(latencies) or not len(xs):
        raise ValueError(f"xs and latencies must have the same, non-zero length; got {len(xs)} "
                         f"and {len(latencies)}")
    ax = ax or plt.subplots()[1]
    ax.errorbar(xs, [t.median_ms for t in latencies], yerr=_error_bars(latencies), capsize=3,
                marker="o", label=label or None)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "median, error bars: interquartile range")
    if label:
        ax.legend()
    return ax


_REGIME_STYLE = {
    "under the DRAM roof": {"marker": "o"},
    "cache-resident": {"marker": "o", "facecolors": "none"},
    "above the roofs": {"marker": "X"},
}
_REGIME_LEGEND = {
    "cache-resident": "hollow: above the DRAM roof = its data came from cache",
    "above the roofs": "X: faster than every measured ceiling (measure it in machine_peak)",
}


def roofline(peak: MachinePeak, points: Sequence[tuple[str, float, float]] = (), *,
             label: str = "", title: str = "", ax=None):
    """This machine's roofline on log axes: the compute roof, the DRAM roof (solid) and the
    cache roof (dashed), each min(peak, bandwidth x intensity). ``points`` are
    ``(label, FLOP/byte, measured GFLOP/s)``; a point above the DRAM roof is drawn hollow and
    labelled cache-resident (``peak.regime``). Call again with ``ax=`` to add another
    machine_peak (e.g. more threads). Returns the axes."""
    from .bench import MachinePeak

    if not isinstance(peak, MachinePeak):
        raise ValueError(f"peak must be a lw.bench.MachinePeak (from lw.bench.machine_peak()), "
                         f"got {type(peak).__name__}")
    ax = ax or plt.subplots()[1]
    drawn = [x for line in ax.get_lines() for x in line.get_xdata()]  # earlier roofs
    intensities = [p[1] for p in points] + [peak.ridge_point] + drawn
    lo = min(drawn) if drawn else min(min(intensities) / 4, 0.05)
    hi = max(drawn) if drawn else max(intensities) * 4
    grid = np.logspace(np.log10(lo), np.log10(hi), 200)
    name = label or f"{peak.threads} thread(s)"
    line = ax.plot(grid, np.minimum(peak.gflops, peak.dram_gbs * grid),
                   label=f"DRAM roof, {name}")[0]
    ax.plot(grid, np.minimum(peak.gflops, peak.cache_gbs * grid), ls="--", lw=1,
            color=line.get_color(), label=f"cache roof, {name}")
    seen, placed = set(), []
    for text, intensity, gflops in points:
        regime = peak.regime(intensity, gflops)
        style = dict(_REGIME_STYLE[regime])
        color = {"facecolors": "none", "edgecolors": "C3"} if "facecolors" in style else {
            "color": "C3" if regime == "above the roofs" else "k"}
        style.pop("facecolors", None)
        legend = _REGIME_LEGEND.get(regime) if regime not in seen else None
        seen.add(regime)
        ax.scatter([intensity], [gflops], zorder=3, label=legend, **style, **color)
        suffix = " (cache-resident)" if regime == "cache-resident" else (
            " (above the roofs)" if regime == "above the roofs" else "")
        near = sum(abs(np.log10(intensity / i)) < 0.3 and abs(np.log10(gflops / g)) < 0.15
                   for i, g in placed)  # labels of nearby points are stacked, not overlaid
        placed.append((intensity, gflops))
        ax.annotate(text + suffix, (intensity, gflops), textcoords="offset points",
                    xytext=(5, -3 - 10 * near), fontsize=8)
    ax.set(xscale="log", yscale="log", xlabel="arithmetic intensity (FLOP / byte)",
           ylabel="GFLOP/s", title=title)
    ax.legend(loc="best", fontsize=7)
    return ax


def savefig(fig, name: str) -> Path | None:
    """Save ``fig`` as ``<name>.png`` in the directory named by ``LWCOURSE_FIGURES_DIR`` (the
    ``lwcourse execute`` command sets it to the repository's ``figures/``); without it, write
    nothing and return None. No timestamp metadata, so reruns give the same file."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a plain file name such as '00_roofline'; got {name!r}")
    directory = os.environ.get(FIGURES_ENV)
    if not directory:
        return None
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    return path
