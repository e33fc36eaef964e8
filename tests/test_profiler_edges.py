"""The profiler's edges: grad modes and compiled modules, tied weights, attention, state that
forward writes, and tensor sizes that must match a real CPU run."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import lwcourse as lw
from lwcourse.cost import profile
from lwcourse.cost.profiler import _trace

MOBILENET_V2_MACS = 300_774_272  # torchvision's count, asserted in test_profiler.py too


@pytest.fixture(scope="module")
def mobilenet_v2():
    return lw.models.create("mobilenet_v2")


@pytest.mark.parametrize("mode", ["plain", "no_grad", "inference_mode", "autocast", "compile"])
def test_the_count_does_not_depend_on_the_calling_mode(mobilenet_v2, mode):
    contexts = {"plain": torch.enable_grad(), "no_grad": torch.no_grad(),
                "inference_mode": torch.inference_mode(),
                "autocast": torch.autocast("cpu", dtype=torch.bfloat16)}
    model = torch.compile(mobilenet_v2) if mode == "compile" else mobilenet_v2
    with contexts.get(mode, torch.enable_grad()):
        p = profile(model, (1, 3, 224, 224), strict=True)
    assert p.macs == MOBILENET_V2_MACS
    assert p.params == sum(t.numel() for t in mobilenet_v2.parameters())
    first_conv = next(n for n, m in mobilenet_v2.named_modules() if isinstance(m, nn.Conv2d))
    assert p.select(op="conv")[0].module == first_conv  # the original module's names


def test_a_reused_module_is_counted_at_every_call_and_its_parameters_once():
    conv = nn.Conv2d(4, 4, 3, padding=1)
    p = profile(nn.Sequential(conv, nn.ReLU(), conv), (1, 4, 8, 8), strict=True)
    convs = p.select(op="conv")
    assert [r.module for r in convs] == ["0", "0"]
    assert [r.macs for r in convs] == [4 * 4 * 9 * 64] * 2
    assert p.params == 4 * 4 * 9 + 4 and [r.params for r in convs] == [p.params, 0]


def test_tied_weights_are_one_parameter():
    model = nn.Sequential(nn.Linear(6, 6, bias=False), nn.ReLU(), nn.Linear(6, 6, bias=False))
    model[2].weight = model[0].weight
    p = profile(model, (2, 6), strict=True)
    assert p.params == 36 == sum(t.numel() for t in model.parameters())
    assert p.macs == 2 * (2 * 6 * 6)


def test_multihead_attention_counts_its_four_matrix_products():
    tokens, dim, heads = 5, 16, 4
    p = profile(nn.MultiheadAttention(dim, heads, batch_first=True), [(1, tokens, dim)] * 3,
                strict=True)
    projections = tokens * dim * 3 * dim + tokens * dim * dim  # q, k, v in; out
    attention = 2 * heads * tokens * tokens * (dim // heads)  # q k^T and (softmax) v
    assert p.macs == projections + attention
    assert p.by_op()["softmax"]["elementwise"] == heads * tokens * tokens


class _Attention(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def test_scaled_dot_product_attention_is_counted_strictly():
    n, h, length, e = 2, 3, 7, 8
    p = profile(_Attention(), [(n, h, length, e)] * 3, strict=True)
    assert p.macs == 2 * n * h * length * length * e
    assert p.select(op="softmax")[0].output_shape == (n, h, length, length)


def test_vit_tiny_counts_attention_that_flop_counter_mode_misses_on_cpu():
    timm = pytest.importorskip("timm")
    model = timm.create_model("vit_tiny_patch16_224").eval()
    p = profile(model, (1, 3, 224, 224), strict=True)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 3, 224, 224))
    tokens, dim, depth = 197, 192, 12
    attention = depth * 2 * tokens * tokens * dim  # q k^T and attn v, all heads
    assert p.macs - counter.get_total_flops() // 2 == attention == 178_831_872


class _CachesPositions(nn.Module):
    """Caches a tensor made in forward on the input's device (legal, common)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.cache = {}

    def forward(self, x):
        if not hasattr(self, "_pos"):
            self._pos = torch.linspace(0, 1, x.shape[-1], device=x.device)
        self.cache["last"] = x
        return self.conv(x) * self._pos


def test_state_written_by_forward_is_not_left_behind():
    model = _CachesPositions()
    p = profile(model, (1, 3, 8, 8), strict=True)
    assert p.select(op="mul")
    assert not hasattr(model, "_pos") and model.cache == {}
    assert model(torch.randn(1, 3, 8, 8)).shape == (1, 3, 8, 8)  # a real forward still runs


@pytest.mark.parametrize("spectral_norm", [nn.utils.spectral_norm,
                                           nn.utils.parametrizations.spectral_norm])
def test_spectral_norm_weight_stays_real(spectral_norm):
    model = spectral_norm(nn.Linear(4, 4))
    model(torch.randn(2, 4))  # old-style spectral_norm sets .weight in its pre-hook
    before = {k: v.clone() for k, v in model.state_dict().items()}
    profile(model, (2, 4))
    assert [k for k, v in model.state_dict().items() if not torch.equal(before[k], v)] == []
    assert model.weight.device.type == "cpu"  # (reading it runs a training-mode power step)
    assert model(torch.randn(2, 4)).shape == (2, 4)


class _Small(nn.Module):
    """Conv, BN, ReLU, max-pool, a residual add and a linear head: the op kinds of a CNN."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.block(x))
        return self.head(x.mean((2, 3)))


def test_meta_tensors_have_the_sizes_of_a_real_cpu_run():
    torch.manual_seed(0)
    model = _Small().eval()
    size = (2, 3, 16, 16)
    p = profile(model, size, strict=True)
    real = dict([*model.named_parameters(), *model.named_buffers()])
    with torch.inference_mode(False):
        cpu, _ = _trace(model, [torch.randn(size)], real,
                        {id(t) for t in model.parameters()}, device=None)
    assert [(r.op, r.output_shape, r.memory_access) for r in cpu.rows] == \
        [(r.op, r.output_shape, r.memory_access) for r in p.rows]
    assert cpu.peak == p.peak_activation
    # by hand: input 1536 alive; conv out 2048 + BN out 2048; BN's saved statistics are empty
    assert p.peak_activation == math.prod(size) + 2 * (2 * 8 * 16 * 16)


def test_peak_counts_what_cpu_allocates_for_batch_norm_in_both_modes():
    model = nn.Sequential(nn.Conv2d(3, 4, 1, bias=False), nn.BatchNorm2d(4))
    for eval_mode, saved_statistics in [(True, 0), (False, 2 * 4)]:
        p = profile(model, (1, 3, 5, 5), eval_mode=eval_mode)
        assert p.peak_activation == 75 + 100 + 100 + saved_statistics
