"""The course's models, one module per family: the paper's table as data plus a short builder.

>>> import lwcourse.models as zoo
>>> model = zoo.create("mobilenet_v2", num_classes=10, width_mult=0.5)

Every model is an :class:`ImageClassifier` (``stem -> stages -> head -> pool -> classifier``;
see its docstring for the shared vocabulary). A new family is a module here whose builders
carry ``@register_model`` and which is imported below (one line in the import list).
"""

# Importing a family module registers its builders: one line per family.
from . import (  # noqa: F401 (imported to register)
    efficientnet,
    efficientnet_lite,
    fbnet,
    ghostnet,
    hardnet,
    lcnet,
    mixnet,
    mnasnet,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v2_attention,
    mobilenet_v3,
    mobilenext,
    resnext,
    shufflenet_v1,
    shufflenet_v2,
)
from ._common import ImageClassifier, group_stages
from ._registry import create, list_models, register_model

__all__ = ["ImageClassifier", "create", "group_stages", "list_models", "register_model"]
