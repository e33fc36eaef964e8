"""The profiler is exact: params, MACs and memory access agree with independent counts.

Edge cases live in test_profiler_edges.py, per-op rules in test_profiler_rules.py, bad inputs
and error messages in test_profiler_inputs.py."""

import copy

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lwcourse.cost import formulas, profile

TORCHVISION_MODELS = ["mobilenet_v2", "mobilenet_v3_large", "shufflenet_v2_x1_0",
                      "efficientnet_b0", "resnet50"]


@pytest.fixture(scope="module", params=TORCHVISION_MODELS)
def tv_model(request):
    torch.manual_seed(0)
    return request.param, torchvision.models.get_model(request.param).eval()


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_params_and_macs_match_independent_counts(tv_model):
    name, model = tv_model
    p = profile(model, (1, 3, 224, 224))
    assert p.params == sum(t.numel() for t in model.parameters())
    assert sum(r.params for r in p.rows) == p.params  # every parameter is read exactly once
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 3, 224, 224))
    assert p.macs == counter.get_total_flops() // 2
    assert p.flops == 2 * p.macs
    assert not p.unknown_ops, p.unknown_ops


def test_every_conv_row_matches_the_memory_access_formula(tv_model):
    _, model = tv_model
    p = profile(model, (2, 3, 160, 160))
    convs = p.select(op="conv")
    assert convs and convs == p.select(op="conv2d")
    for r in convs:
        (n, c_in, h_in, w_in), (_, c_out, h, w) = r.input_shapes[0], r.output_shape
        k = r.detail["kernel"][0]
        expected = formulas.conv2d_memory_access(c_in, c_out, k, h_in, w_in, h, w,
                                                 groups=r.detail["groups"],
                                                 bias=r.detail["bias"], batch=n)
        assert r.memory_access == expected, r
        assert r.macs == formulas.conv2d_macs(c_in, c_out, k, h, w, r.detail["groups"], n)


def test_profile_never_modifies_the_model():
    model = torchvision.models.mobilenet_v3_small()
    model.train()
    before = _state(model)
    names = [n for n, _ in model.named_modules()]
    attrs = {n: set(vars(m)) for n, m in model.named_modules()}
    profile(model, (1, 3, 64, 64))
    assert model.training and all(m.training for m in model.modules())
    after = _state(model)
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert [n for n, _ in model.named_modules()] == names
    assert {n: set(vars(m)) for n, m in model.named_modules()} == attrs
    assert not nn.modules.module._global_forward_hooks
    assert not nn.modules.module._global_forward_pre_hooks
    assert all(p.device.type == "cpu" for p in model.parameters())


class _Functional(nn.Module):
    """Functional calls and tensor ops must be seen and attributed to this module."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        y = F.hardswish(self.conv(x))
        se = torch.sigmoid(x.mean((2, 3), keepdim=True))
        n, c, h, w = y.shape
        shuffled = y.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        return torch.cat([x + shuffled, x * se], dim=1)


def test_functional_calls_and_tensor_ops_are_counted_and_attributed():
    model = nn.Sequential(_Functional())
    p = profile(model, (1, 8, 4, 4), strict=True)
    ops = [(r.module, r.op) for r in p.rows]
    assert ops == [("0.conv", "conv2d"), ("0", "hardswish"), ("0", "mean"), ("0", "sigmoid"),
                   ("0", "copy"), ("0", "add"), ("0", "mul"), ("0", "cat")]
    n = 8 * 4 * 4
    by = {r.op: r for r in p.rows}
    assert by["copy"].memory_access == 2 * n  # the shuffle's copy: read + write
    assert by["add"].memory_access == 3 * n
    assert by["mul"].memory_access == n + 8 + n  # the (1, 8, 1, 1) scale is read once
    assert by["cat"].memory_access == 2 * (2 * n)
    assert by["conv2d"].params == 8 * 8 + 8 and by["conv2d"].elementwise == n  # bias add
    assert by["hardswish"].elementwise == n and by["mean"].elementwise == n


def test_peak_activation_follows_tensor_lifetimes():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 1))
    p = profile(model, (1, 3, 10, 10))
    # input (300) stays alive; conv out (800) + relu out (800) coexist; then 800 + 400
    assert p.peak_activation == 300 + 800 + 800
    assert p.largest_activation.output_shape == (1, 8, 10, 10)


def test_table_and_summary_are_readable():
    p = profile(torchvision.models.shufflenet_v2_x0_5(), (1, 3, 224, 224))
    table = p.table(depth=1)
    assert table.splitlines()[0].startswith("module")
    assert "stage2" in table and f"{p.params:,}" in table
    # a stage's output is the module's output, not the last op's (the shuffle's 5-D copy)
    assert p.by_module(1)["stage4"]["output_shape"] == (1, 192, 7, 7)
    assert p.by_module(1)["conv5"]["output_shape"] == (1, 1024, 7, 7)
    assert "MACs" in p.summary() and f"{p.params:,}" in p.summary()
    assert len(p.table(depth=None, max_rows=3).splitlines()) == 2 + 3 + 1 + 2


# ---- the documented comparison with thop and torchinfo (notebook 00 explains it) ----

@pytest.mark.parametrize("name", ["mobilenet_v2", "shufflenet_v2_x1_0"])
def test_thop_counts_batchnorm_as_four_ops_per_element(name):
    thop = pytest.importorskip("thop")
    model = torchvision.models.get_model(name).eval()
    p = profile(model)
    thop_macs, thop_params = thop.profile(copy.deepcopy(model), inputs=(torch.randn(1, 3, 224,
                                          224),), verbose=False)
    bn_elements = p.by_op()["batch_norm"]["elementwise"]
    # thop: conv/linear MACs as ours, plus 4 ops per BN element; functional calls (adaptive
    # pooling via F., x.mean, the shuffle's copy, adds) and ReLU/ReLU6/max-pool count zero.
    assert int(thop_macs) == p.macs + 4 * bn_elements
    assert int(thop_params) == p.params


def test_torchinfo_adds_bn_parameters_and_linear_bias_to_mult_adds():
    torchinfo = pytest.importorskip("torchinfo")
    model = torchvision.models.mobilenet_v2().eval()
    p = profile(model)
    info = torchinfo.summary(model, (1, 3, 224, 224), verbose=0)
    bn_params = p.by_op()["batch_norm"]["params"]
    linear_bias = model.classifier[1].bias.numel()
    assert info.total_params == p.params
    assert info.total_mult_adds == p.macs + bn_params + linear_bias
