import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lwcourse import plot  # noqa: E402


def test_pareto_front_keeps_only_undominated_points():
    xs, ys = [1, 2, 3, 4], [1.0, 3.0, 2.0, 4.0]
    assert plot.pareto_front(xs, ys) == [0, 1, 3]


def test_plots_draw_and_savefig_is_deterministic(tmp_path):
    fig, axes = plt.subplots(1, 3)
    plot.scatter_labeled([1, 2], [3, 4], ["a", "b"], pareto=True, ax=axes[0])
    plot.grouped_bars({"g=1": {"paper": 1.0, "ours": 0.9}, "g=2": {"paper": 0.8}}, ax=axes[1])
    plot.roofline(100.0, 10.0, [("dw", 0.5, 4.0)], ax=axes[2])
    first = plot.savefig(fig, "demo", directory=tmp_path).read_bytes()
    second = plot.savefig(fig, "demo", directory=tmp_path).read_bytes()
    plt.close(fig)
    assert first == second


def test_bad_arguments():
    with pytest.raises(ValueError, match="same length"):
        plot.scatter_labeled([1], [1, 2], ["a"])
    with pytest.raises(ValueError, match="name"):
        plot.savefig(None, "../escape")
