import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lwcourse import plot  # noqa: E402
from lwcourse.bench import Latency, MachinePeak  # noqa: E402


def test_pareto_front_keeps_only_undominated_points():
    xs, ys = [1, 2, 3, 4], [1.0, 3.0, 2.0, 4.0]
    assert plot.pareto_front(xs, ys) == [0, 1, 3]


def test_savefig_writes_only_where_the_environment_variable_points(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    monkeypatch.delenv(plot.FIGURES_ENV, raising=False)
    assert plot.savefig(fig, "demo") is None  # a casual run or a test writes nothing
    monkeypatch.setenv(plot.FIGURES_ENV, str(tmp_path / "figures"))
    path = plot.savefig(fig, "demo")
    plt.close(fig)
    assert path == tmp_path / "figures" / "demo.png" and path.stat().st_size > 0
    assert list(tmp_path.rglob("*")) == [tmp_path / "figures", path]


@pytest.mark.parametrize("name", ["../escape", "", "a/b", ".hidden", None])
def test_savefig_rejects_names_that_are_not_plain_file_names(name):
    with pytest.raises(ValueError, match="name"):
        plot.savefig(None, name)


def test_timing_plots_draw_the_median_with_iqr_error_bars():
    t = Latency("a", [1.0, 2.0, 3.0, 4.0, 10.0], 1, (1,))  # median 3, q1 2, q3 4
    ax = plot.timing_bars({"a": t, "b": t})
    bars = ax.patches
    assert [b.get_height() for b in bars] == [3.0, 3.0]
    (segments,) = [c for c in ax.collections]  # the error bars
    assert [tuple(s[:, 1]) for s in segments.get_segments()] == [(2.0, 4.0), (2.0, 4.0)]
    ax = plot.timing_line([1, 2], [t, t], label="x")
    (segments,) = [c for c in ax.collections]
    assert [tuple(s[:, 1]) for s in segments.get_segments()] == [(2.0, 4.0), (2.0, 4.0)]
    plt.close("all")
    with pytest.raises(ValueError, match="same"):
        plot.timing_line([1], [t, t])
    with pytest.raises(ValueError, match="at least one"):
        plot.timing_bars({})


def test_roofline_marks_points_above_the_dram_roof_as_cache_resident():
    peak = MachinePeak(gflops=100.0, dram_gbs=10.0, cache_gbs=50.0, threads=1)
    ax = plot.roofline(peak, [("dw", 0.5, 4.0), ("relu", 0.125, 3.0), ("odd", 0.5, 40.0)])
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["dw", "relu (cache-resident)", "odd (above the roofs)"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("came from cache" in text for text in legend)
    assert "DRAM roof, 1 thread(s)" in legend and "cache roof, 1 thread(s)" in legend
    plot.roofline(MachinePeak(150.0, 12.0, 60.0, 2), ax=ax, label="2 threads")
    assert "DRAM roof, 2 threads" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")
    with pytest.raises(ValueError, match="MachinePeak"):
        plot.roofline(100.0, [])


def test_bad_arguments():
    with pytest.raises(ValueError, match="same length"):
        plot.scatter_labeled([1], [1, 2], ["a"])
