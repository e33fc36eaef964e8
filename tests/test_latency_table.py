"""The latency lookup table: units, keys, de-duplication, prediction = sum of the table's
entries, checked inputs. No assertion on speed (a busy machine would make it flaky)."""

import pytest
import torch

import lwcourse as lw
from lwcourse.latency_table import LatencyTable, kendall_tau, relative_error, units


@pytest.fixture(scope="module")
def mnv2():
    return lw.models.create("mobilenet_v2").eval()


def test_units_follow_the_forward_pass(mnv2):
    us = units(mnv2, (1, 3, 64, 64))
    assert [u.name for u in us[:2]] == ["stem", "stages.0.0"]
    assert us[-2].name == "head" and us[-1].name == "pool+classifier"
    assert len(us) == 2 + 17 + 1  # stem, 17 inverted residuals, head, tail
    assert us[0].input_shape == (1, 3, 64, 64) and us[1].input_shape == (1, 32, 32, 32)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        y = x
        for u in us:
            assert tuple(y.shape) == u.input_shape
            y = u.module(y)
        torch.testing.assert_close(y, mnv2(x))


def test_repeated_blocks_share_a_key(mnv2):
    keys = [u.key for u in units(mnv2, (1, 3, 64, 64))]
    assert len(set(keys)) < len(keys)  # e.g. the 2nd and 3rd 32-channel blocks are identical
    b0 = lw.models.create("efficientnet_b0")  # stochastic depth differs, the key must not
    keys_b0 = [u.key for u in units(b0, (1, 3, 64, 64))]
    assert len(set(keys_b0)) < len(keys_b0)
    assert "DropPath" not in "".join(keys_b0)


def test_keys_depend_on_the_input_shape(mnv2):
    a = {u.key for u in units(mnv2, (1, 3, 64, 64))}
    b = {u.key for u in units(mnv2, (1, 3, 96, 96))}
    assert not a & b


def test_prediction_is_the_sum_of_the_table_entries():
    table = LatencyTable(threads=1, warmup=0, min_runs=1, min_time_s=0.001)
    model = lw.models.create("mnasnet_b1", width_mult=0.5).eval()
    size = (1, 3, 32, 32)
    us = units(model, size)
    new = table.add(model, size)
    assert new == len(table) == len({u.key for u in us})
    assert table.add(model, size) == 0  # nothing new the second time
    expected = sum(table.entries[u.key].median_ms for u in us)
    assert table.predict_ms(model, size) == pytest.approx(expected)
    assert [name for name, _ in table.breakdown(model, size)] == [u.name for u in us]


def test_prediction_needs_every_unit():
    table = LatencyTable(threads=1, warmup=0, min_runs=1, min_time_s=0.001)
    model = lw.models.create("mnasnet_b1", width_mult=0.5)
    with pytest.raises(ValueError, match="not in the table"):
        table.predict_ms(model, (1, 3, 32, 32))


@pytest.mark.parametrize("bad, match", [
    (lambda: units(torch.nn.Conv2d(3, 8, 3)), "model must be a model of the zoo"),
    (lambda: units(lw.models.create("mobilenet_v2"), (3, 224, 224)), "input_size"),
    (lambda: units(lw.models.create("mobilenet_v2"), (1, 3, 0, 64)), "input_size"),
    (lambda: units(lw.models.create("mobilenet_v2"), (1, 3, 8, 8)), "at least"),
    (lambda: LatencyTable(threads=0), "threads"),
    (lambda: LatencyTable(min_runs=0), "min_runs"),
    (lambda: LatencyTable(min_time_s=-1), "min_time_s"),
    (lambda: LatencyTable(warmup=-1), "warmup"),
    (lambda: relative_error(0, 1.0), "predicted"),
    (lambda: relative_error(1.0, "1"), "measured"),
    (lambda: kendall_tau([1, 2], [1]), "same length"),
])
def test_bad_inputs(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_kendall_tau_and_relative_error():
    assert kendall_tau([1, 2, 3], [10, 20, 30]) == 1
    assert kendall_tau([1, 2, 3], [30, 20, 10]) == -1
    assert kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    assert relative_error(12.0, 10.0) == pytest.approx(0.2)
    assert relative_error(8.0, 10.0) == pytest.approx(-0.2)
