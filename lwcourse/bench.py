"""Measured latency, done one way for the whole course.

* ``machine_info()``: the machine a timing was taken on (print it above every experiment).
* ``threads(n)``: the one way to fix torch's intra-op thread count (restored on exit).
* ``latency``: one model, warm-up scaled to the work, then many samples.
* ``compare``: several models (each may have its own input) in interleaved rounds within a time
  budget, always with an **A/A control**: the baseline against a deep copy of itself. Its ratio
  sets the noise band; a ratio inside the band is reported as "within noise", not as a finding.
* ``machine_peak``: the roofline's ceilings (compute, DRAM, cache) measured on this machine.
* ``attribute``: per op type, the share of MACs, of memory access and of measured time.

One statistic everywhere: the **median** of the samples, with the **interquartile range**
(IQR, ``q3 - q1``) as its spread. Ceilings (``machine_peak``) are the exception, by definition:
an upper bound is the best sample. Every time prints as milliseconds with three decimals.
Timings depend on the machine and its load; the notebooks' stored timings are examples.
"""

from __future__ import annotations

import contextlib
import copy
import math
import numbers
import os
import platform
import re
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ._checks import check_choice, check_positive_int

Model = nn.Module | Callable


def format_ms(ms: float) -> str:
    """The course's one time format: ``12.345 ms``."""
    return f"{ms:.3f} ms"


# --- checks -----------------------------------------------------------------------------------

def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _check_threads(n) -> int:
    check_positive_int("threads", n)
    cores = available_cores()
    if n > cores:
        raise ValueError(f"threads must be between 1 and {cores} (the cores available to this "
                         f"process), got {n}: more threads than cores would time the OS's "
                         f"time-slicing, not the model")
    return n


def _check_seconds(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite positive number of seconds, got {value!r}")
    return float(value)


def _check_warmup(warmup) -> None:
    if warmup is not None and (isinstance(warmup, bool) or not isinstance(warmup, int)
                               or warmup < 0):
        raise ValueError(f"warmup must be None (automatic) or an int >= 0, got {warmup!r}")


def _make_input(x_or_size, generator: torch.Generator | None = None) -> torch.Tensor:
    if isinstance(x_or_size, torch.Tensor):
        return x_or_size
    if (not isinstance(x_or_size, tuple | list) or not x_or_size
            or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0
                   for d in x_or_size)):
        raise ValueError(f"input must be a tensor or a non-empty tuple of positive ints such "
                         f"as (1, 3, 224, 224), got {x_or_size!r}")
    return torch.randn(*map(int, x_or_size), generator=generator)


# --- machine and threads ----------------------------------------------------------------------

def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def _library_versions() -> str:
    config = torch.__config__.show()
    found = []
    for label, pattern in (("oneDNN", r"MKL-DNN (v[\d.]+)"), ("MKL", r"Math Kernel Library "
                                                                       r"Version ([\d.]+)"),
                           ("OpenMP", r"OpenMP (\d+)")):
        match = re.search(pattern, config)
        if match:
            found.append(f"{label} {match.group(1)}")
    return ", ".join(found) or "no oneDNN/MKL"


def machine_info() -> str:
    """One line naming what a timing depends on: CPU model, cores available, torch's thread
    count now, torch version and its math libraries (oneDNN, MKL)."""
    return (f"{_cpu_model()}, {available_cores()} cores available, torch uses "
            f"{torch.get_num_threads()} thread(s); torch {torch.__version__} "
            f"({_library_versions()}); Python {platform.python_version()}")


@contextlib.contextmanager
def threads(n: int) -> Iterator[int]:
    """``with threads(n):`` runs the block with ``n`` intra-op threads, then restores the
    previous count. ``n`` above the available cores is an error (it would time the OS's
    time-slicing)."""
    _check_threads(n)
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(old)


_use_threads = threads  # for functions whose ``threads`` argument hides the context manager


# --- latency ----------------------------------------------------------------------------------

@dataclass
class Latency:
    """Per-sample times of one model (milliseconds, one call each) and their summary."""

    name: str
    times_ms: list[float] = field(repr=False)
    threads: int
    input_size: tuple

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    def _quartiles(self) -> tuple[float, float]:
        if len(self.times_ms) < 2:
            return self.times_ms[0], self.times_ms[0]
        q = statistics.quantiles(self.times_ms, n=4, method="inclusive")
        return q[0], q[2]

    @property
    def q1_ms(self) -> float:
        return self._quartiles()[0]

    @property
    def q3_ms(self) -> float:
        return self._quartiles()[1]

    @property
    def iqr_ms(self) -> float:
        """Interquartile range: the spread of the middle half of the samples."""
        q1, q3 = self._quartiles()
        return q3 - q1

    @property
    def runs(self) -> int:
        return len(self.times_ms)

    def __str__(self) -> str:
        return (f"{self.name}: {format_ms(self.median_ms)} median, IQR {format_ms(self.iqr_ms)}, "
                f"{self.runs} samples, {self.threads} thread(s), input {tuple(self.input_size)}")


class _Runner:
    """``model(x)`` in eval mode; call ``sample_ms`` inside ``torch.inference_mode`` and a
    ``threads`` block. A sample is ``inner`` back-to-back calls, so short calls outlast the
    timer's resolution; it reports the time of one call."""

    def __init__(self, model: Model, x: torch.Tensor):
        if not callable(model):
            raise ValueError(f"model must be an nn.Module or a callable, got {model!r}")
        if isinstance(model, nn.Module):
            model.eval()
        self.model, self.x, self.inner = model, x, 1

    def sample_ms(self, calls: int | None = None) -> float:
        calls = self.inner if calls is None else calls
        start = time.perf_counter()
        for _ in range(calls):
            self.model(self.x)
        return (time.perf_counter() - start) * 1e3 / calls

    def warm_up(self, warmup: int | None, min_s: float = 0.05) -> None:
        """``warmup`` calls, or (None) at least 3 calls and at least ``min_s`` seconds: the
        first calls allocate buffers and pick kernels, and a large batch needs more than one
        call to reach its steady state."""
        if warmup is not None:
            if warmup:
                self.sample_ms(warmup)
            return
        start, calls = time.perf_counter(), 0
        while calls < 3 or time.perf_counter() - start < min_s:
            self.sample_ms(1)
            calls += 1

    def calibrate(self, target_ms: float) -> None:
        """Choose ``inner`` so that one sample lasts about ``target_ms``."""
        once = min(self.sample_ms(1) for _ in range(2))
        self.inner = max(1, min(1000, int(target_ms / max(once, 1e-4))))


def latency(model: Model, x_or_input_size=(1, 3, 224, 224), *, threads: int = 1,
            warmup: int | None = None, min_runs: int = 10, min_time_s: float = 0.5,
            min_sample_ms: float = 5.0, name: str | None = None) -> Latency:
    """Time ``model`` on a tensor, or on a random input of the given size.

    Eval mode, ``torch.inference_mode``, ``threads`` intra-op threads. Warm-up scaled to the
    work (``warmup=None``: at least 3 calls and 0.05 s), then samples until both ``min_runs``
    samples and ``min_time_s`` seconds are reached. Calls shorter than ``min_sample_ms`` are
    repeated inside one sample. Report ``.median_ms`` with ``.iqr_ms``.
    """
    _check_threads(threads)
    check_positive_int("min_runs", min_runs)
    _check_warmup(warmup)
    _check_seconds("min_time_s", min_time_s)
    _check_seconds("min_sample_ms", min_sample_ms)
    runner = _Runner(model, _make_input(x_or_input_size))
    with _use_threads(threads), torch.inference_mode():
        runner.warm_up(warmup)
        runner.calibrate(min_sample_ms)
        times: list[float] = []
        start = time.perf_counter()
        while len(times) < min_runs or time.perf_counter() - start < min_time_s:
            times.append(runner.sample_ms())
    label = name or (type(model).__name__ if isinstance(model, nn.Module) else "function")
    return Latency(label, times, threads, tuple(runner.x.shape))


# --- compare ----------------------------------------------------------------------------------

@dataclass
class Comparison:
    """Latencies of several models timed in interleaved rounds, their ratios to a baseline and
    the A/A control (the baseline against a deep copy of itself, timed in the same rounds)."""

    results: dict[str, Latency]
    baseline: str
    control: Latency  # the baseline's deep copy
    noise_band: tuple[float, float]  # ratios in [lo, hi] are "within noise"

    @property
    def control_ratio(self) -> float:
        """A/A ratio: median of the copy / median of the baseline (1.00 on a perfect machine)."""
        return self.control.median_ms / self.results[self.baseline].median_ms

    def _latency(self, name: str) -> Latency:
        check_choice("name", name, self.results)
        return self.results[name]

    def ratio(self, name: str) -> float:
        """Median time of ``name`` / median time of the baseline (< 1: ``name`` is faster)."""
        return self._latency(name).median_ms / self.results[self.baseline].median_ms

    def verdict(self, name: str) -> str:
        """"faster", "slower" or "within noise" (the ratio lies inside the A/A band)."""
        r, (lo, hi) = self.ratio(name), self.noise_band
        return "within noise" if lo <= r <= hi else ("faster" if r < lo else "slower")

    def sentence(self, name: str) -> str:
        """An interpretation of ``name`` against the baseline, derived from the numbers."""
        own, base = self._latency(name), self.results[self.baseline]
        if name == self.baseline:
            return (f"{name} is the baseline: {format_ms(own.median_ms)} median "
                    f"(IQR {format_ms(own.iqr_ms)}).")
        r, (lo, hi), verdict = self.ratio(name), self.noise_band, self.verdict(name)
        times = (f"{format_ms(own.median_ms)} vs {format_ms(base.median_ms)} median, "
                 f"IQR {format_ms(own.iqr_ms)} vs {format_ms(base.iqr_ms)}")
        band = f"the A/A noise band {lo:.2f}-{hi:.2f}x"
        if verdict == "within noise":
            return (f"{name} takes {r:.2f}x the time of {self.baseline} ({times}); that is inside "
                    f"{band}, so this run cannot tell them apart.")
        speed = f"{1 / r:.2f}x faster" if verdict == "faster" else f"{r:.2f}x slower"
        return (f"{name} is {speed} than {self.baseline} ({r:.2f}x the time; {times}), "
                f"outside {band}.")

    def table(self) -> str:
        """Median, IQR, samples, ratio to the baseline and verdict, the A/A control last."""
        header = (f"{'model':<28} {'median':>12} {'IQR':>12} {'runs':>5} "
                  f"{'vs ' + self.baseline[:14]:>18}  verdict")
        lines = [header, "-" * len(header)]
        for name, r in self.results.items():
            verdict = "baseline" if name == self.baseline else self.verdict(name)
            lines.append(f"{name[:28]:<28} {format_ms(r.median_ms):>12} "
                         f"{format_ms(r.iqr_ms):>12} {r.runs:>5} {self.ratio(name):>17.2f}x  "
                         f"{verdict}")
        lo, hi = self.noise_band
        c = self.control
        lines.append(f"{'A/A: copy of ' + self.baseline[:15]:<28} {format_ms(c.median_ms):>12} "
                     f"{format_ms(c.iqr_ms):>12} {c.runs:>5} {self.control_ratio:>17.2f}x  "
                     f"noise band {lo:.2f}-{hi:.2f}x")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Bars of the medians with IQR error bars (A/A copy included). Returns the axes."""
        from .plot import timing_bars

        data = {**self.results, f"A/A copy of {self.baseline}": self.control}
        return timing_bars(data, ax=ax)

    def __str__(self) -> str:
        return self.table()


def _noise_band(base: list[float], copy_: list[float], resamples: int = 1000
                ) -> tuple[float, float]:
    """Ratios an identical model reaches by chance: the A/A ratio of medians and its 95 %
    bootstrap interval (rounds resampled in pairs), mirrored around 1 (a copy is as likely
    to come out faster as slower). Seeded: the same samples always give the same band."""
    a, b = np.asarray(base), np.asarray(copy_)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(a), size=(resamples, len(a)))
    boot = np.median(b[idx], axis=1) / np.median(a[idx], axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    observed = float(np.median(b) / np.median(a))
    hi = max(observed, 1 / observed, float(hi), 1 / float(lo))
    return 1 / hi, hi


def _split_entry(name: str, entry) -> tuple[Model, object]:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not callable(entry[0]):
            raise ValueError(f"models[{name!r}] must be a model or a (model, input) pair where "
                             f"input is a tensor or an input size, got a tuple of {len(entry)}")
        return entry
    return entry, None


def compare(models: Mapping[str, object], input_size=(1, 3, 224, 224), *, threads: int = 1,
            time_budget_s: float = 5.0, rounds: int | None = None, min_rounds: int = 5,
            max_rounds: int = 200, baseline: str | None = None, warmup: int | None = None,
            min_round_ms: float = 5.0, seed: int = 0) -> Comparison:
    """Time several models in interleaved rounds (A, B, A', then B, A', A, ...: who goes first
    rotates) so a slow moment of the machine hurts all alike.

    ``models``: ``{name: model}`` or ``{name: (model, input)}`` where input is a tensor or a
    size; models without their own input get a random one of ``input_size`` (equal sizes get
    equal values; seeded by ``seed``). ``baseline`` (default: the first model) is also timed as
    a deep copy, the A/A control that sets ``noise_band``. Rounds run until ``time_budget_s``
    seconds have passed (at least ``min_rounds``, at most ``max_rounds``), or exactly
    ``rounds`` if given. Warm-up as in ``latency``.
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a non-empty mapping {name: model or (model, input)}")
    _check_threads(threads)
    _check_seconds("time_budget_s", time_budget_s)
    _check_seconds("min_round_ms", min_round_ms)
    if rounds is not None:
        check_positive_int("rounds", rounds)
    check_positive_int("min_rounds", min_rounds)
    check_positive_int("max_rounds", max_rounds)
    if max_rounds < min_rounds:
        raise ValueError(f"max_rounds must be >= min_rounds ({min_rounds}), got {max_rounds}")
    _check_warmup(warmup)
    baseline = next(iter(models)) if baseline is None else baseline
    check_choice("baseline", baseline, models)
    control = f"A/A copy of {baseline}"
    if control in models:
        raise ValueError(f"model names must not be {control!r} (reserved for the A/A control)")

    generator = torch.Generator().manual_seed(seed)
    shared: dict[tuple, torch.Tensor] = {}
    runners: dict[str, _Runner] = {}
    for name, entry in models.items():
        model, given = _split_entry(name, entry)
        given = input_size if given is None else given
        if not isinstance(given, torch.Tensor):
            key = tuple(given) if isinstance(given, tuple | list) else given
            if key not in shared:
                shared[key] = _make_input(given, generator)
            given = shared[key].clone()
        runners[name] = _Runner(model, given)
    base = runners[baseline]
    runners[control] = _Runner(copy.deepcopy(base.model), base.x.clone())

    times: dict[str, list[float]] = {name: [] for name in runners}
    order = list(runners)
    with _use_threads(threads), torch.inference_mode():
        for runner in runners.values():
            runner.warm_up(warmup)
            runner.calibrate(min_round_ms)
        runners[control].inner = base.inner  # A/A: the very same measurement
        start, r = time.perf_counter(), 0
        while True:
            for name in order[r % len(order):] + order[:r % len(order)]:
                times[name].append(runners[name].sample_ms())
            r += 1
            if rounds is not None:
                if r == rounds:
                    break
            elif r >= max_rounds or (r >= min_rounds
                                     and time.perf_counter() - start >= time_budget_s):
                break
    results = {n: Latency(n, times[n], threads, tuple(runners[n].x.shape)) for n in models}
    return Comparison(results, baseline,
                      Latency(control, times[control], threads, tuple(base.x.shape)),
                      _noise_band(times[baseline], times[control]))


# --- roofline ceilings ------------------------------------------------------------------------

def _cache_sizes() -> dict[int, int]:
    """Bytes of data cache per level (from Linux sysfs; {} when unknown)."""
    sizes: dict[int, int] = {}
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        with contextlib.suppress(OSError, ValueError):
            if (index / "type").read_text().strip() == "Instruction":
                continue
            level = int((index / "level").read_text())
            text = (index / "size").read_text().strip()
            unit = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1], 1)
            sizes[level] = int(text.rstrip("KMG")) * unit
    return sizes


@dataclass
class MachinePeak:
    """Measured roofline ceilings: the best of several kernels, each the best of repeats.

    ``gflops``: fp32 compute (GEMMs of several shapes and dense convs); ``dram_gbs``: a copy
    far beyond the last-level cache (bytes read + written); ``cache_gbs``: the best copy of
    cache-resident data. ``measured`` holds every kernel's result."""

    gflops: float
    dram_gbs: float
    cache_gbs: float
    threads: int
    measured: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def ridge_point(self) -> float:
        """FLOP/byte where the DRAM roof meets the compute roof."""
        return self.gflops / self.dram_gbs

    def attainable(self, intensity: float, memory: str = "dram") -> float:
        """The roof at ``intensity`` FLOP/byte: min(peak, bandwidth x intensity), in GFLOP/s."""
        check_choice("memory", memory, ("dram", "cache"))
        bandwidth = self.dram_gbs if memory == "dram" else self.cache_gbs
        return min(self.gflops, bandwidth * intensity)

    def regime(self, intensity: float, gflops: float) -> str:
        """Where a measured point lies: "under the DRAM roof", "cache-resident" (above the
        DRAM roof, under the cache roof: its data came from cache) or "above the roofs" (a
        kernel faster than every ceiling measured: pass it to ``machine_peak(kernels=...)``)."""
        if gflops <= self.attainable(intensity, "dram"):
            return "under the DRAM roof"
        if gflops <= self.attainable(intensity, "cache"):
            return "cache-resident"
        return "above the roofs"

    def __str__(self) -> str:
        return (f"peak compute {self.gflops:,.1f} GFLOP/s ({self.best_kernel}), DRAM "
                f"{self.dram_gbs:,.1f} GB/s, cache {self.cache_gbs:,.1f} GB/s (copies), ridge "
                f"point {self.ridge_point:.1f} FLOP/byte, {self.threads} thread(s)")

    @property
    def best_kernel(self) -> str:
        compute = {k: v for k, v in self.measured.items() if "copy" not in k}
        return max(compute, key=compute.get) if compute else "not recorded"


def _best_rate(fn: Callable[[], object], work: float, repeats: int,
               min_sample_s: float = 0.01) -> float:
    """Best ``work`` per second of ``fn`` over ``repeats`` samples of enough calls."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, min(10_000, int(min_sample_s / once)))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return work / best


GEMM_SHAPES = ((1024, 1024, 1024), (512, 512, 512), (3136, 64, 256), (784, 512, 128),
               (196, 1024, 1024))  # (M, K, N): square, and the shapes of 1x1 convs
CONV_SHAPES = ((64, 64, 3, 56), (128, 128, 3, 28), (256, 256, 1, 28))  # (C_in, C_out, k, H)


def machine_peak(threads: int = 1, *, kernels: Mapping[str, tuple] | None = None,
                 repeats: int = 5) -> MachinePeak:
    """Measure this machine's roofline ceilings (each kernel: the best of ``repeats`` samples).

    Compute: fp32 GEMMs (``GEMM_SHAPES``, ``2 M K N`` FLOPs) and dense convs (``CONV_SHAPES``),
    plus any ``kernels={name: (module, input_size)}`` (FLOPs from ``lw.cost.profile``) so that
    a layer measured elsewhere counts too. DRAM: copies of buffers several times the last-level
    cache. Cache: copies of buffers that fit in L2 or the last-level cache. Bytes = read +
    written.
    """
    _check_threads(threads)
    check_positive_int("repeats", repeats)
    measured: dict[str, float] = {}
    candidates: dict[str, tuple[nn.Module | Callable, torch.Tensor, float]] = {}
    for m, k, n in GEMM_SHAPES:
        a, b = torch.randn(m, k), torch.randn(k, n)
        candidates[f"matmul {m}x{k}x{n}"] = (lambda a=a, b=b: a @ b, None, 2 * m * k * n)
    for c_in, c_out, k, h in CONV_SHAPES:
        conv = nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)
        candidates[f"conv {k}x{k} {c_in}->{c_out} at {h}x{h}"] = (
            conv, torch.randn(1, c_in, h, h), 2 * c_out * h * h * c_in * k * k)
    for name, entry in (kernels or {}).items():
        module, size = entry
        from .cost import profile

        candidates[name] = (module, _make_input(size), profile(module, size).flops)
    caches = _cache_sizes()
    llc = max(caches.values(), default=32 * 2**20)
    dram_bytes = max(4 * llc, 64 * 2**20)
    cache_bytes = sorted({s for s in (caches.get(2, 2**19) // 4, caches.get(2, 2**19) // 2,
                                      llc // 8, llc // 4) if s >= 2**14})
    with _use_threads(threads), torch.inference_mode():
        for name, (fn, x, flops) in candidates.items():
            call = fn if x is None else (lambda fn=fn, x=x: fn(x))
            measured[name] = _best_rate(call, flops / 1e9, repeats)
        for label, size in [("DRAM copy", dram_bytes)] + [("cache copy", s) for s in cache_bytes]:
            src = torch.ones(size // 4)  # values do not matter to a copy; randn is slow
            dst = torch.empty_like(src)
            measured[f"{label} {size / 2**20:g} MiB"] = _best_rate(
                lambda dst=dst, src=src: dst.copy_(src), 2 * size / 1e9, repeats)
    compute = [v for k, v in measured.items() if "copy" not in k]
    dram = [v for k, v in measured.items() if k.startswith("DRAM")]
    cache = [v for k, v in measured.items() if k.startswith("cache")]
    return MachinePeak(max(compute), max(dram), max(cache + dram), threads, measured)


# --- time attribution -------------------------------------------------------------------------

OP_TYPES = ("conv 1x1", "conv kxk", "depthwise", "grouped conv", "linear", "batch norm",
            "activation", "add/mul", "pooling", "copy/cat", "other")
_NAME_TYPES = {
    "linear": "linear", "addmm": "linear", "mm": "linear", "matmul": "linear", "bmm": "linear",
    "batch_norm": "batch norm", "native_batch_norm": "batch norm",
    "_native_batch_norm_legit_no_training": "batch norm",
    **{a: "activation" for a in ("relu", "relu6", "hardtanh", "hardswish", "hardsigmoid",
                                 "sigmoid", "silu", "gelu", "tanh", "elu", "leaky_relu", "mish",
                                 "clamp", "clamp_min", "threshold", "softplus")},
    **{a: "add/mul" for a in ("add", "sub", "mul", "div", "rsub")},
    **{p: "pooling" for p in ("adaptive_avg_pool2d", "_adaptive_avg_pool2d", "avg_pool2d",
                              "max_pool2d", "max_pool2d_with_indices", "adaptive_max_pool2d",
                              "mean", "amax")},
    **{c: "copy/cat" for c in ("copy", "clone", "contiguous", "cat", "stack", "shuffle",
                               "channel_shuffle", "native_channel_shuffle", "_to_copy")},
}


def op_type(op: str, kernel: tuple | None = None, groups: int = 1, channels: int = 0) -> str:
    """The attribution type of an op from its name (an ATen name such as ``aten::relu_`` or a
    profiler row's short name) and, for a conv, its kernel, groups and input channels."""
    op = op.removeprefix("aten::").rstrip("_") or op
    if op.startswith("conv") and "transpose" not in op:
        if groups > 1:
            return "depthwise" if groups == channels else "grouped conv"
        return "conv 1x1" if kernel is not None and all(k == 1 for k in kernel) else "conv kxk"
    return _NAME_TYPES.get(op, "other")


def _row_type(row) -> str:
    detail = row.detail or {}
    channels = row.input_shapes[0][1] if row.input_shapes and len(row.input_shapes[0]) > 1 else 0
    return op_type(row.op, detail.get("kernel"), detail.get("groups", 1), channels)


def _event_type(event) -> str:
    name = event.name.removeprefix("aten::")
    if name.startswith("conv") or name in ("convolution", "_convolution"):
        shapes = event.input_shapes or []
        if len(shapes) >= 2 and len(shapes[0]) > 2 and len(shapes[1]) > 2:
            x, w = shapes[0], shapes[1]
            return op_type("conv", tuple(w[2:]), x[1] // max(w[1], 1), x[1])
    return op_type(name)


@contextlib.contextmanager
def _silent_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: the profiler's C++ library logs its start and
    stop there, which a notebook would show as stderr."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


OUTSIDE_OPS = "between ops"  # the time of a forward that no ATen op accounts for (Python)


@dataclass
class Attribution:
    """Per op type: share of MACs, of memory access and of measured time (median per forward
    over ``runs`` profiled forwards, torch.profiler; ``OUTSIDE_OPS`` is the Python time
    between ops). ``calls_counted`` / ``calls_measured``: ops per forward seen by the cost
    profiler and by torch.profiler (equal when the mapping is complete)."""

    macs: dict[str, int]
    memory_access: dict[str, int]
    time_ms: dict[str, float]
    calls_counted: dict[str, int]
    calls_measured: dict[str, int]
    threads: int
    runs: int

    @property
    def types(self) -> list[str]:
        present = set(self.macs) | set(self.time_ms)
        return [t for t in (*OP_TYPES, OUTSIDE_OPS) if t in present]

    @property
    def unmatched(self) -> dict[str, tuple[int, int]]:
        """Op types whose ops per forward differ between the cost profiler and torch.profiler
        (``{type: (counted, timed)}``); empty when every counted op was timed."""
        return {t: (self.calls_counted.get(t, 0), self.calls_measured.get(t, 0))
                for t in OP_TYPES[:-1]
                if self.calls_counted.get(t, 0) != self.calls_measured.get(t, 0)}

    @property
    def total_ms(self) -> float:
        return sum(self.time_ms.values())

    def share(self, quantity: str, op: str) -> float:
        """Share of ``quantity`` ("macs", "memory_access" or "time") that ``op`` takes."""
        check_choice("quantity", quantity, ("macs", "memory_access", "time"))
        values = {"macs": self.macs, "memory_access": self.memory_access,
                  "time": self.time_ms}[quantity]
        total = sum(values.values())
        return values.get(op, 0) / total if total else 0.0

    def table(self) -> str:
        header = (f"{'op type':<14} {'calls':>6} {'MACs':>7} {'mem. access':>12} "
                  f"{'time':>7} {'ms / forward':>13}")
        lines = [header, "-" * len(header)]
        for t in self.types:
            lines.append(f"{t:<14} {self.calls_counted.get(t, 0):>6} "
                         f"{self.share('macs', t):>7.1%} {self.share('memory_access', t):>12.1%}"
                         f" {self.share('time', t):>7.1%} {self.time_ms.get(t, 0.0):>13.3f}")
        lines.append("-" * len(header))
        lines.append(f"{'total':<14} {sum(self.calls_counted.values()):>6} "
                     f"{sum(self.macs.values()) / 1e6:>6.1f}M "
                     f"{sum(self.memory_access.values()) / 1e6:>11.1f}M {'':>7} "
                     f"{self.total_ms:>13.3f}")
        for t, (counted, timed) in self.unmatched.items():
            lines.append(f"note: {t}: {counted} ops counted, {timed} timed per forward")
        return "\n".join(lines)

    def plot(self, ax=None, title: str = ""):
        """Grouped bars: share of MACs, memory access and time per op type. Returns the axes."""
        from .plot import grouped_bars

        data = {t: {"MACs": self.share("macs", t), "memory access": self.share("memory_access", t),
                    "time": self.share("time", t)} for t in self.types}
        ax = grouped_bars(data, ylabel="share of the forward pass", title=title, ax=ax, fmt=None)
        ax.tick_params(axis="x", labelrotation=45)
        return ax

    def __str__(self) -> str:
        return self.table()


def attribute(model: nn.Module, input_size=(1, 3, 224, 224), *, threads: int = 1,
              runs: int = 10, warmup: int | None = None) -> Attribution:
    """Where a forward pass spends its time, next to where its MACs and memory access are.

    MACs and memory access per op type from ``lw.cost.profile`` rows; time per op type from
    ``torch.profiler`` over ``runs`` forwards of the real model (eval, inference mode,
    ``threads`` threads), each ATen op that the forward calls directly timed with its callees
    and typed by name (convs by their weight's shape). The profiler adds a little time to
    every op, so very short ops look somewhat slower than they are.
    """
    from torch.profiler import ProfilerActivity, profile, record_function

    from .cost import profile as cost_profile

    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
    _check_threads(threads)
    check_positive_int("runs", runs)
    _check_warmup(warmup)
    counted = cost_profile(model, input_size)
    macs: dict[str, int] = {}
    memory: dict[str, int] = {}
    calls_counted: dict[str, int] = {}
    for row in counted.rows:
        t = _row_type(row)
        macs[t] = macs.get(t, 0) + row.macs
        memory[t] = memory.get(t, 0) + row.memory_access
        calls_counted[t] = calls_counted.get(t, 0) + 1

    runner = _Runner(model, _make_input(input_size))
    marker = "lwcourse.attribute.forward"
    prof = profile(activities=[ProfilerActivity.CPU], record_shapes=True)
    with _use_threads(threads), torch.inference_mode():
        runner.warm_up(warmup)
        with _silent_stderr():
            prof.start()
        try:
            for _ in range(runs):
                with record_function(marker):
                    runner.sample_ms(1)
        finally:
            with _silent_stderr():
                prof.stop()
    with _silent_stderr():
        events = list(prof.events())
    per_run: dict[int, dict[str, float]] = {}
    walls: dict[int, float] = {}
    calls_measured: dict[str, int] = {}
    for event in events:
        if event.name == marker:
            walls[event.id] = event.cpu_time_total / 1e3
        parent = event.cpu_parent
        if parent is not None and parent.name == marker:
            t = _event_type(event)
            bucket = per_run.setdefault(parent.id, {})
            bucket[t] = bucket.get(t, 0.0) + event.cpu_time_total / 1e3
            calls_measured[t] = calls_measured.get(t, 0) + 1
    for run_id, bucket in per_run.items():
        bucket[OUTSIDE_OPS] = max(0.0, walls.get(run_id, 0.0) - sum(bucket.values()))
    found = sorted({t for bucket in per_run.values() for t in bucket})
    time_ms = {t: statistics.median(b.get(t, 0.0) for b in per_run.values()) for t in found}
    n = max(1, len(per_run))
    calls_measured = {t: round(c / n) for t, c in calls_measured.items()}
    return Attribution(macs, memory, time_ms, calls_counted, calls_measured, threads, runs)
