"""Network edits for the squeeze-and-excitation lesson (notebook 05): switch SE off, swap an
activation, change the squeeze rule or placement, MobileNetV3's two last stages (paper Fig. 5),
and a frozen TorchScript copy (BN folded into the convs) to ask whether fusion changes a verdict.

Every edit keeps the MACs of the convolutions it does not touch, so variants compare at equal
MACs where the lesson says so.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from ._checks import check_choice, check_positive_int
from .blocks.attention import insert_attention
from .blocks.conv import ACTIVATIONS, ConvBNAct, make_divisible
from .blocks.mbconv import InvertedResidual
from .blocks.se import SqueezeExcitation
from .blocks.shuffle import ShuffleV2Unit

PLACEMENTS = ("depthwise", "project", "none")


def blocks(model: nn.Module) -> list[InvertedResidual]:
    """The inverted residuals of ``model``, in forward order."""
    return [m for m in model.modules() if isinstance(m, InvertedResidual)]


def without_se(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every inverted residual's SE removed (the identity instead)."""
    model = copy.deepcopy(model)
    for block in blocks(model):
        block.se = None
    return model


def with_activation(model: nn.Module, old: type[nn.Module], new: str) -> nn.Module:
    """A copy of ``model`` with every ``old`` activation module replaced by ``new`` (a name from
    ``lwcourse.blocks.conv.ACTIVATIONS``, e.g. ``"silu"``, ``"relu"``). MACs are unchanged."""
    check_choice("new", new, ACTIVATIONS)
    model = copy.deepcopy(model)
    for parent in model.modules():
        for name, child in parent.named_children():
            if type(child) is old:
                setattr(parent, name, ACTIVATIONS[new]())
    return model


def with_se_rule(model: nn.Module, reduction: int = 4, placement: str = "depthwise",
                 divisor: int | None = 8, activation: str = "relu",
                 gate: str = "hardsigmoid") -> nn.Module:
    """A copy of ``model`` whose SE blocks (only where it has one) are rebuilt: squeeze
    ``make_divisible(width // reduction, divisor)`` (plain ``width // reduction`` when
    ``divisor`` is None), on the expanded width after the depthwise conv (``"depthwise"``), on
    the output after the projection (``"project"``), or removed (``"none"``)."""
    check_positive_int("reduction", reduction)
    check_choice("placement", placement, PLACEMENTS)
    model = copy.deepcopy(model)
    for block in blocks(model):
        if block.se is None:
            continue
        block.se = None
        if placement == "none":
            continue
        width = block.expanded_channels if placement == "depthwise" else block.out_channels
        squeeze = width // reduction if divisor is None else make_divisible(width // reduction,
                                                                            divisor)
        insert_attention(block, SqueezeExcitation(width, max(1, squeeze), activation=activation,
                                                   gate=gate),
                         after=placement)
    return model


def shufflenet_v2_with_se(model: nn.Module, reduction: int = 4) -> nn.Module:
    """A copy of a ShuffleNetV2 with an SE block (squeeze ``branch // reduction``, ReLU, sigmoid)
    at the end of every unit's convolution branch, before the concat and shuffle, as in the
    ShuffleNetV2 paper's "with SE" variants (Appendix Fig. 2)."""
    check_positive_int("reduction", reduction)
    model = copy.deepcopy(model)
    for unit in model.modules():
        if isinstance(unit, ShuffleV2Unit):
            branch = unit.out_channels // 2
            unit.branch2.append(SqueezeExcitation(branch, max(1, branch // reduction)))
    return model


def last_stage(kind: str = "efficient", in_channels: int = 160, expanded: int = 960,
               num_classes: int = 1000) -> nn.Sequential:
    """MobileNetV3's last stage from the ``7 x 7 x 160`` map to the logits (paper Fig. 5).

    ``"original"`` (MobileNetV2's end): bneck 160 -> 960 -> 320 (3x3 depthwise), 1x1 conv to
    1280 at 7 x 7, pool, classifier. ``"efficient"``: 1x1 conv to 960 at 7 x 7, pool, then the
    1280-wide 1x1 conv on the pooled 1 x 1 vector (a Linear, no BN), classifier.
    """
    check_choice("kind", kind, ("original", "efficient"))
    pool = [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
    if kind == "original":
        return nn.Sequential(
            InvertedResidual(in_channels, 320, stride=1, expanded_channels=expanded,
                             kernel_size=3, activation="hardswish"),
            ConvBNAct(320, 1280, kernel_size=1, activation="hardswish"),
            *pool, nn.Linear(1280, num_classes))
    return nn.Sequential(
        ConvBNAct(in_channels, expanded, kernel_size=1, activation="hardswish"),
        *pool, nn.Linear(expanded, 1280), nn.Hardswish(), nn.Linear(1280, num_classes))


def frozen(model: nn.Module, input_size=(1, 3, 224, 224)) -> torch.jit.ScriptModule:
    """``torch.jit.freeze`` of a traced eval copy: BatchNorm folded into the convolutions and
    constants inlined, the classic "fused" inference graph. (torch marks tracing deprecated;
    the warning is silenced here, the result is checked against eager by the caller.)"""
    model = copy.deepcopy(model).eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        return torch.jit.freeze(torch.jit.trace(model, torch.randn(input_size)))
