"""Notebook 00 (the cost model): exercise checks and reference solutions.

1. ``fold_bn(conv, bn)`` (change and prove): fold an inference-mode BatchNorm into the conv
   before it; the check proves equal outputs and less memory access.
2. ``conv_memory_access(...)``: a conv's memory access (elements read + written), bias included.
3. ``pointwise_intensity(c, h, w)``: the arithmetic intensity of a 1x1 conv ``c -> c``.

The counting checks compare with ``lwcourse.cost.profile`` on real ``nn.Conv2d`` layers: the
profiler is the ground truth, so a learner's formula is right when it agrees to the unit.
"""

from __future__ import annotations

import copy
import math
import random

import torch
from torch import nn

from ..cost import profile
from ..cost.formulas import conv2d_output_size as _out_size


def _random_configs(n: int = 8, seed: int = 0) -> list[dict]:
    """Fixed edge cases (depthwise, stride 2 on an odd size, no padding, batch 2) plus ``n``
    random convs, all with ``groups`` dividing both channel counts."""
    configs = [
        dict(c_in=32, c_out=32, k=3, h_in=15, w_in=15, stride=2, padding=1, groups=32),
        dict(c_in=16, c_out=24, k=1, h_in=7, w_in=9, stride=1, padding=0, groups=1),
        dict(c_in=12, c_out=18, k=5, h_in=11, w_in=8, stride=1, padding=0, groups=3, batch=2),
    ]
    rng = random.Random(seed)
    for _ in range(n):
        groups = rng.choice([1, 1, 2, 4])
        k = rng.choice([1, 3, 5])
        configs.append(dict(c_in=groups * rng.randint(1, 8), c_out=groups * rng.randint(1, 8),
                            k=k, h_in=rng.randint(k, 20), w_in=rng.randint(k, 20),
                            stride=rng.choice([1, 2]), padding=rng.choice([0, k // 2]),
                            groups=groups, batch=rng.choice([1, 2])))
    for c in configs:
        c.setdefault("batch", 1)
    return configs


def _profile_conv(c: dict, bias: bool = False):
    conv = nn.Conv2d(c["c_in"], c["c_out"], c["k"], stride=c["stride"], padding=c["padding"],
                     groups=c["groups"], bias=bias)
    return profile(conv, (c["batch"], c["c_in"], c["h_in"], c["w_in"]))


# --- 1. change and prove: fold BatchNorm into the conv ----------------------------------------


def solve_fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """In inference BN computes ``gamma (y - mean) / sqrt(var + eps) + beta`` per channel, an
    affine map ``a y + b``: scale each output filter by ``a`` and give the conv the bias
    ``a (bias - mean) + beta``. A new conv; the inputs are left unchanged."""
    folded = copy.deepcopy(conv)
    if folded.bias is None:
        folded.bias = nn.Parameter(torch.zeros(conv.out_channels))
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    with torch.no_grad():
        folded.weight.mul_(scale.view(-1, 1, 1, 1))
        folded.bias.copy_(scale * (folded.bias - bn.running_mean) + bn.bias)
    return folded


def _bn_cases():
    gen = torch.Generator().manual_seed(0)
    for c_in, c_out, k, groups, bias, eps in [(8, 16, 3, 1, False, 1e-5), (16, 16, 3, 16, False,
                                                1e-3), (12, 6, 1, 3, True, 0.1)]:
        conv = nn.Conv2d(c_in, c_out, k, padding=k // 2, groups=groups, bias=bias)
        bn = nn.BatchNorm2d(c_out, eps=eps)
        with torch.no_grad():
            for t, lo, hi in ((bn.running_mean, -1, 1), (bn.running_var, 0.1, 3),
                              (bn.weight, 0.5, 2), (bn.bias, -1, 1)):
                t.copy_(torch.rand(c_out, generator=gen) * (hi - lo) + lo)
        yield conv.eval(), bn.eval(), torch.randn(2, c_in, 9, 9, generator=gen)


def check_fold_bn(fn) -> None:
    """``fn(conv, bn)`` must return one ``nn.Conv2d`` with (1) the same outputs as ``conv``
    then ``bn`` in eval mode, (2) less memory access than the pair: exactly BN's whole pass
    less, plus the ``C_out`` bias elements the conv may gain, and (3) ``conv`` and ``bn``
    unchanged."""
    for conv, bn, x in _bn_cases():
        where = (f"conv {conv.in_channels}->{conv.out_channels}, k={conv.kernel_size[0]}, "
                 f"groups={conv.groups}, bias={conv.bias is not None}, eps={bn.eps}")
        before = [t.clone() for t in (*conv.state_dict().values(), *bn.state_dict().values())]
        folded = fn(conv, bn)
        assert isinstance(folded, nn.Conv2d), \
            f"{where}: return one nn.Conv2d, got {type(folded).__name__}"
        after = (*conv.state_dict().values(), *bn.state_dict().values())
        assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True)), \
            f"{where}: conv or bn was modified; build a new conv (copy.deepcopy)"
        with torch.no_grad():
            want, got = bn(conv(x)), folded.eval()(x)
        diff = (want - got).abs().max().item()
        assert diff <= 1e-4, (f"{where}: outputs differ by up to {diff:.3g}; BN in eval mode "
                              f"is gamma (y - running_mean) / sqrt(running_var + eps) + beta")
        pair = profile(nn.Sequential(conv, bn), tuple(x.shape))
        bn_access = pair.by_op()["batch_norm"]["memory_access"]
        gained = 0 if conv.bias is not None else conv.out_channels
        one = profile(folded, tuple(x.shape)).memory_access
        assert one == pair.memory_access - bn_access + gained, (
            f"{where}: memory access {one:,}, expected the pair's {pair.memory_access:,} minus "
            f"BN's {bn_access:,} plus {gained} bias elements")


# --- 2. memory access of a convolution ------------------------------------------------------


def solve_conv_memory_access(c_in: int, c_out: int, k: int, h_in: int, w_in: int,
                             stride: int = 1, padding: int = 0, groups: int = 1,
                             bias: bool = False, batch: int = 1) -> int:
    """Input ``batch c_in h_in w_in`` + weights ``c_out (c_in / g) k^2`` (+ ``c_out`` bias) +
    output ``batch c_out h w``: every tensor read once, the output written once."""
    h, w = _out_size(h_in, k, stride, padding), _out_size(w_in, k, stride, padding)
    weights = c_out * (c_in // groups) * k * k + (c_out if bias else 0)
    return batch * c_in * h_in * w_in + weights + batch * c_out * h * w


def check_conv_memory_access(fn) -> None:
    """``fn(c_in, c_out, k, h_in, w_in, stride, padding, groups, bias, batch)`` must equal the
    profiler's memory access of that ``nn.Conv2d``, with and without a bias."""
    for i, c in enumerate(_random_configs(seed=1)):
        bias = i % 2 == 0
        got = fn(**c, bias=bias)
        want = _profile_conv(c, bias=bias).memory_access
        assert isinstance(got, int), f"return an int, got {type(got).__name__} ({got!r})"
        if got != want:
            diff = want - got
            hint = ("the bias is read too: c_out more elements" if bias and diff == c["c_out"]
                    else "count the input as stored (h_in x w_in, before padding), the "
                         "weights (divided by groups) and the output (h x w after the stride)")
            raise AssertionError(f"{dict(c, bias=bias)}: got {got:,}, the profiler counts "
                                 f"{want:,} ({hint})")


# --- 3. arithmetic intensity of a 1x1 conv -------------------------------------------------


def solve_pointwise_intensity(c: int, h: int, w: int) -> float:
    """FLOPs / bytes of a 1x1 conv ``c -> c`` (no bias, batch 1, fp32):
    ``2 h w c^2 / (4 (2 h w c + c^2))``; it tends to ``c / 4`` when ``h w >> c``."""
    return 2 * h * w * c * c / (4 * (2 * h * w * c + c * c))


def check_pointwise_intensity(fn) -> None:
    """``fn(c, h, w)`` must equal the profiler's ``arithmetic_intensity`` of
    ``nn.Conv2d(c, c, 1, bias=False)`` on a ``1 x c x h x w`` input (relative error 1e-9)."""
    for c, h, w in [(16, 56, 56), (64, 56, 56), (256, 14, 14), (1024, 7, 7), (3, 224, 224),
                    (96, 1, 1)]:
        got = fn(c, h, w)
        want = profile(nn.Conv2d(c, c, 1, bias=False), (1, c, h, w)).arithmetic_intensity
        assert isinstance(got, int | float), f"return a number, got {type(got).__name__}"
        if not math.isclose(got, want, rel_tol=1e-9):
            hint = ("FLOPs = 2 x MACs and bytes = 4 x elements at fp32"
                    if math.isclose(got, 4 * want, rel_tol=1e-9)
                    or math.isclose(got, want / 2, rel_tol=1e-9)
                    or math.isclose(got, 2 * want, rel_tol=1e-9) else
                    "memory access = input h w c + weights c^2 + output h w c")
            raise AssertionError(f"c = {c}, h = w = {h}: got {got:.4f} FLOP/byte, the "
                                 f"profiler says {want:.4f} ({hint})")
