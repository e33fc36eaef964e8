"""Benchmark helpers: structure and bookkeeping (timings themselves are not asserted)."""

import time

import pytest
import torch
from torch import nn

from lwcourse import bench


def test_format_ms_is_the_one_time_format():
    assert bench.format_ms(12.3456) == "12.346 ms"
    assert bench.format_ms(0.5) == "0.500 ms"


def test_latency_runs_in_eval_and_restores_threads():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Dropout(0.5)).train()
    before = torch.get_num_threads()
    result = bench.latency(model, (1, 3, 16, 16), threads=1, min_runs=5, min_time_s=0.01)
    assert torch.get_num_threads() == before
    assert not model.training
    assert result.runs >= 5 and result.median_ms > 0 and result.iqr_ms >= 0
    assert result.input_size == (1, 3, 16, 16)
    assert "ms median" in str(result)


def test_compare_interleaves_and_gives_ratios_to_the_baseline():
    calls = []

    def timed(name):
        def run(x):
            calls.append(name)
            time.sleep(0.001)  # long enough for one call per sample
        return run

    result = bench.compare({"a": timed("a"), "b": timed("b")}, (4, 4), rounds=4, warmup=0,
                           min_round_ms=0.01)
    assert set(result.results) == {"a", "b"}
    assert all(r.runs == 4 for r in result.results.values())
    assert result.ratio("a") == 1.0
    assert "vs a" in result.table()
    # after one calibration call each, rounds alternate who goes first: ab, ba, ab, ba
    assert calls == ["a", "b"] + list("abbaabba")


def test_machine_peak_measures_positive_ceilings():
    peak = bench.machine_peak(threads=1, matmul_size=64, copy_mib=1, repeats=2)
    assert peak.gflops > 0 and peak.bandwidth_gbs > 0
    assert peak.ridge_point == pytest.approx(peak.gflops / peak.bandwidth_gbs)


@pytest.mark.parametrize("kwargs, name", [({"threads": 0}, "threads"),
                                          ({"min_runs": 0}, "min_runs"),
                                          ({"warmup": -1}, "warmup")])
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bench.latency(nn.Identity(), (1, 1), **kwargs)


def test_compare_rejects_unknown_baseline():
    with pytest.raises(ValueError, match="baseline"):
        bench.compare({"a": nn.Identity()}, (1, 1), baseline="b")
