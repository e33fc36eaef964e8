"""The contract every classifier in the zoo follows: stem -> stages -> head -> pool ->
classifier, plus the helpers the families share."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from .._checks import check_image_batch, check_positive_int
from ..blocks.conv import chain


class ImageClassifier(nn.Module):
    """``stem -> stages -> head -> pool -> classifier``, the one model class of the zoo.

    Vocabulary (the same in every family module):

    * ``stem``: the layers before the first block (a stride-2 conv, sometimes a max-pool);
      its width is the family's ``STEM_CHANNELS``.
    * ``stages``: an ``nn.Sequential`` of stages, each an ``nn.Sequential`` of blocks, built by
      :func:`group_stages`: a new stage starts at every block that changes the shape (stride 2
      or a new width); the other blocks of a stage keep it. So ``model.stages[i][0]`` is a
      stage's one shape-changing block.
    * ``head``: the last conv before the pool (``HEAD_CHANNELS`` wide), or ``None`` when the
      pool follows the last stage directly (MobileNetV1, ShuffleNet V1, ResNeXt).
    * ``pool``: global average pooling to ``(N, C, 1, 1)``.
    * ``classifier``: from the pooled map to the logits (``nn.Flatten()``, dropout, ``nn.Linear``);
      where the paper has a hidden layer after the pool (MobileNetV3, GhostNet), its width is
      ``CLASSIFIER_HIDDEN``.

    ``name`` is the model's registry name, ``default_resolution`` the input size its paper
    evaluates at, ``min_input_size`` the smallest input it accepts (its total stride).
    Registration order is stem, stages, head, pool, classifier, which is also the order
    ``lwcourse.reference.transplant`` pairs tensors in.
    """

    def __init__(self, stem: nn.Module, stages: nn.Sequential, head: nn.Module | None,
                 classifier: nn.Module, *, name: str, default_resolution: int = 224,
                 min_input_size: int = 32):
        super().__init__()
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be the model's registry name; got {name!r}")
        self.stem = stem
        self.stages = stages
        self.head = head
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = classifier
        self.name = name
        self.default_resolution = check_positive_int("default_resolution", default_resolution)
        self.min_input_size = check_positive_int("min_input_size", min_input_size)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a ValueError naming the model and its smallest input, instead of the cryptic
        error a wrong input would cause deep inside the network."""
        check_image_batch("the input", x)
        h, w = x.shape[-2:]
        if h < self.min_input_size or w < self.min_input_size:
            raise ValueError(f"{self.name} needs an input of at least {self.min_input_size}x"
                             f"{self.min_input_size} pixels (its total stride); got {h}x{w}")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before pooling."""
        self.check_input(x)
        return chain(x, self.stem, self.stages, self.head)  # frees each activation early

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.forward_features(x)))

    def extra_repr(self) -> str:
        return f"name={self.name!r}, default_resolution={self.default_resolution}"


def group_stages(blocks: Iterable[nn.Module]) -> nn.Sequential:
    """Group a network's blocks into stages, the one rule of the zoo: a new stage starts at
    every block that changes the shape (``stride != 1`` or ``in_channels != out_channels``),
    so each stage is one shape-changing block followed by shape-keeping ones. For a paper
    table with a repeat column (MobileNetV2, MnasNet, EfficientNet, ShuffleNet, ResNeXt) that
    is one stage per row; for one-row-per-block tables (MobileNetV3, GhostNet) it groups the
    rows that share a width and resolution."""
    stages: list[list[nn.Module]] = []
    for block in blocks:
        if not stages or block.stride != 1 or block.in_channels != block.out_channels:
            stages.append([])
        stages[-1].append(block)
    return nn.Sequential(*(nn.Sequential(*stage) for stage in stages))


def init_weights(model: nn.Module) -> nn.Module:
    """torchvision's initialisation for the MBConv networks: Kaiming-normal (fan-out) convs,
    BN scale 1 / shift 0, Linear N(0, 0.01), all biases 0. Returns ``model``."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
    return model


def repeat_block(make: Callable[..., nn.Module], repeats: int, in_channels: int,
                 out_channels: int, stride: int, **first_only) -> list[nn.Module]:
    """One row of a paper table with a repeat column: ``make(in, out, stride=stride)`` for the
    first block (it changes the shape), then ``repeats - 1`` blocks ``make(out, out, stride=1)``.
    ``make`` is a block class or a ``functools.partial`` of one with the row's settings;
    ``first_only`` are keyword arguments for the first block alone."""
    return [make(in_channels, out_channels, stride=stride, **first_only)] + [
        make(out_channels, out_channels, stride=1) for _ in range(repeats - 1)]
