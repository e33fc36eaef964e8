"""The G1-G4 benchmark networks of ShuffleNet V2 (Sec. 2): paper widths, equal MACs within each
table (counted by the profiler), memory access equal to the 1x1 conv formulas."""

import pytest
import torch

from lwcourse import bench
from lwcourse import guidelines as gl
from lwcourse.cost import formulas as f
from lwcourse.cost import profile

HW = 56
# The paper's own rounding: its (22, 44) and (9, 108) rows of Table 1 cost 5.5 % and 5.1 % less
# than (32, 32). Our widths never exceed the budget and stay within this shortfall.
PAPER_SHORTFALL = 0.055


def macs_and_memory(net, channels, hw=HW):
    p = profile(net, gl.input_size(channels, hw), strict=True)
    return p.macs, p.memory_access


def within_budget(macs, budget):
    return (1 - PAPER_SHORTFALL) * budget <= macs <= budget


# --- G1 --------------------------------------------------------------------------------------

def test_g1_width_rule_reproduces_table1():
    for ratio, row in gl.TABLE1.items():
        assert gl.g1_widths(ratio, c0=32) == row.arm_widths
        assert gl.g1_widths(ratio, c0=128) == row.gpu_widths


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_g1_networks_have_equal_macs_and_formula_memory_access(scale):
    budget = 10 * 2 * HW * HW * scale * 32 * 32  # 10 blocks x 2 convs of (32 x 32) x scale
    for ratio in gl.TABLE1:
        c1, c2 = gl.g1_widths(ratio, scale)
        assert c2 == ratio * c1
        macs, memory = macs_and_memory(gl.g1_network(c1, c2), c1)
        assert macs == 10 * 2 * HW * HW * c1 * c2
        assert within_budget(macs, budget), (ratio, scale, macs / budget)
        assert memory == 10 * (f.pointwise_memory_access(HW, HW, c1, c2)
                               + f.pointwise_memory_access(HW, HW, c2, c1))
    assert gl.g1_widths(2, 2) == (32, 64)  # exact at x2


def test_g1_balanced_network_has_least_memory_access():
    memory = {r: macs_and_memory(gl.g1_network(*gl.g1_widths(r)), gl.g1_widths(r)[0])[1]
              for r in gl.TABLE1}
    assert sorted(memory, key=memory.get) == [1, 2, 6, 12]


# --- G2 --------------------------------------------------------------------------------------

def test_g2_width_rule_and_table2():
    for g, row in gl.TABLE2.items():
        assert gl.g2_width(128, g) == row.gpu_widths[0]
    assert [gl.g2_width(64, g) for g in (1, 2, 4)] == [64, 90, 128]
    assert gl.TABLE2[8].arm_widths == (180,) and 180 % 8  # the paper's width cannot be built
    assert gl.g2_width(64, 8) == 176
    assert gl.g2_width(64, 2, scale=4) == 180  # 2 x 64^2 x 4 = 32,768 >= 180^2 / 2 = 16,200


def test_g2_networks_have_equal_macs_and_formula_memory_access():
    budget = 10 * HW * HW * 64 * 64
    memory = []
    for g in gl.TABLE2:
        c = gl.g2_width(64, g)
        macs, mem = macs_and_memory(gl.g2_network(c, g), c)
        assert macs == 10 * HW * HW * c * c // g
        assert within_budget(macs, budget), (g, macs / budget)
        assert mem == 10 * f.grouped_pointwise_memory_access(HW, HW, c, c, g)
        memory.append(mem)
    assert memory == sorted(memory)  # more groups, more memory access at (about) fixed MACs


def test_g2_network_rejects_indivisible_groups():
    with pytest.raises(ValueError, match="groups=8 must divide channels=180"):
        gl.g2_network(180, 8)


# --- G3 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("c", [64, 128, 256])
def test_g3_networks_have_equal_macs(c):
    budget = 10 * HW * HW * c * c
    for kind in gl.G3_KINDS:
        width = gl.g3_width(kind, c)
        macs, memory = macs_and_memory(gl.g3_network(kind, c), width)
        n = int(kind[0])
        if kind == "2-fragment-series":
            assert 0.988 * budget <= macs <= budget  # floor(c / sqrt 2): at most 1.2 % less
        else:
            assert macs == budget, kind  # exact
        if "parallel" in kind:  # each branch reads the whole input; concat reads + writes
            expected = 10 * (n * f.pointwise_memory_access(HW, HW, c, c // n)
                             + 2 * HW * HW * c)
        else:
            expected = 10 * n * f.pointwise_memory_access(HW, HW, width, width)
        assert memory == expected, kind


def test_g3_parallel_block_is_one_conv_cut_in_pieces():
    torch.manual_seed(0)
    block = gl.g3_block("4-fragment-parallel", 16)
    whole = torch.nn.Conv2d(16, 16, 1, bias=False)
    with torch.no_grad():
        whole.weight.copy_(torch.cat([b.weight for b in block.branches]))
    x = torch.randn(2, 16, 5, 5)
    torch.testing.assert_close(block(x), whole(x))


def test_g3_bad_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        gl.g3_block("3-fragment-series", 64)


# --- G4 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("c", [32, 64, 128])
def test_g4_variants_have_equal_macs_and_elementwise_memory(c):
    conv_macs = 10 * f.resnet_unit_macs(HW, HW, c, c // 4)
    hwc = HW * HW * c
    conv_memory = 10 * (f.pointwise_memory_access(HW, HW, c, c // 4)
                        + f.conv2d_memory_access(c // 4, c // 4, 3, HW, HW, HW, HW)
                        + f.pointwise_memory_access(HW, HW, c // 4, c))
    for (relu, shortcut) in gl.TABLE4:
        macs, memory = macs_and_memory(gl.g4_network(c, relu, shortcut), c)
        assert macs == conv_macs
        # ReLU reads + writes each of its 3 tensors (hwc/4, hwc/4, hwc); the add reads 2, writes 1
        extra = 10 * ((2 * (hwc // 4 + hwc // 4 + hwc) if relu else 0)
                      + (3 * hwc if shortcut else 0))
        assert memory == conv_memory + extra


def test_networks_run_and_keep_their_shape():
    torch.manual_seed(0)
    cases = [(gl.g1_network(4, 8, blocks=2), 4), (gl.g2_network(8, 4, layers=2), 8),
             (gl.g3_network("2-fragment-series", 8, blocks=2), gl.g3_width("2-fragment-series", 8)),
             (gl.g3_network("2-fragment-parallel", 8, blocks=2), 8),
             (gl.g4_network(8, relu=True, shortcut=True, blocks=2), 8)]
    for net, channels in cases:
        x = torch.randn(1, channels, 6, 6)
        assert net(x).shape == x.shape


def test_networks_of_different_widths_are_compared_each_with_its_own_input():
    # the G1 and G2 networks take inputs of different channel counts: one input per model
    nets = {"g1": (gl.g1_network(4, 8, blocks=1), gl.input_size(4, 8)),
            "g2": (gl.g2_network(8, 2, layers=1), gl.input_size(8, 8))}
    result = bench.compare(nets, rounds=2, min_round_ms=0.1, warmup=1)
    assert list(result.results) == ["g1", "g2"] and result.ratio("g1") == 1.0
    assert result.results["g2"].input_size == (1, 8, 8, 8)
    assert result.control.input_size == (1, 4, 8, 8)  # the A/A copy of the baseline


def test_paper_tables_are_complete():
    assert list(gl.TABLE1) == [1, 2, 6, 12] and list(gl.TABLE2) == [1, 2, 4, 8]
    assert tuple(gl.TABLE3) == gl.G3_KINDS and len(gl.TABLE4) == 4
    for table in (gl.TABLE1, gl.TABLE2, gl.TABLE3, gl.TABLE4):
        for row in table.values():
            assert len(row.gpu) == len(row.arm) == 3
