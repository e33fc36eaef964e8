"""Convolution building blocks: conv-BN-activation and the depthwise separable conv."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn

from .._checks import check_choice, check_divides, check_positive, check_positive_int

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(inplace=True),
    "hardswish": lambda: nn.Hardswish(inplace=True),
    "silu": lambda: nn.SiLU(inplace=True),
    "sigmoid": nn.Sigmoid,
    "hardsigmoid": nn.Hardsigmoid,
}


def resolve_activation(activation: str | None | Callable[[], nn.Module]) -> nn.Module:
    """Turn an activation name (see ``ACTIVATIONS``), a module factory or None into a module."""
    if activation is None:
        return nn.Identity()
    if isinstance(activation, str):
        check_choice("activation", activation, ACTIVATIONS)
        return ACTIVATIONS[activation]()
    if callable(activation):
        return activation()
    raise ValueError(
        f"activation must be None, a factory or one of {', '.join(ACTIVATIONS)}; got {activation!r}"
    )


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None,
                   round_limit: float = 0.9) -> int:
    """Round ``value`` to the nearest multiple of ``divisor``, never going below
    ``round_limit`` x value (from the TensorFlow MobileNet code, used by MobileNetV2/V3,
    MnasNet, EfficientNet and GhostNet). Example: ``make_divisible(32 * 0.75) == 24``.
    """
    check_positive("value", value)
    check_positive_int("divisor", divisor)
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < round_limit * value:  # rounding down must not lose more than 10 %
        rounded += divisor
    return int(rounded)


def _has_hooks(m: nn.Module) -> bool:
    return bool(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks
                or m._backward_pre_hooks)


def _steps(modules) -> Iterator[nn.Module]:
    for m in modules:
        if m is None or (isinstance(m, nn.Identity) and not _has_hooks(m)):
            continue
        if type(m).forward is nn.Sequential.forward and not _has_hooks(m):
            yield from _steps(m)  # a plain container: step inside
        else:
            yield m


def chain(x: torch.Tensor, *modules: nn.Module | None) -> torch.Tensor:
    """Apply ``modules`` in order (``None`` and ``nn.Identity`` skipped), stepping into plain
    ``nn.Sequential`` containers such as ``ConvBNAct`` (unless hooks are registered on them).
    Same result as calling them nested, but each activation is freed as soon as the next
    exists: a module call keeps its input alive until it returns, so ``stages(stem(x))`` would
    hold the stem's output through every stage (a higher peak, and a different allocation
    pattern than torchvision's flat ``features``: more page faults, slower)."""
    for m in _steps(modules):
        x = m(x)
    return x


class ConvBNAct(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm2d -> activation, with "same" padding ``(K - 1) // 2``.

    The basic unit of every network in the course. ``activation=None`` gives a linear
    conv-BN (MobileNetV2's linear bottleneck). Children are named ``conv``, ``bn``, ``act``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1, activation="relu",
                 bn_eps: float = 1e-5, bn_momentum: float = 0.1, dilation: int = 1):
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_positive_int("kernel_size", kernel_size)
        check_choice("stride", stride, (1, 2))
        check_positive_int("groups", groups)
        check_divides("groups", groups, "in_channels", in_channels)
        check_divides("groups", groups, "out_channels", out_channels)
        padding = (kernel_size - 1) // 2 * dilation
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                              dilation=dilation, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=bn_eps, momentum=bn_momentum)
        self.act = resolve_activation(activation)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride


class DepthwiseSeparableConv(nn.Sequential):
    """MobileNetV1's building block (Howard et al. 2017, Fig. 3 right):
    3x3 depthwise conv-BN-ReLU (one filter per channel, carries the stride), then
    1x1 pointwise conv-BN-ReLU that mixes channels. Children: ``dw``, ``pw``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 kernel_size: int = 3, activation="relu", bn_eps: float = 1e-5):
        super().__init__()
        self.dw = ConvBNAct(in_channels, in_channels, kernel_size, stride, groups=in_channels,
                            activation=activation, bn_eps=bn_eps)
        self.pw = ConvBNAct(in_channels, out_channels, 1, activation=activation, bn_eps=bn_eps)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
