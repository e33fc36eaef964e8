"""The per-op counting rules (``lwcourse.cost.rules``), each against a count made by hand."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lwcourse.cost import UnknownOpError, profile, rules


class _Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def _row(fn, sizes, op=None):
    p = profile(_Lambda(fn), sizes, strict=True)
    rows = p.select(op=op) if op else p.rows
    assert len(rows) == 1, p.rows
    return rows[0]


def test_every_rule_is_a_documented_function():
    for name, (short, cost_of) in rules.RULES.items():
        assert short and cost_of.__doc__, name


def test_copy_reads_its_source_and_writes_its_destination():
    n = 2 * 3 * 4
    row = _row(lambda x, y: torch.empty_like(x).copy_(y), [(2, 3, 4), (2, 3, 4)])
    assert row.memory_access == 2 * n  # read y, write x: the destination is not read


def test_a_broadcast_view_is_read_at_its_storage_size():
    def scale(x, s):
        return x * s.expand_as(x)

    row = _row(scale, [(1, 8, 4, 4), (1, 8, 1, 1)])
    assert row.memory_access == 128 + 8 + 128


@pytest.mark.parametrize("fn", [
    lambda x, i: x[:, i],
    lambda x, i: x.index_select(1, i),
    lambda x, i: F.embedding(i, x),
])
def test_indexing_reads_the_indices_and_the_gathered_elements_only(fn):
    index = torch.tensor([0, 2, 2])
    row = _row(fn, [(4, 6), index])
    assert row.op == "gather"
    gathered = math.prod(row.output_shape)  # (4, 3) or, for the embedding, (3, 6)
    assert row.memory_access == 3 + 2 * gathered


def test_max_pool_indices_are_written_and_alive():
    p = profile(nn.MaxPool2d(2), (1, 3, 8, 8), strict=True)
    (row,) = p.rows
    n_in, n_out = 3 * 64, 3 * 16
    assert row.memory_access == n_in + n_out + n_out  # input, values, indices
    assert row.elementwise == n_out * 4
    assert p.peak_activation == n_in + 2 * n_out


@pytest.mark.parametrize("fn, size, elementwise", [
    (lambda x: F.avg_pool2d(x, 3, stride=1), (1, 2, 5, 5), 2 * 9 * 9),
    (lambda x: F.adaptive_avg_pool2d(x, 1), (1, 2, 5, 5), 50),
    (lambda x: x.sum(1), (2, 3, 4), 24),
    (lambda x: torch.softmax(x, -1), (2, 3, 4), 24),
])
def test_pooling_and_reductions_do_one_op_per_element_read_or_window_element(fn, size,
                                                                               elementwise):
    assert _row(fn, size).elementwise == elementwise


def test_transposed_conv_sends_each_input_element_to_its_filters():
    conv = nn.ConvTranspose2d(4, 6, 3, stride=2, bias=False)
    row = profile(conv, (1, 4, 5, 5), strict=True).rows[0]
    assert row.op == "conv_transpose2d"
    assert row.macs == 4 * 25 * 6 * 9
    with torch.no_grad():  # the same count from the equivalent direct conv, by hand
        assert conv(torch.randn(1, 4, 5, 5)).shape == (1, 6, 11, 11)


def test_conv1d_and_batched_matmul():
    row = profile(nn.Conv1d(4, 6, 3, groups=2), (2, 4, 10), strict=True).rows[0]
    assert (row.op, row.macs, row.elementwise) == ("conv1d", 2 * 6 * 8 * 2 * 3, 2 * 6 * 8)
    row = _row(torch.bmm, [(3, 4, 5), (3, 5, 6)])
    assert (row.op, row.macs) == ("matmul", 3 * 4 * 6 * 5)
    row = _row(lambda a, b, c: torch.baddbmm(a, b, c), [(3, 4, 6), (3, 4, 5), (3, 5, 6)])
    assert (row.macs, row.elementwise) == (3 * 4 * 6 * 5, 3 * 4 * 6)


def test_select_op_conv_is_every_convolution_and_a_typo_is_an_error():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, groups=4))
    p = profile(model, (1, 3, 6, 6))
    assert [r.module for r in p.select(op="conv")] == ["0", "2"]
    assert p.select(op="conv") == p.select(op="conv2d")
    with pytest.raises(ValueError, match="op must be one of .*conv2d"):
        p.select(op="Conv2d")


# ---- BN folding: only where it is possible ----------------------------------------------------

def test_fold_bn_removes_bn_traffic_and_adds_a_bias():
    model = nn.Sequential(nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6),
                          nn.ReLU())
    plain = profile(model, (1, 4, 8, 8))
    folded = profile(model, (1, 4, 8, 8), fold_bn=True)
    bn = plain.select(op="batch_norm")[0]
    assert bn.memory_access == 2 * 6 * 64 + 4 * 6  # in, out, gamma, beta, mean, var
    assert folded.select(op="batch_norm")[0].memory_access == 0
    assert folded.select(op="conv")[0].memory_access == plain.select(op="conv")[0] \
        .memory_access + 6
    assert folded.macs == plain.macs and folded.params == plain.params
    assert "BN folded: 1 of 1" in folded.summary()


class _ConvUsedTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1, bias=False)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y  # the unnormalized y is needed too: BN cannot be folded


@pytest.mark.parametrize("model, eval_mode, reason", [
    (_ConvUsedTwice(), True, "also read elsewhere"),
    (nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)), False, "training mode"),
    (nn.Sequential(nn.ReLU(), nn.BatchNorm2d(4)), True, "not written by a conv"),
])
def test_fold_bn_skips_a_bn_it_cannot_fold_and_says_why(model, eval_mode, reason):
    plain = profile(model, (1, 4, 5, 5), eval_mode=eval_mode)
    folded = profile(model, (1, 4, 5, 5), fold_bn=True, eval_mode=eval_mode)
    assert folded.memory_access == plain.memory_access
    assert reason in folded.select(op="batch_norm")[0].detail["not_folded"]
    assert "BN folded: 0 of 1" in folded.summary()


# ---- reports -----------------------------------------------------------------------------------

class _Unknown(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, dim=1)


def test_unknown_ops_are_reported_in_summary_and_table_never_silently_zero():
    p = profile(_Unknown(), (1, 3, 4, 4))
    assert p.unknown_ops == {"aten.cumsum.default": 1} and not p.complete
    for text in (p.summary(), p.table()):
        assert "NOT COUNTED" in text and "aten.cumsum.default x1" in text
    assert "NOT COUNTED" not in profile(nn.ReLU(), (1, 3)).summary()
    with pytest.raises(UnknownOpError, match="cumsum"):
        profile(_Unknown(), (1, 3, 4, 4), strict=True)


def test_the_cli_summary_reports_unknown_ops(monkeypatch, capsys):
    from lwcourse import cli

    model = nn.Sequential(nn.Conv2d(3, 3, 1), _Unknown())
    model.min_input_size = 1  # the CLI checks --resolution against the model's minimum
    monkeypatch.setattr(cli, "_build", lambda name: model)
    assert cli.main(["summary", "mobilenet_v2", "--resolution", "8"]) == 0
    assert "NOT COUNTED" in capsys.readouterr().out


def test_a_model_without_ops_has_a_summary():
    p = profile(nn.Identity(), (1, 3, 8, 8))
    assert p.rows == [] and p.macs == 0
    assert "192 elements (1, 3, 8, 8) (the input)" in p.summary()
    assert "total" in p.table()


def test_largest_activation_considers_the_input():
    p = profile(nn.Conv2d(3, 8, 4, stride=4), (1, 3, 64, 64))
    assert p.largest_activation.op == "input"
    assert p.largest_activation.output_shape == (1, 3, 64, 64)
    p = profile(nn.Conv2d(3, 8, 3, padding=1), [(1, 3, 4, 4)])
    assert p.largest_activation.op == "conv2d"
