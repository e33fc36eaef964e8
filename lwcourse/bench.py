"""Measured latency, done right: warm-up, eval mode, ``torch.inference_mode``, fixed threads,
median and spread over many runs, and interleaving when models are compared.

Every time is printed in one format: milliseconds with three decimals (``12.345 ms``).
Timings depend on the machine and its load; the notebooks' stored timings are examples.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from ._checks import check_positive, check_positive_int


def format_ms(ms: float) -> str:
    """The course's one time format: ``12.345 ms``."""
    return f"{ms:.3f} ms"


@dataclass
class Latency:
    """Per-run times of one model (milliseconds) and their summary."""

    name: str
    times_ms: list[float] = field(repr=False)
    threads: int
    input_size: tuple

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def iqr_ms(self) -> float:
        """Interquartile range: the spread of the middle half of the runs."""
        if len(self.times_ms) < 2:
            return 0.0
        q = statistics.quantiles(self.times_ms, n=4, method="inclusive")
        return q[2] - q[0]

    @property
    def runs(self) -> int:
        return len(self.times_ms)

    def __str__(self) -> str:
        return (f"{self.name}: {format_ms(self.median_ms)} median, IQR {format_ms(self.iqr_ms)}, "
                f"{self.runs} runs, {self.threads} thread(s), input {tuple(self.input_size)}")


class _Runner:
    """``model(x)`` in eval and inference mode with a fixed thread count, timed in samples of
    ``inner`` back-to-back calls. Same method as ``torch.utils.benchmark.Timer`` (warm-up,
    inner loops, median and IQR over samples) without its extra warm-up calls before every
    sample, so that interleaved rounds stay cheap."""

    def __init__(self, model: nn.Module | Callable, x: torch.Tensor, threads: int):
        if isinstance(model, nn.Module):
            model.eval()
        self.model, self.x, self.threads = model, x, threads

    def sample_ms(self, inner: int = 1) -> float:
        """Mean time of one call over ``inner`` calls, in ms."""
        old_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                start = time.perf_counter()
                for _ in range(inner):
                    self.model(self.x)
                return (time.perf_counter() - start) * 1e3 / inner
        finally:
            torch.set_num_threads(old_threads)


def _inner_loops(runner: _Runner, target_ms: float) -> int:
    """How many calls one sample needs to last about ``target_ms`` (short ops are batched)."""
    once = runner.sample_ms(1)
    return max(1, min(1000, int(target_ms / max(once, 1e-3))))


def _check_common(threads: int, min_runs: int, warmup: int, min_time_s: float) -> None:
    check_positive_int("threads", threads)
    check_positive_int("min_runs", min_runs)
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an int >= 0, got {warmup!r}")
    check_positive("min_time_s", min_time_s)


def latency(model: nn.Module | Callable, input_size=(1, 3, 224, 224), *, threads: int = 1,
            warmup: int = 3, min_runs: int = 10, min_time_s: float = 0.5,
            name: str | None = None) -> Latency:
    """Time ``model`` on a random input of ``input_size`` (or a given tensor).

    Runs ``warmup`` untimed calls, then samples until both ``min_runs`` samples and
    ``min_time_s`` seconds are reached. Very short calls are looped inside one sample so the
    timer's resolution does not matter. Runs in eval mode under ``torch.inference_mode`` with
    ``threads`` intra-op threads (restored afterwards).
    """
    _check_common(threads, min_runs, warmup, min_time_s)
    x = input_size if isinstance(input_size, torch.Tensor) else torch.randn(*input_size)
    runner = _Runner(model, x, threads)
    if warmup:
        runner.sample_ms(warmup)
    inner = _inner_loops(runner, target_ms=5.0)
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time_s:
        times.append(runner.sample_ms(inner))
    label = name or (type(model).__name__ if isinstance(model, nn.Module) else "function")
    return Latency(label, times, threads, tuple(x.shape))


@dataclass
class Comparison:
    """Interleaved latencies of several models and their ratios to a baseline."""

    results: dict[str, Latency]
    baseline: str

    def ratio(self, name: str) -> float:
        """Median time of ``name`` / median time of the baseline."""
        return self.results[name].median_ms / self.results[self.baseline].median_ms

    def table(self) -> str:
        lines = [f"{'model':<24} {'median':>12} {'IQR':>12} {'runs':>5} "
                 f"{'vs ' + self.baseline:>14}"]
        for name, r in self.results.items():
            lines.append(f"{name:<24} {format_ms(r.median_ms):>12} {format_ms(r.iqr_ms):>12} "
                         f"{r.runs:>5} {self.ratio(name):>13.2f}x")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def compare(models: Mapping[str, nn.Module | Callable], input_size=(1, 3, 224, 224), *,
            threads: int = 1, rounds: int = 15, warmup: int = 3, baseline: str | None = None,
            min_round_ms: float = 5.0) -> Comparison:
    """Time several models in interleaved rounds (A, B, C, A, B, C, ...) so that a slow
    moment of the machine hurts all of them alike; ratios are to ``baseline`` (the first
    model by default). All models get the same input."""
    if not models:
        raise ValueError("models must name at least one model")
    check_positive_int("rounds", rounds)
    _check_common(threads, 1, warmup, 1.0)
    baseline = baseline if baseline is not None else next(iter(models))
    if baseline not in models:
        raise ValueError(f"baseline must be one of {', '.join(models)}; got {baseline!r}")
    x = input_size if isinstance(input_size, torch.Tensor) else torch.randn(*input_size)
    runners = {name: _Runner(m, x, threads) for name, m in models.items()}
    times: dict[str, list[float]] = {name: [] for name in runners}
    for runner in runners.values():
        if warmup:
            runner.sample_ms(warmup)
    inner = {name: _inner_loops(r, min_round_ms) for name, r in runners.items()}
    order = list(runners)
    for r in range(rounds):
        for name in order[r % len(order):] + order[:r % len(order)]:  # rotate who goes first
            times[name].append(runners[name].sample_ms(inner[name]))
    results = {n: Latency(n, t, threads, tuple(x.shape)) for n, t in times.items()}
    return Comparison(results, baseline)


@dataclass
class MachinePeak:
    """Measured roofline ceilings of this machine."""

    gflops: float  # fp32 matrix multiply, GFLOP/s
    bandwidth_gbs: float  # large tensor copy, GB/s (bytes read + written)
    threads: int

    @property
    def ridge_point(self) -> float:
        """Arithmetic intensity (FLOP/byte) where compute and memory ceilings meet."""
        return self.gflops / self.bandwidth_gbs

    def __str__(self) -> str:
        return (f"peak compute {self.gflops:,.1f} GFLOP/s (fp32 matmul), memory "
                f"{self.bandwidth_gbs:,.1f} GB/s (copy), ridge point "
                f"{self.ridge_point:.1f} FLOP/byte, {self.threads} thread(s)")


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine_peak(threads: int = 1, matmul_size: int = 1024, copy_mib: int = 256,
                 repeats: int = 5) -> MachinePeak:
    """Measure fp32 matmul GFLOP/s (``2 n^3`` FLOPs per ``n x n`` product) and copy GB/s
    (``2 x bytes``: read + write), best of ``repeats``."""
    check_positive_int("threads", threads)
    check_positive_int("matmul_size", matmul_size)
    check_positive_int("copy_mib", copy_mib)
    check_positive_int("repeats", repeats)
    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(matmul_size, matmul_size), torch.randn(matmul_size, matmul_size)
        src = torch.empty(copy_mib * 2**20 // 4)
        dst = torch.empty_like(src)
        with torch.inference_mode():
            a @ b
            dst.copy_(src)
            mm_s = min(_seconds(lambda: a @ b) for _ in range(repeats))
            cp_s = min(_seconds(lambda: dst.copy_(src)) for _ in range(repeats))
    finally:
        torch.set_num_threads(old_threads)
    return MachinePeak(2 * matmul_size**3 / mm_s / 1e9, 2 * src.numel() * 4 / cp_s / 1e9, threads)
