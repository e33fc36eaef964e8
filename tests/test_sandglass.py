"""The sandglass block (MobileNeXt) and the nb04 cost formulas against the profiler."""

import pytest
import torch

from lwcourse.blocks import InvertedResidual, SandglassBlock
from lwcourse.cost import formulas, profile

SANDGLASS_CASES = [  # c_in, c_out, reduced, input side, stride, first dw, last dw, kernel
    (96, 96, 16, 28, 1, True, True, 3),
    (32, 96, 16, 112, 2, True, True, 3),
    (288, 384, 48, 14, 1, False, False, 3),
    (192, 288, 32, 28, 2, False, True, 3),
    (960, 1280, 208, 7, 1, True, True, 3),
    (40, 40, 8, 15, 1, True, True, 5),
]


@pytest.mark.parametrize("c_in, c_out, r, side, stride, first, last, k", SANDGLASS_CASES)
def test_sandglass_formulas_equal_profiler(c_in, c_out, r, side, stride, first, last, k):
    block = SandglassBlock(c_in, c_out, stride=stride, reduced_channels=r, kernel_size=k,
                           first_depthwise=first, last_depthwise=last)
    p = profile(block, (1, c_in, side, side))
    assert p.macs == formulas.sandglass_macs(side, side, c_in, c_out, r, k, stride, first, last)
    assert p.params == formulas.sandglass_params(c_in, c_out, r, k, first, last)
    assert p.rows[-1].output_shape == (1, c_out, side // stride, side // stride)


def test_sandglass_stride_one_closed_form():
    c, t, h = 96, 6, 14
    assert formulas.sandglass_macs(h, h, c, c, c // t) == h * h * c * (2 * 9 + 2 * c // t)


def test_sandglass_shortcut_only_on_equal_shapes():
    assert SandglassBlock(96, 96).use_residual
    assert not SandglassBlock(96, 96, stride=2).use_residual
    assert not SandglassBlock(96, 144).use_residual
    x = torch.randn(2, 96, 8, 8)
    block = SandglassBlock(96, 96).eval()
    with torch.no_grad():  # the shortcut adds the input itself
        branch = block.depthwise2(block.expand(block.reduce(block.depthwise1(x))))
        assert torch.allclose(block(x), branch + x)


def test_sandglass_layout_and_defaults():
    block = SandglassBlock(96, 96, reduction=6)
    assert block.reduced_channels == 16
    assert [type(m).__name__ for m in block.children()] == ["ConvBNAct"] * 4
    assert not hasattr(block.reduce, "act")  # the bottleneck is linear
    assert not hasattr(block.depthwise2, "act")
    bare = SandglassBlock(64, 96, first_depthwise=False, last_depthwise=False)
    assert bare.depthwise1 is None and bare.depthwise2 is None


@pytest.mark.parametrize("kwargs, message", [
    ({"stride": 3}, "stride"),
    ({"stride": 2, "last_depthwise": False}, "last_depthwise"),
    ({"kernel_size": 4}, "kernel_size"),
    ({"reduction": 0}, "reduction"),
    ({"reduced_channels": 0}, "reduced_channels"),
])
def test_sandglass_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SandglassBlock(32, 32, **kwargs)


def test_sandglass_macs_needs_last_depthwise_for_stride():
    with pytest.raises(ValueError, match="last_depthwise"):
        formulas.sandglass_macs(14, 14, 32, 32, 8, stride=2, last_depthwise=False)


@pytest.mark.parametrize("c_in, c_out, t, side, stride, k", [
    (64, 64, 6, 28, 1, 3), (32, 64, 6, 56, 2, 3), (16, 16, 1, 56, 1, 3),
    (24, 40, 4, 15, 2, 5), (96, 96, 3, 14, 1, 3), (16, 24, 6, 17, 2, 3)])
@pytest.mark.parametrize("fold_bn", [False, True])
def test_inverted_residual_memory_access_equals_profiler(c_in, c_out, t, side, stride, k,
                                                         fold_bn):
    block = InvertedResidual(c_in, c_out, stride=stride, expansion=t, kernel_size=k)
    p = profile(block, (1, c_in, side, side), fold_bn=fold_bn)
    assert p.memory_access == formulas.inverted_residual_memory_access(
        side, side, c_in, c_out, t, k, stride, fold_bn=fold_bn)


def test_folding_lowers_memory_access():
    unfused = formulas.inverted_residual_memory_access(28, 28, 64, 64, 6)
    folded = formulas.inverted_residual_memory_access(28, 28, 64, 64, 6, fold_bn=True)
    assert folded < unfused
