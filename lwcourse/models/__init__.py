"""The course's models, one module per family: the paper's table as data plus a short builder.

>>> import lwcourse.models as zoo
>>> model = zoo.create("mobilenet_v2", num_classes=10, width_mult=0.5)
"""

from ._registry import create, list_models, register_model

__all__ = ["create", "list_models", "register_model"]
