"""The one block library every lwcourse model is built from.

Each block reads like the figure in its paper; the docstrings name paper and figure.
"""

from .conv import ConvBNAct, DepthwiseSeparableConv, make_divisible, resolve_activation
from .se import SqueezeExcitation

__all__ = [
    "ConvBNAct",
    "DepthwiseSeparableConv",
    "SqueezeExcitation",
    "make_divisible",
    "resolve_activation",
]
