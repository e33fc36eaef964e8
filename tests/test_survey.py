"""``lwcourse survey`` on a tiny subset: the table, resuming, the predictor study's arithmetic
and the papers' numbers. No speed is asserted."""

import csv

import numpy as np
import pytest

from lwcourse import bench, cli, survey
from lwcourse.models import create, list_models
from lwcourse.reference import n_params

TINY = ["lcnet_050", "mobilenet_v3_small"]


@pytest.fixture
def fixed_peak(monkeypatch):
    """The roofline ceilings, fixed: measuring them takes seconds and is not under test."""
    monkeypatch.setattr(bench, "machine_peak",
                        lambda threads=1: bench.MachinePeak(50.0, 10.0, 40.0, threads))


def test_the_command_writes_table_plots_and_resumes(tmp_path, capsys, fixed_peak):
    argv = ["survey", "--models", *TINY, "mixnet_s", "--batches", "1", "--threads", "1",
            "--budget", "0.05", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "[3/3] mixnet_s, batch 1, 1 thread(s)" in out
    for name in ("survey.csv", "survey.md", "survey_pareto.png", "survey_predictors.png",
                 "survey_peak.csv"):
        assert (tmp_path / name).stat().st_size > 0
    rows = survey.read_csv(tmp_path / "survey.csv")
    assert [r["model"] for r in rows] == [*TINY, "mixnet_s"]
    assert rows[0]["params"] == n_params(create("lcnet_050")) == 1_880_856
    assert rows[2]["paper_top1"] == 75.8 and rows[2]["family"] == "mixnet"
    assert all(r["median_ms"] > 0 and r["aa_low"] <= 1 <= r["aa_high"] for r in rows)
    assert rows[0]["roofline_depthwise"] > 0 and rows[0]["roofline_grouped_conv"] == 0
    assert (tmp_path / "survey.md").read_text().count("\n| ") == 3  # one line per row
    assert "MACs only" in out and "per-op-type linear" in out
    assert cli.main(argv) == 0  # again: nothing left to measure
    assert "3 rows already in" in capsys.readouterr().out
    assert len(survey.read_csv(tmp_path / "survey.csv")) == 3
    fresh = ["survey", "--models", *TINY, "--batches", "1", "--threads", "1", "--budget",
             "0.05", "--out", str(tmp_path), "--fresh"]
    assert cli.main(fresh) == 0  # --fresh: the earlier rows are discarded, these re-measured
    assert "[2/2] mobilenet_v3_small" in capsys.readouterr().out
    assert [r["model"] for r in survey.read_csv(tmp_path / "survey.csv")] == TINY


def test_rows_over_the_macs_limit_are_skipped_and_named(tmp_path, fixed_peak):
    lines = []
    rows = survey.run(TINY, [1, 4], [1], tmp_path, {1: (50.0, 10.0)}, time_budget_s=0.05,
                      max_gmacs=0.1, progress=lines.append)  # lcnet_050: 0.047 G per image
    assert [(r["model"], r["batch"]) for r in rows] == [("lcnet_050", 1), ("mobilenet_v3_small", 1)]
    assert lines[0] == "skipped (batch x MACs > 0.1 G per call): lcnet_050 batch 4, " \
                       "mobilenet_v3_small batch 4"


def test_an_interrupted_run_keeps_its_finished_rows(tmp_path, monkeypatch):
    real = survey.measure_row

    def fail_on_second(name, *args):
        if name == TINY[1]:
            raise KeyboardInterrupt
        return real(name, *args)

    monkeypatch.setattr(survey, "measure_row", fail_on_second)
    with pytest.raises(KeyboardInterrupt):
        survey.run(TINY, [1], [1], tmp_path, {1: (50.0, 10.0)}, time_budget_s=0.05,
                   progress=lambda _: None)
    with open(tmp_path / "survey.csv") as f:
        assert [r["model"] for r in csv.DictReader(f)] == TINY[:1]


def test_a_latency_linear_in_macs_is_predicted_exactly_by_macs_only():
    names = ["lcnet_050", "lcnet_100", "mobilenet_v3_small", "mobilenet_v2", "fbnet_c"]
    rows = []
    for n in names:
        times = survey.op_type_times(n, 1, 50.0, 10.0)
        rows.append({**survey.cost_row(n, 1), "threads": 1, "median_ms": 0.0,
                     **{col: times.get(t, 0.0) for t, col in survey.ROOFLINE_COLUMNS.items()}})
    for r in rows:
        r["median_ms"] = 2.0 + r["macs"] / 1e7
    study = survey.predictor_study(rows)
    rho, mape = study.metrics()["MACs only", 1, 1]
    assert rho == pytest.approx(1.0) and mape < 1e-6
    assert study.metrics()["memory access only", 1, 1][1] > 1  # a different cost, a real error
    assert study.models[1, 1] == names


def test_roofline_is_the_sum_over_ops_of_the_slower_roof():
    times = survey.op_type_times("lcnet_050", 1, gflops=1e9, dram_gbs=1.0)  # memory-bound
    row = survey.cost_row("lcnet_050", 1)
    assert sum(times.values()) == pytest.approx(4 * row["memory_access"] / 1e9 * 1e3)


def test_spearman_and_nonnegative_fit():
    assert survey.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert survey.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    w = survey.nonnegative_lstsq(X, np.array([1.0, -1.0, 0.0]))
    assert (w >= 0).all() and w[1] == 0


def test_every_paper_entry_names_a_registered_model_and_a_source():
    assert set(survey.PAPER) <= set(list_models())
    assert all(p.source and 0 < p.top1 < 100 for p in survey.PAPER.values())


def test_settings_table_shows_ms_per_image_and_gaps():
    rows = [{"model": "a", "batch": 1, "threads": 1, "macs": 10, "median_ms": 2.0, "iqr_ms": 0.5},
            {"model": "a", "batch": 16, "threads": 1, "macs": 160, "median_ms": 16.0,
             "iqr_ms": 1.6},
            {"model": "b", "batch": 1, "threads": 1, "macs": 5, "median_ms": 1.0, "iqr_ms": 0.1}]
    lines = survey.settings_table(rows).splitlines()
    assert "N=1, 1 thr" in lines[0] and "N=16, 1 thr" in lines[0]
    assert lines[1].split() == ["b", "1.00", "(", "0.10)", "-"]  # cheaper model first
    assert lines[2].split() == ["a", "2.00", "(", "0.50)", "1.00", "(", "0.10)"]


def test_errors_by_family_are_the_mean_percent_errors_worst_first():
    study = survey.PredictorStudy(
        measured={(1, 1): [10.0, 20.0, 40.0]},
        models={(1, 1): ["lcnet_050", "lcnet_100", "mobilenet_v2"]},
        predicted={("MACs only", 1, 1): [12.0, 20.0, 20.0]})
    errors = study.errors_by_family("MACs only", 1, 1)
    assert list(errors) == ["mobilenet_v2", "lcnet"]
    assert errors["mobilenet_v2"] == pytest.approx(50.0) and errors["lcnet"] == pytest.approx(10.0)
