"""The capstone survey: every model's costs and measured latency in one table, and which cost
predicts latency.

``lwcourse survey [--models ...] [--batches 1 16] [--threads 1 2] [--out DIR]`` writes
``survey.csv`` and ``survey.md`` (one row per model, batch and thread count), and the plots
``survey_pareto.png`` and ``survey_predictors.png`` into DIR (default ``figures/``). Finished rows
are appended to the CSV as they are measured, so an interrupted run loses nothing and a rerun
measures only the missing rows.

The predictor study (:func:`predictor_study`) compares four latency predictors, each evaluated
leave-one-family-out (fit without MixNet, predict MixNet, ...): MACs only and memory access only
(``a + b x cost``), a roofline (per op ``max(FLOPs / peak, bytes / DRAM bandwidth)`` from
:func:`lwcourse.bench.machine_peak`, summed; nothing fitted) and a per-op-type linear model
(non-negative weights on each op type's roofline time).
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import bench, cost, models
from ._checks import check_choice

# --- the papers' own numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """What a model's paper reports: ImageNet top-1 (%), parameters (millions) and
    multiply-adds (millions; many papers call them FLOPs), and where (table or README)."""

    top1: float
    params_m: float | None
    macs_m: float | None
    source: str


LITE_README = "tensorflow/tpu models/official/efficientnet/lite/README.md (FP32)"
LCNET_DOCS = ("PP-LCNet (Cui et al. 2021): PaddleClas docs/en/models/PP-LCNet_en.md, "
              "Sec. 4.1 table")
HARDNET_README = "PingoLH/Pytorch-HarDNet README.md, table of the DS versions"
MIXNET_PAPER = "MixConv (Tan & Le 2019), MixNet ImageNet results (table number unverified)"
PAPER: dict[str, Paper] = {
    "mobilenet_v1": Paper(70.6, 4.2, 569, "MobileNets (Howard et al. 2017) Table 8"),
    "mobilenet_v2": Paper(72.0, 3.4, 300, "MobileNetV2 (Sandler et al. 2018) Table 4"),
    "mobilenet_v3_large": Paper(75.2, 5.4, 219, "MobileNetV3 (Howard et al. 2019) Table 3"),
    "mobilenet_v3_small": Paper(67.4, 2.5, 56, "MobileNetV3 (Howard et al. 2019) Table 3"),
    "shufflenet_v2_x0_5": Paper(60.3, None, 41, "ShuffleNet V2 (Ma et al. 2018) Table 5"),
    "shufflenet_v2_x1_0": Paper(69.4, None, 146, "ShuffleNet V2 (Ma et al. 2018) Table 5"),
    "shufflenet_v2_x1_5": Paper(72.6, None, 299, "ShuffleNet V2 (Ma et al. 2018) Table 5"),
    "shufflenet_v2_x2_0": Paper(74.9, None, 591, "ShuffleNet V2 (Ma et al. 2018) Table 5"),
    "ghostnet": Paper(73.9, 5.2, 141, "GhostNet (Han et al. 2020) Table 7"),
    "mnasnet_a1": Paper(75.2, 3.9, 312, "MnasNet (Tan et al. 2019) Table 1"),
    "efficientnet_b0": Paper(77.1, 5.3, 390, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b1": Paper(79.1, 7.8, 700, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b2": Paper(80.1, 9.2, 1000, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b3": Paper(81.6, 12, 1800, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b4": Paper(82.9, 19, 4200, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b5": Paper(83.6, 30, 9900, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b6": Paper(84.0, 43, 19000, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_b7": Paper(84.3, 66, 37000, "EfficientNet (Tan & Le 2019) Table 2"),
    "efficientnet_lite0": Paper(75.1, 4.7, 407, LITE_README),
    "efficientnet_lite1": Paper(76.7, 5.4, 631, LITE_README),
    "efficientnet_lite2": Paper(77.6, 6.1, 899, LITE_README),
    "efficientnet_lite3": Paper(79.8, 8.2, 1440, LITE_README),
    "efficientnet_lite4": Paper(81.5, 13.0, 2640, LITE_README),
    "mixnet_s": Paper(75.8, 4.1, 256, MIXNET_PAPER),
    "mixnet_m": Paper(77.0, 5.0, 360, MIXNET_PAPER),
    "mixnet_l": Paper(78.9, 7.3, 565, MIXNET_PAPER),
    "fbnet_c": Paper(74.9, 5.5, 375, "FBNet (Wu et al. 2019) Sec. 4.2 (top-1; MACs from its "
                                     "ratios to MobileNetV2 etc.); params 5.5 M (unverified)"),
    "hardnet39ds": Paper(72.1, 3.5, 440, HARDNET_README),
    "hardnet68ds": Paper(74.3, 4.2, 800, HARDNET_README),
    "lcnet_035": Paper(58.09, 1.6, 29, LCNET_DOCS),
    "lcnet_050": Paper(63.14, 1.9, 47, LCNET_DOCS),
    "lcnet_075": Paper(68.18, 2.4, 99, LCNET_DOCS),
    "lcnet_100": Paper(71.32, 3.0, 161, LCNET_DOCS),
    "lcnet_150": Paper(73.71, 4.5, 342, LCNET_DOCS),
    "lcnet_200": Paper(75.18, 6.5, 590, LCNET_DOCS),
    "resnext50_32x4d": Paper(77.8, 25.0, 4200, "ResNeXt (Xie et al. 2017) Table 3"),
}

# --- one row of the survey --------------------------------------------------------------------

COLUMNS = ["model", "family", "resolution", "batch", "threads", "max_channels", "params", "macs",
           "memory_access", "memory_access_folded", "peak_activation", "median_ms", "iqr_ms",
           "aa_low", "aa_high", "paper_top1", "paper_params_m", "paper_macs_m", "paper_source"]
# Roofline time of each op type (ms), from the machine_peak of the row's thread count.
ROOFLINE_COLUMNS = {t: "roofline_" + t.replace(" ", "_").replace("/", "_")
                    for t in bench.OP_TYPES}
COLUMNS += list(ROOFLINE_COLUMNS.values())


def family(name: str) -> str:
    """The model's family: the name of the module in ``lwcourse.models`` that registers it."""
    return models._registry._MODELS[name].__module__.rsplit(".", 1)[-1]


def max_channels(model: nn.Module) -> int:
    """The widest conv output in the network."""
    return max(m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d))


def cost_row(name: str, batch: int) -> dict:
    """Everything about ``name`` that does not need a clock, at its default resolution."""
    with torch.device("meta"):
        model = models.create(name).eval()
    r = model.default_resolution
    size = (batch, 3, r, r)
    prof = cost.profile(model, size)
    paper = PAPER.get(name)
    return {"model": name, "family": family(name), "resolution": r, "batch": batch,
            "max_channels": max_channels(model), "params": prof.params, "macs": prof.macs,
            "memory_access": prof.memory_access,
            "memory_access_folded": cost.profile(model, size, fold_bn=True).memory_access,
            "peak_activation": prof.peak_activation,
            "paper_top1": paper.top1 if paper else "",
            "paper_params_m": paper.params_m if paper and paper.params_m else "",
            "paper_macs_m": paper.macs_m if paper and paper.macs_m else "",
            "paper_source": paper.source if paper else ""}


def measure_row(name: str, batch: int, threads: int, time_budget_s: float,
                peak: tuple[float, float]) -> dict:
    """The cost row plus latency (median, IQR), the A/A noise band of the same run and the
    roofline time of each op type for ``peak = (GFLOP/s, DRAM GB/s)``."""
    row = cost_row(name, batch)
    times = op_type_times(name, batch, *peak)
    row.update({col: round(times.get(t, 0.0), 6) for t, col in ROOFLINE_COLUMNS.items()})
    torch.manual_seed(0)
    model = models.create(name).eval()
    size = (batch, 3, row["resolution"], row["resolution"])
    comparison = bench.compare({name: model}, size, threads=threads,
                               time_budget_s=time_budget_s)
    lat = comparison.results[name]
    lo, hi = comparison.noise_band
    return {**row, "threads": threads, "median_ms": round(lat.median_ms, 4),
            "iqr_ms": round(lat.iqr_ms, 4), "aa_low": round(lo, 4), "aa_high": round(hi, 4)}


# --- the CSV: resumable -----------------------------------------------------------------------

def _key(row: dict) -> tuple[str, int, int]:
    return row["model"], int(row["batch"]), int(row["threads"])


def read_csv(path: Path) -> list[dict]:
    """Rows of a survey CSV (numbers as numbers, missing paper values as None)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for k, v in row.items():
            if k in ("model", "family", "paper_source"):
                continue
            row[k] = None if v == "" else (int(v) if v.lstrip("-").isdigit() else float(v))
    return rows


@functools.cache
def _gmacs(name: str) -> float:
    """Multiply-adds (billions) of one image at the model's default resolution."""
    with torch.device("meta"):
        model = models.create(name).eval()
    r = model.default_resolution
    return cost.profile(model, (1, 3, r, r)).macs / 1e9


def run(names: Sequence[str], batches: Sequence[int], threads: Sequence[int], out: Path,
        peaks: dict[int, tuple[float, float]], *, time_budget_s: float = 2.0,
        max_gmacs: float = math.inf, progress: Callable[[str], None] = print) -> list[dict]:
    """Measure every missing (model, batch, threads) row, appending each to ``out/survey.csv``
    as soon as it is done; return all rows of the file. ``peaks``: threads -> (GFLOP/s, DRAM
    GB/s), see :func:`measure_peaks`. Rows whose batch needs more than ``max_gmacs`` billion
    multiply-adds per call are skipped (and named)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "survey.csv"
    done = {_key(r) for r in read_csv(path)} if path.exists() else set()
    skipped = sorted({(n, b) for n in names for b in batches if b * _gmacs(n) > max_gmacs})
    if skipped:
        progress(f"skipped (batch x MACs > {max_gmacs:g} G per call): "
                 + ", ".join(f"{n} batch {b}" for n, b in skipped))
    todo = [(n, b, t) for n in names for b in batches for t in threads
            if (n, b, t) not in done and (n, b) not in skipped]
    if done:
        progress(f"{len(done)} rows already in {path}; {len(todo)} to measure")
    for i, (name, batch, n_threads) in enumerate(todo, 1):
        row = measure_row(name, batch, n_threads, time_budget_s, peaks[n_threads])
        new = not path.exists()
        with open(path, "a", newline="") as f:
            writer = csv.DictWriter(f, COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(row)
        progress(f"[{i}/{len(todo)}] {name}, batch {batch}, {n_threads} thread(s): "
                 f"{row['median_ms']:.2f} ms median (IQR {row['iqr_ms']:.2f})")
    return read_csv(path)


def markdown(rows: Sequence[dict]) -> str:
    """The survey table as Markdown (millions for params and MACs, M elements for memory)."""
    head = ("| model | res | N | thr | max ch | params (M) | MACs (M) | mem (M el.) | "
            "mem BN-folded | peak act. (M el.) | median ms (IQR) | A/A band | top-1 | source |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        top1 = "" if r["paper_top1"] is None else f"{r['paper_top1']:.1f}"
        lines.append(
            f"| {r['model']} | {r['resolution']} | {r['batch']} | {r['threads']} | "
            f"{r['max_channels']} | {r['params'] / 1e6:.3f} | {r['macs'] / 1e6:,.1f} | "
            f"{r['memory_access'] / 1e6:,.1f} | {r['memory_access_folded'] / 1e6:,.1f} | "
            f"{r['peak_activation'] / 1e6:.2f} | {r['median_ms']:.2f} ({r['iqr_ms']:.2f}) | "
            f"{r['aa_low']:.2f}-{r['aa_high']:.2f} | {top1} | {r['paper_source'] or ''} |")
    return "\n".join(lines) + "\n"


def settings_table(rows: Sequence[dict]) -> str:
    """One line per model, one column per (batch, threads) setting: median milliseconds per
    image (IQR), "-" where the setting was not measured; models by MACs."""
    settings = sorted({(r["batch"], r["threads"]) for r in rows})
    by = {(r["model"], r["batch"], r["threads"]): r for r in rows}
    macs = {r["model"]: r["macs"] / r["batch"] for r in rows}
    head = f"{'ms per image':<20}" + "".join(f"{f'N={b}, {t} thr':>17}" for b, t in settings)
    lines = [head]
    for name in sorted(macs, key=macs.get):
        cells = []
        for b, t in settings:
            r = by.get((name, b, t))
            cells.append(f"{'-':>17}" if r is None else
                         f"{r['median_ms'] / b:>9.2f} ({r['iqr_ms'] / b:>5.2f})")
        lines.append(f"{name:<20}" + "".join(cells))
    return "\n".join(lines)


# --- which cost predicts latency --------------------------------------------------------------

PREDICTORS = ("MACs only", "memory access only", "roofline", "per-op-type linear")


def op_type_times(name: str, batch: int, gflops: float, dram_gbs: float) -> dict[str, float]:
    """Roofline time (ms) of each op type of ``name``: per op, ``max(FLOPs / peak, bytes /
    DRAM bandwidth)``, summed over the ops of that type (op types as in ``lw.bench.attribute``).
    """
    with torch.device("meta"):
        model = models.create(name).eval()
    r = model.default_resolution
    times: dict[str, float] = {}
    for row in cost.profile(model, (batch, 3, r, r)).rows:
        t = max(2 * row.macs / (gflops * 1e9), 4 * row.memory_access / (dram_gbs * 1e9)) * 1e3
        kind = bench._row_type(row)
        times[kind] = times.get(kind, 0.0) + t
    return times


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    def ranks(v):
        v = np.asarray(v, dtype=float)
        order = v.argsort(kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v):  # ties share their mean rank
            r[v == value] = r[v == value].mean()
        return r
    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def mean_abs_pct_error(pred: Sequence[float], true: Sequence[float]) -> float:
    pred, true = np.asarray(pred, dtype=float), np.asarray(true, dtype=float)
    return float(np.mean(np.abs(pred - true) / true) * 100)


def nonnegative_lstsq(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with every weight >= 0 (drop the most negative column and refit until
    none is negative)."""
    active = list(range(X.shape[1]))
    while True:
        w = np.zeros(X.shape[1])
        w[active] = np.linalg.lstsq(X[:, active], y, rcond=None)[0]
        negative = [j for j in active if w[j] < 0]
        if not negative:
            return w
        active.remove(min(negative, key=lambda j: w[j]))


@dataclass
class PredictorStudy:
    """Leave-one-family-out predictions of each predictor, per (batch, threads) setting."""

    measured: dict[tuple[int, int], list[float]]
    models: dict[tuple[int, int], list[str]]
    predicted: dict[tuple[str, int, int], list[float]]

    def metrics(self) -> dict[tuple[str, int, int], tuple[float, float]]:
        """``(predictor, batch, threads) -> (Spearman rho, mean absolute % error)``."""
        return {(p, b, t): (spearman(pred, self.measured[b, t]),
                            mean_abs_pct_error(pred, self.measured[b, t]))
                for (p, b, t), pred in self.predicted.items()}

    def errors_by_family(self, predictor: str, batch: int, threads: int) -> dict[str, float]:
        """Mean absolute % error of ``predictor`` per held-out family, worst first."""
        measured = np.asarray(self.measured[batch, threads])
        pct = np.abs(np.asarray(self.predicted[predictor, batch, threads]) - measured) / measured
        errors: dict[str, list[float]] = {}
        for name, e in zip(self.models[batch, threads], pct * 100, strict=True):
            errors.setdefault(family(name), []).append(float(e))
        means = {f: float(np.mean(v)) for f, v in errors.items()}
        return dict(sorted(means.items(), key=lambda kv: -kv[1]))

    def table(self) -> str:
        lines = [f"{'predictor':<20} {'batch':>5} {'thr':>4} {'configs':>8} {'Spearman':>9} "
                 f"{'MAPE %':>8}"]
        for (p, b, t), (rho, mape) in self.metrics().items():
            lines.append(f"{p:<20} {b:>5} {t:>4} {len(self.measured[b, t]):>8} {rho:>9.3f} "
                         f"{mape:>8.1f}")
        return "\n".join(lines)


def predictor_study(rows: Sequence[dict]) -> PredictorStudy:
    """Fit and evaluate the four predictors on survey ``rows``, leave-one-family-out within
    each (batch, threads) setting. A setting needs at least two families and three rows."""
    measured, names, predicted = {}, {}, {}
    settings = sorted({(r["batch"], r["threads"]) for r in rows})
    for b, t in settings:
        group = [r for r in rows if (r["batch"], r["threads"]) == (b, t)]
        families = sorted({r["family"] for r in group})
        if len(families) < 2 or len(group) < 3:
            continue
        types = [{t: r[col] for t, col in ROOFLINE_COLUMNS.items()} for r in group]
        kinds = [k for k in bench.OP_TYPES if any(tt[k] for tt in types)]
        y = np.array([r["median_ms"] for r in group])
        features = {
            "MACs only": np.array([[1.0, r["macs"]] for r in group]),
            "memory access only": np.array([[1.0, r["memory_access"]] for r in group]),
            "per-op-type linear": np.array([[1.0] + [tt.get(k, 0.0) for k in kinds]
                                            for tt in types]),
        }
        pred = {p: np.zeros(len(group)) for p in PREDICTORS}
        pred["roofline"] = np.array([sum(tt.values()) for tt in types])
        for fam in families:
            test = np.array([r["family"] == fam for r in group])
            for p, X in features.items():
                scale = X[~test].max(axis=0)  # conditioning only: predictions are unchanged
                scale[scale == 0] = 1
                fit = nonnegative_lstsq if p == "per-op-type linear" else (
                    lambda A, v: np.linalg.lstsq(A, v, rcond=None)[0])
                w = fit(X[~test] / scale, y[~test])
                pred[p][test] = (X[test] / scale) @ w
        measured[b, t], names[b, t] = list(y), [r["model"] for r in group]
        for p in PREDICTORS:
            predicted[p, b, t] = list(pred[p])
    return PredictorStudy(measured, names, predicted)


# --- plots ------------------------------------------------------------------------------------

def pareto_figure(rows: Sequence[dict], batch: int, threads: int):
    """Paper top-1 against MACs, memory access and measured latency (one setting): the Pareto
    front of each axis."""
    import matplotlib.pyplot as plt

    from .plot import scatter_labeled

    sel = [r for r in rows if (r["batch"], r["threads"]) == (batch, threads)
           and r["paper_top1"] is not None]
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    top1 = [r["paper_top1"] for r in sel]
    labels = [r["model"] for r in sel]
    for ax, key, label in zip(axes, ("macs", "memory_access", "median_ms"),
                              ("MACs", "memory access (elements)",
                               f"latency, batch {batch}, {threads} thread(s) (ms)"), strict=True):
        scatter_labeled([r[key] for r in sel], top1, labels, xlabel=label,
                        ylabel="paper top-1 (%)", pareto=True, logx=True, ax=ax)
    fig.tight_layout()
    return fig


def predictor_figure(study: PredictorStudy, batch: int, threads: int):
    """Predicted against measured latency for each predictor (one setting), with y = x."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(PREDICTORS), figsize=(20, 4.5))
    y = study.measured[batch, threads]
    metrics = study.metrics()
    for ax, p in zip(axes, PREDICTORS, strict=True):
        pred = study.predicted[p, batch, threads]
        ax.scatter(y, pred)
        lim = [min(min(y), min(pred)), max(max(y), max(pred))]
        ax.plot(lim, lim, "--", color="gray")
        rho, mape = metrics[p, batch, threads]
        ax.set(xlabel="measured (ms)", ylabel="predicted (ms)",
               title=f"{p}: rho {rho:.2f}, MAPE {mape:.0f} %")
    fig.tight_layout()
    return fig


# --- the command ------------------------------------------------------------------------------

def measure_peaks(threads: Sequence[int], out: Path) -> dict[int, tuple[float, float]]:
    """``machine_peak`` per thread count, kept in ``out/survey_peak.csv`` (measured once)."""
    path = out / "survey_peak.csv"
    peaks = {}
    if path.exists():
        with open(path, newline="") as f:
            peaks = {int(r["threads"]): (float(r["gflops"]), float(r["dram_gbs"]))
                     for r in csv.DictReader(f)}
    for t in threads:
        if t not in peaks:
            peak = bench.machine_peak(threads=t)
            peaks[t] = (peak.gflops, peak.dram_gbs)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["threads", "gflops", "dram_gbs"])
        writer.writerows([t, round(g, 3), round(d, 3)] for t, (g, d) in sorted(peaks.items()))
    return peaks


def _unique(option: str, values: list) -> list:
    from .cli import UsageError

    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise UsageError(f"{option}: each value once; repeated: {', '.join(repeated)}")
    return values


def cmd_survey(args) -> int:
    from .cli import UsageError

    names = _unique("--models", args.models or models.list_models())
    for name in names:
        try:
            check_choice("--models", name, models.list_models())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    batches, threads = _unique("--batches", args.batches), _unique("--threads", args.threads)
    if not (math.isfinite(args.budget) and args.budget > 0):
        raise UsageError(f"--budget must be a positive number of seconds; got {args.budget}")
    if not args.max_gmacs > 0:  # inf allowed: no limit
        raise UsageError(f"--max-gmacs must be a positive number (or inf); got {args.max_gmacs}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {str(out)!r} exists and is not a folder")
    if not out.parent.is_dir():
        raise UsageError(f"--out: the parent folder {str(out.parent)!r} does not exist")
    print(bench.machine_info())
    out.mkdir(exist_ok=True)
    if args.fresh:  # start over: the rows and ceilings of an earlier run are discarded
        for name in ("survey.csv", "survey_peak.csv"):
            (out / name).unlink(missing_ok=True)
    peaks = measure_peaks(threads, out)
    rows = run(names, batches, threads, out, peaks, time_budget_s=args.budget,
               max_gmacs=args.max_gmacs, progress=lambda line: print(line, flush=True))
    (out / "survey.md").write_text(markdown(rows))
    print(f"wrote {out / 'survey.csv'} and {out / 'survey.md'} ({len(rows)} rows)")
    b, t = batches[0], threads[0]
    save = {"metadata": {"Software": None}, "dpi": 100, "bbox_inches": "tight"}
    pareto_figure(rows, b, t).savefig(out / "survey_pareto.png", **save)
    study = predictor_study(rows)
    if (b, t) in study.measured:
        print(study.table())
        predictor_figure(study, b, t).savefig(out / "survey_predictors.png", **save)
    else:
        print("predictor study skipped: it needs at least two families and three models")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``survey`` on the ``lwcourse`` command's subparsers."""
    from .cli import _positive, _threads

    p = subparsers.add_parser("survey", help="every model's costs and latency, Pareto plots "
                              "and which cost predicts latency",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("--models", nargs="+", metavar="NAME", help="default: every model")
    p.add_argument("--batches", nargs="+", type=_positive, default=[1, 16])
    p.add_argument("--threads", nargs="+", type=_threads, default=[1, 2])
    p.add_argument("--out", default="figures", help="output folder (default: figures)")
    p.add_argument("--budget", type=_seconds, default=2.0,
                   help="timing seconds per row (default 2)")
    p.add_argument("--max-gmacs", type=_number, default=40.0, metavar="G",
                   help="skip rows whose batch needs more than G billion multiply-adds per call "
                   "(default 40: batch 16 of the largest models would take most of the run); "
                   "inf: no limit")
    p.add_argument("--fresh", action="store_true",
                   help="discard the rows and peaks already in --out (default: resume)")
    p.set_defaults(func=cmd_survey, parser=p)
    return p


if __name__ == "__main__":  # pragma: no cover
    from .cli import main

    sys.exit(main(["survey", *sys.argv[1:]]))
