"""The skeleton every classifier in the zoo shares: stem -> stages -> head -> pool -> classifier."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks.conv import chain


def check_input_size(x: torch.Tensor, min_size: int, model_name: str) -> None:
    """Raise a ValueError that names the model and its smallest input, instead of the cryptic
    error a too-small input would cause deep inside the network."""
    if x.dim() != 4:
        raise ValueError(f"{model_name} expects a batch of images (N, C, H, W); "
                         f"got shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    if h < min_size or w < min_size:
        raise ValueError(f"{model_name} needs an input of at least {min_size}x{min_size} "
                         f"pixels (its total stride); got {h}x{w}")


class ImageClassifier(nn.Module):
    """``stem -> stages -> head -> pool -> classifier``.

    ``stages`` is an ``nn.Sequential`` of stages (each a Sequential of blocks), so
    ``model.stages[i]`` is the paper table's i-th stage. ``head`` is the last conv before the
    pool (``nn.Identity()`` when there is none); ``classifier`` starts from the pooled
    ``(N, C, 1, 1)`` map (usually ``nn.Flatten()`` then ``nn.Linear``).
    Registration order is stem, stages, head, pool, classifier, which is also the order
    ``lwcourse.reference.transplant`` pairs tensors in.
    """

    def __init__(self, stem: nn.Module, stages: nn.Sequential, head: nn.Module,
                 classifier: nn.Module, min_input_size: int = 32, name: str = "model"):
        super().__init__()
        self.stem = stem
        self.stages = stages
        self.head = head
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = classifier
        self.min_input_size = min_input_size
        self.name = name

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before pooling."""
        check_input_size(x, self.min_input_size, self.name)
        return chain(x, self.stem, self.stages, self.head)  # frees each activation early

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.forward_features(x)))


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
