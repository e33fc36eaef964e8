"""The model registry: ``@register_model`` (``register_variant`` for a family's variants),
``create(name, **kwargs)`` and ``list_models()``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from torch import nn

from .._checks import check_name, check_positive_int

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def _origin(fn: Callable) -> tuple[str, str]:
    return fn.__module__, fn.__qualname__


def register_variant(build: Callable[..., nn.Module], name: str, doc: str):
    """Register ``build``, a closure over one variant of a family (``_builder("b0")``), under
    ``name``: it gets that name (also as qualified name, so a reload replaces the entry) and
    the docstring ``doc``."""
    build.__name__ = build.__qualname__ = name
    build.__doc__ = doc
    return register_model(build)


def register_model(fn: Callable[..., nn.Module] | None = None, *, name: str | None = None):
    """Decorator that adds a model builder to the registry under its function name (or
    ``name``) and returns it wrapped so that ``num_classes`` is checked on every call.

    A builder takes keyword arguments with defaults, ``num_classes`` among them, checks the
    others itself, and returns an ``ImageClassifier`` whose ``name`` is the registry name.
    Registering a name again from the same function (same module and qualified name, as
    ``importlib.reload`` of a family module does) replaces the entry; from a different
    function it is an error.
    """

    def add(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = name or builder.__name__
        signature = inspect.signature(builder)
        if "num_classes" not in signature.parameters:
            raise TypeError(f"model builder {key!r} must take a num_classes argument")
        previous = _MODELS.get(key)
        if previous is not None and _origin(previous) != _origin(builder):
            raise ValueError(f"model {key!r} is registered twice: by "
                             f"{'.'.join(_origin(previous))} and {'.'.join(_origin(builder))}")

        @functools.wraps(builder)
        def build(*args, **kwargs) -> nn.Module:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check_positive_int("num_classes", bound.arguments["num_classes"])
            return builder(*args, **kwargs)

        _MODELS[key] = build
        return build

    return add(fn) if fn is not None else add


def list_models() -> list[str]:
    """Names of all registered models, sorted."""
    return sorted(_MODELS)


def create(name: str, num_classes: int = 1000, pretrained: bool = False, **kwargs) -> nn.Module:
    """Build a registered model, e.g. ``create("mobilenet_v2", width_mult=1.4)``.

    An unknown name raises a ValueError with close matches and the list of names; keyword
    arguments the builder does not take raise one that lists those it does.
    ``pretrained=True`` returns the model with its torchvision/timm reference's ImageNet
    weights (``lwcourse.deploy.load_pretrained``: downloaded once, then cached; a clear
    error without network), in eval mode; it takes no other options.
    """
    check_name("model name", name, _MODELS, f"{', '.join(list_models())}")
    if not isinstance(pretrained, bool):
        raise ValueError(f"pretrained must be True or False; got {pretrained!r}")
    if pretrained:
        if num_classes != 1000 or kwargs:
            raise ValueError("pretrained=True gives the reference's ImageNet model: num_classes "
                             "and other options cannot be changed (fine-tune a copy instead)")
        from ..deploy import load_pretrained

        return load_pretrained(name)
    builder = _MODELS[name]
    accepted = inspect.signature(builder).parameters
    wrong = [k for k in kwargs if k not in accepted]
    if wrong:
        raise ValueError(
            f"model {name!r} does not take {', '.join(wrong)}; it takes: {', '.join(accepted)}"
        )
    return builder(num_classes=num_classes, **kwargs)
