"""Benchmark helpers: structure, bookkeeping and argument checks (timings are never asserted:
speed belongs in benchmarks/)."""

import math
import time

import pytest
import torch
from torch import nn

from lwcourse import bench
from lwcourse.bench import Comparison, Latency, MachinePeak


def test_format_ms_is_the_one_time_format():
    assert bench.format_ms(12.3456) == "12.346 ms"
    assert bench.format_ms(0.5) == "0.500 ms"


def test_machine_info_names_cpu_cores_torch_and_math_libraries():
    info = bench.machine_info()
    assert f"torch {torch.__version__}" in info
    assert f"{bench.available_cores()} cores available" in info
    assert "oneDNN" in info or "no oneDNN/MKL" in info


def test_threads_sets_and_restores_the_count_even_on_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="inside"), bench.threads(1):
        assert torch.get_num_threads() == 1
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2", None])
def test_threads_rejects_non_positive_ints(n):
    with pytest.raises(ValueError, match="threads"):
        bench.threads(n).__enter__()


def test_threads_above_the_cores_is_an_error_naming_the_allowed_range():
    cores = bench.available_cores()
    with pytest.raises(ValueError, match=f"between 1 and {cores}"):
        bench.threads(cores + 1).__enter__()
    with pytest.raises(ValueError, match="threads"):
        bench.latency(nn.Identity(), (1, 1), threads=cores + 1)


def test_latency_statistics_are_median_and_iqr():
    t = Latency("x", [5.0, 1.0, 3.0, 2.0, 4.0], threads=1, input_size=(1,))
    assert t.median_ms == 3.0
    assert (t.q1_ms, t.q3_ms, t.iqr_ms) == (2.0, 4.0, 2.0)
    assert Latency("one", [7.0], 1, (1,)).iqr_ms == 0.0


def test_latency_runs_in_eval_and_restores_threads():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Dropout(0.5)).train()
    before = torch.get_num_threads()
    result = bench.latency(model, (1, 3, 16, 16), threads=1, min_runs=5, min_time_s=0.01)
    assert torch.get_num_threads() == before
    assert not model.training
    assert result.runs >= 5 and result.median_ms > 0 and result.iqr_ms >= 0
    assert result.q1_ms <= result.median_ms <= result.q3_ms
    assert result.input_size == (1, 3, 16, 16)
    assert "ms median" in str(result)


def test_automatic_warmup_makes_several_calls_even_for_a_slow_model():
    calls = []

    def slow(x):
        calls.append(1)
        time.sleep(0.03)

    bench.latency(slow, (8, 3), min_runs=1, min_time_s=0.001, min_sample_ms=0.001)
    # warm-up: >= 3 calls and >= 0.05 s; calibration: 2 calls; then at least one sample
    assert len(calls) >= 3 + 2 + 1
    calls.clear()
    bench.latency(slow, (8, 3), warmup=0, min_runs=1, min_time_s=0.001, min_sample_ms=0.001)
    assert len(calls) == 2 + 1


@pytest.mark.parametrize("kwargs, name", [
    ({"threads": 0}, "threads"), ({"min_runs": 0}, "min_runs"), ({"warmup": -1}, "warmup"),
    ({"warmup": 1.5}, "warmup"), ({"min_time_s": 0}, "min_time_s"),
    ({"min_time_s": -1.0}, "min_time_s"), ({"min_time_s": math.inf}, "min_time_s"),
    ({"min_time_s": math.nan}, "min_time_s"), ({"min_sample_ms": math.inf}, "min_sample_ms")])
def test_latency_rejects_bad_arguments_up_front(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bench.latency(nn.Identity(), (1, 1), **kwargs)


@pytest.mark.parametrize("size", [(), (0, 3), (1, -2), (1.0, 3), 224, None, (True, 3)])
def test_latency_rejects_bad_input_sizes(size):
    with pytest.raises(ValueError, match="input must be a tensor or a non-empty tuple"):
        bench.latency(nn.Identity(), size)


def test_latency_accepts_numpy_ints_in_the_input_size():
    import numpy as np

    t = bench.latency(nn.Identity(), (np.int64(1), 3), min_runs=1, min_time_s=0.001)
    assert t.input_size == (1, 3)


def _sleeper(calls, name, seconds=0.001):
    def run(x):
        calls.append(name)
        time.sleep(seconds)
    return run


def test_compare_interleaves_rounds_and_adds_an_aa_control():
    calls = []
    result = bench.compare({"a": _sleeper(calls, "a"), "b": _sleeper(calls, "b")}, (4, 4),
                           rounds=4, warmup=0, min_round_ms=0.01)
    assert list(result.results) == ["a", "b"]
    assert result.control.name == "A/A copy of a"
    assert all(r.runs == 4 for r in [*result.results.values(), result.control])
    assert result.ratio("a") == 1.0
    # calibration: 2 calls each (the copy of a plain function is the function itself: it
    # appends "a"); then rounds rotate who goes first: a b a', b a' a, a' a b, a b a'
    assert calls[6:] == list("aba" "baa" "aab" "aba")
    table = result.table()
    assert "vs a" in table and "A/A: copy of a" in table and "noise band" in table


def test_compare_gives_each_model_its_own_input_and_equal_sizes_equal_values():
    seen = {}

    def record(name):
        def run(x):
            seen[name] = x
        return run

    own = torch.zeros(2, 5)
    bench.compare({"a": record("a"), "b": (record("b"), (1, 7)), "c": (record("c"), own),
                   "d": record("d")}, (2, 3), rounds=1, warmup=0, min_round_ms=0.01)
    assert seen["a"].shape == (2, 3) and seen["b"].shape == (1, 7) and seen["c"] is own
    assert torch.equal(seen["a"], seen["d"]) and seen["a"] is not seen["d"]


def test_compare_deep_copies_the_baseline_for_the_aa_control():
    model = nn.Linear(3, 3)
    result = bench.compare({"lin": model}, (1, 3), rounds=2, warmup=0, min_round_ms=0.01)
    assert result.control.runs == 2 and result.results["lin"].runs == 2


def test_compare_rounds_follow_the_time_budget():
    calls = []
    result = bench.compare({"a": _sleeper(calls, "a", 0.002)}, (1,), time_budget_s=0.05,
                           min_rounds=3, max_rounds=1000, warmup=0, min_round_ms=0.01)
    assert 3 <= result.results["a"].runs < 100  # stopped by the budget, not by max_rounds
    result = bench.compare({"a": _sleeper(calls, "a", 0.002)}, (1,), time_budget_s=0.001,
                           min_rounds=4, warmup=0, min_round_ms=0.01)
    assert result.results["a"].runs == 4  # over budget at once: the minimum
    result = bench.compare({"a": _sleeper(calls, "a", 0.0)}, (1,), time_budget_s=60,
                           min_rounds=1, max_rounds=6, warmup=0, min_round_ms=0.01)
    assert result.results["a"].runs == 6  # a fast model: the cap


def _comparison(base, other, copy_):
    results = {"A": Latency("A", base, 1, (1,)), "B": Latency("B", other, 1, (1,))}
    control = Latency("A/A copy of A", copy_, 1, (1,))
    return Comparison(results, "A", control, bench._noise_band(base, copy_))


def test_noise_band_is_the_aa_ratio_mirrored_and_contains_its_bootstrap_interval():
    base = [10.0, 10.2, 9.9, 10.1, 10.0, 10.3]
    copy_ = [10.5, 10.6, 10.4, 10.5, 10.7, 10.5]  # the copy came out 5 % slower by chance
    lo, hi = bench._noise_band(base, copy_)
    observed = 10.5 / 10.05
    assert hi >= observed and lo == pytest.approx(1 / hi)
    assert bench._noise_band(base, base) == (1.0, 1.0)


def test_verdicts_and_sentences_follow_the_noise_band():
    base = [10.0, 10.2, 9.9, 10.1, 10.0]
    noisy = _comparison(base, [10.3, 10.4, 10.2, 10.3, 10.3], [10.4, 10.5, 10.6, 10.4, 10.5])
    assert noisy.verdict("B") == "within noise"
    assert "cannot tell them apart" in noisy.sentence("B")
    fast = _comparison(base, [5.0, 5.1, 4.9, 5.0, 5.2], [10.1, 10.0, 10.2, 10.1, 10.0])
    assert fast.ratio("B") == pytest.approx(0.5)
    assert fast.verdict("B") == "faster"
    assert "B is 2.00x faster than A" in fast.sentence("B")
    slow = _comparison(base, [20.0, 20.1, 19.9, 20.0, 20.2], base)
    assert slow.verdict("B") == "slower" and "2.00x slower" in slow.sentence("B")
    assert "baseline" in slow.sentence("A")
    with pytest.raises(ValueError, match="name must be one of"):
        slow.ratio("C")


@pytest.mark.parametrize("kwargs, name", [
    ({"baseline": "b"}, "baseline"), ({"time_budget_s": math.inf}, "time_budget_s"),
    ({"time_budget_s": 0}, "time_budget_s"), ({"rounds": 0}, "rounds"),
    ({"min_rounds": 0}, "min_rounds"), ({"max_rounds": 2, "min_rounds": 3}, "max_rounds"),
    ({"threads": 0}, "threads"), ({"warmup": -2}, "warmup")])
def test_compare_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bench.compare({"a": nn.Identity()}, (1, 1), **kwargs)


@pytest.mark.parametrize("models", [{}, [nn.Identity()], {"a": (nn.Identity(),)},
                                    {"a": (nn.Identity(), (1,), 3)}, {"a": 3},
                                    {"A/A copy of a": nn.Identity(), "a": nn.Identity()}])
def test_compare_rejects_bad_model_mappings(models):
    with pytest.raises(ValueError, match="models|model must|reserved"):
        bench.compare(models, (1, 1), rounds=1, warmup=0, baseline="a" if len(models) > 1
                      else None)


def test_machine_peak_ceilings_are_the_best_kernels_measured():
    conv = nn.Conv2d(8, 8, 3, padding=1)
    peak = bench.machine_peak(threads=1, kernels={"my conv": (conv, (1, 8, 16, 16))}, repeats=1)
    compute = {k: v for k, v in peak.measured.items() if "copy" not in k}
    assert len(compute) == len(bench.GEMM_SHAPES) + len(bench.CONV_SHAPES) + 1
    assert "my conv" in compute and peak.gflops == max(compute.values())
    assert peak.dram_gbs == max(v for k, v in peak.measured.items() if k.startswith("DRAM"))
    assert peak.cache_gbs >= peak.dram_gbs
    assert peak.best_kernel in compute and "GFLOP/s" in str(peak)


def test_regime_places_points_against_the_dram_and_cache_roofs():
    peak = MachinePeak(gflops=100.0, dram_gbs=10.0, cache_gbs=50.0, threads=1)
    assert peak.ridge_point == 10.0
    assert peak.attainable(0.5) == 5.0 and peak.attainable(0.5, "cache") == 25.0
    assert peak.attainable(100.0) == 100.0
    assert peak.regime(0.5, 4.0) == "under the DRAM roof"
    assert peak.regime(0.5, 20.0) == "cache-resident"
    assert peak.regime(0.5, 30.0) == "above the roofs"
    assert peak.regime(100.0, 120.0) == "above the roofs"
    with pytest.raises(ValueError, match="memory"):
        peak.attainable(1.0, "l2")


@pytest.mark.parametrize("op, kernel, groups, channels, expected", [
    ("conv2d", (1, 1), 1, 32, "conv 1x1"), ("conv", (3, 3), 1, 3, "conv kxk"),
    ("aten::conv2d", (3, 3), 32, 32, "depthwise"), ("conv2d", (1, 1), 4, 32, "grouped conv"),
    ("aten::relu_", None, 1, 0, "activation"), ("hardtanh", None, 1, 0, "activation"),
    ("aten::add_", None, 1, 0, "add/mul"), ("batch_norm", None, 1, 0, "batch norm"),
    ("aten::adaptive_avg_pool2d", None, 1, 0, "pooling"), ("mean", None, 1, 0, "pooling"),
    ("aten::contiguous", None, 1, 0, "copy/cat"), ("cat", None, 1, 0, "copy/cat"),
    ("aten::linear", None, 1, 0, "linear"), ("aten::flatten", None, 1, 0, "other")])
def test_op_types(op, kernel, groups, channels, expected):
    assert bench.op_type(op, kernel, groups, channels) == expected


def test_attribute_matches_every_counted_op_to_a_timed_one():
    block = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Conv2d(8, 16, 1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
    result = bench.attribute(block, (1, 3, 16, 16), runs=3)
    for t in ("conv kxk", "batch norm", "activation", "depthwise", "conv 1x1", "pooling",
              "linear"):
        assert result.calls_counted[t] == result.calls_measured[t] == 1, t
    assert result.unmatched == {} and "note:" not in result.table()
    assert result.share("macs", "conv kxk") + result.share("macs", "conv 1x1") + result.share(
        "macs", "depthwise") + result.share("macs", "linear") == pytest.approx(1.0)
    assert sum(result.share("time", t) for t in result.types) == pytest.approx(1.0)
    assert result.share("macs", "batch norm") == 0 and result.share("memory_access",
                                                                     "batch norm") > 0
    table = result.table()
    assert table.splitlines()[0].split()[:2] == ["op", "type"] and "depthwise" in table
    with pytest.raises(ValueError, match="quantity"):
        result.share("flops", "conv 1x1")


def test_attribute_rejects_bad_arguments():
    with pytest.raises(ValueError, match="model"):
        bench.attribute(lambda x: x, (1, 3))
    with pytest.raises(ValueError, match="runs"):
        bench.attribute(nn.Identity(), (1, 3), runs=0)


def test_comparison_and_attribution_plot_their_numbers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = [10.0, 10.2, 9.9, 10.1, 10.0]
    ax = _comparison(base, [5.0, 5.1, 4.9, 5.0, 5.2], base).plot()
    assert [p.get_height() for p in ax.patches] == [10.0, 5.0, 10.0]  # A, B, A/A copy
    attribution = bench.Attribution({"conv 1x1": 3, "activation": 0},
                                    {"conv 1x1": 1, "activation": 1},
                                    {"conv 1x1": 1.0, "activation": 3.0},
                                    {"conv 1x1": 1, "activation": 1},
                                    {"conv 1x1": 1, "activation": 1}, threads=1, runs=1)
    ax = attribution.plot()
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.0, 0.25, 0.5, 0.5, 0.75, 1.0]
    plt.close("all")
