"""Notebook 06's exercises: each reference solution passes its check; wrong answers fail it."""

import math

import pytest
import torch
from torch import nn

from lwcourse.blocks import GhostModule
from lwcourse.solutions import nb06


def test_ghost_as_conv():
    nb06.check_ghost_as_conv(nb06.solve_ghost_as_conv)


def test_ghost_as_conv_refuses_a_primary_bn_shift():
    module = GhostModule(4, 8, activation=None).eval()
    with torch.no_grad():
        module.primary.bn.bias.fill_(1.0)
    with pytest.raises(ValueError, match="shift"):
        nb06.solve_ghost_as_conv(module)


def test_ghost_as_conv_rejects_wrong_answers():
    def no_bn(module):  # ignores both BatchNorms
        conv = nb06.solve_ghost_as_conv(module)
        m = module.primary.conv.out_channels
        d = conv.kernel_size[0]
        with torch.no_grad():
            conv.weight[:m].zero_()
            conv.weight[:m, :, d // 2, d // 2] = module.primary.conv.weight[:, :, 0, 0]
        return conv

    def wrong_source(module):  # ghost o from intrinsic o % m instead of o // (s - 1)
        m = module.primary.conv.out_channels
        ghosts = module.cheap.conv.out_channels
        perm = torch.arange(ghosts).reshape(m, ghosts // m).T.reshape(-1)
        shuffled = GhostModule(module.in_channels, module.out_channels, ratio=ghosts // m + 1,
                               cheap_kernel_size=module.cheap.conv.kernel_size[0],
                               activation=None).eval()
        shuffled.load_state_dict(module.state_dict())
        with torch.no_grad():
            for t in (shuffled.cheap.conv.weight, shuffled.cheap.bn.weight,
                      shuffled.cheap.bn.bias, shuffled.cheap.bn.running_mean,
                      shuffled.cheap.bn.running_var):
                t.copy_(t[perm])
        return nb06.solve_ghost_as_conv(shuffled)

    def depthwise(module):  # keeps the ghost half grouped: not an ordinary conv
        conv = nb06.solve_ghost_as_conv(module)
        return nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                         padding=conv.padding, groups=math.gcd(conv.in_channels,
                                                               conv.out_channels))

    for wrong in (no_bn, wrong_source, depthwise):
        with pytest.raises(AssertionError):
            nb06.check_ghost_as_conv(wrong)


def test_ghost_module_memory_access():
    nb06.check_ghost_module_memory_access(nb06.solve_ghost_module_memory_access)


def test_ghost_module_memory_access_rejects_wrong_answers():
    def no_concat(c_in, c_out, h, w, s=2, d=3, batch=1):
        m = math.ceil(c_out / s)
        return nb06.solve_ghost_module_memory_access(c_in, c_out, h, w, s, d, batch) \
            - 2 * batch * h * w * s * m

    def c_out_not_sm(c_in, c_out, h, w, s=2, d=3, batch=1):  # m = c_out // s
        return nb06.solve_ghost_module_memory_access(c_in, s * (c_out // s), h, w, s, d, batch)

    def no_bn_vectors(c_in, c_out, h, w, s=2, d=3, batch=1):
        m = math.ceil(c_out / s)
        return nb06.solve_ghost_module_memory_access(c_in, c_out, h, w, s, d, batch) - 4 * s * m

    for wrong in (no_concat, c_out_not_sm, no_bn_vectors):
        with pytest.raises(AssertionError):
            nb06.check_ghost_module_memory_access(wrong)
